/**
 * The control-plane registry in PostgreSQL: tenants, their key history and wrapped
 * identities, one SOPS document per tenant, the hash-chained audit log and the apply
 * lock. Every registry query in Bulkhead is in this file; callers get plain records.
 *
 * Cryptography stays out: operations that change keys or documents take a callback that
 * does the crypto while this module holds the right locks, inside one transaction, so a
 * change and its audit event are committed together or not at all.
 */
import postgres from "postgres";
import { ConfigError, endpointOf, ENV } from "../config.ts";
import { describeConnectionFailure } from "../stores/inspect.ts";
import { adminSql } from "../stores/postgres/inspect.ts";
import { tenantIdProblem } from "../tenant/id.ts";
import type { TenantStatus } from "../tenant/model.ts";
import { sha256Hex } from "../encoding.ts";
import { MIGRATIONS } from "./migrations.ts";
import {
  auditDetails,
  type AuditEvent,
  type AuditEventInput,
  auditHash,
  type ChainBreak,
  type ChainHead,
  GENESIS_HASH,
  SYSTEM_AUDIT_CHAIN,
  verifyChain,
} from "./audit.ts";

export const DEFAULT_REGISTRY_DATABASE = "bulkhead_registry";

/**
 * How long an archived identity (after a rotation), or every identity of a decommissioned
 * tenant, is kept when the tenant has no retention_days recorded: the standard tier's
 * retention, the shortest of the tiers.
 */
export const DEFAULT_KEY_RETENTION_DAYS = 30;

export type KeyReason = "initial" | "scheduled" | "emergency" | "personnel";
export const ROTATION_REASONS = ["scheduled", "emergency", "personnel"] as const;
export type RotationReason = (typeof ROTATION_REASONS)[number];

export interface TenantRecord {
  id: string;
  status: TenantStatus;
  /** The current age recipient; absent until the tenant has keys. */
  publicKey?: string;
  /** 0 until the tenant has keys. */
  keyVersion: number;
  rotatedAt?: Date;
  rotationDueAt?: Date;
  decommissionedAt?: Date;
  /** From the tenant file, when recorded; DEFAULT_KEY_RETENTION_DAYS applies otherwise. */
  retentionDays?: number;
  /** When every identity of the (decommissioned) tenant was destroyed. */
  keysShreddedAt?: Date;
  createdAt: Date;
}

export interface TenantKeyRecord {
  tenantId: string;
  version: number;
  publicKey: string;
  publicKeySha256: string;
  /** Armored age file of the identity, to the master recipients; absent once purged. */
  wrappedIdentity?: string;
  reason: KeyReason;
  createdAt: Date;
  archivedAt?: Date;
  retainUntil?: Date;
  purgedAt?: Date;
}

export interface SecretDocumentRecord {
  tenantId: string;
  version: number;
  /** The tenant key version the document is wrapped to. */
  keyVersion: number;
  /** SOPS YAML. */
  document: string;
  updatedAt: Date;
}

export interface TenantKeyOverview extends TenantRecord {
  documentVersion?: number;
  archivedKeys: number;
  purgedKeys: number;
}

export interface NewTenantKey {
  publicKey: string;
  wrappedIdentity: string;
}

export interface ApplyLock {
  holder: string;
  purpose: string;
  since: Date;
  /** True while this process still holds the lock (false after a force-unlock). */
  held(): Promise<boolean>;
  /** Releases the lock; safe to call twice, and after the lock was lost. */
  release(): Promise<void>;
}

export interface ApplyLockStatus {
  holder: string;
  purpose: string;
  since: Date;
  backendPid: number;
  /** The session that took the lock is gone: the next apply will take over. */
  stale: boolean;
}

export interface AuditVerification {
  chains: number;
  events: number;
  breaks: ChainBreak[];
}

export interface PurgeRecord {
  tenantId: string;
  /** Key versions whose wrapped identity was destroyed. */
  versions: number[];
  /** True when the tenant was decommissioned and all its keys and its document are gone. */
  shredded: boolean;
}

export class ApplyLockHeldError extends Error {
  constructor(readonly holder: string, readonly since: Date, readonly purpose: string) {
    super(
      `the apply lock is held by ${holder} since ${since.toISOString()} for "${purpose}"; ` +
        "wait for it to finish (if that process is gone for good: bulkhead force-unlock)",
    );
    this.name = "ApplyLockHeldError";
  }
}

export class TenantKeysMissingError extends Error {
  constructor(readonly tenantId: string, shreddedAt?: Date) {
    super(
      shreddedAt
        ? `tenant ${tenantId}: its keys and secrets were destroyed on ${shreddedAt.toISOString()} (decommissioned and purged)`
        : `tenant ${tenantId} has no keys in the registry; apply creates them (or: bulkhead keys init ${tenantId})`,
    );
    this.name = "TenantKeysMissingError";
  }
}

export class KeyRotationInProgressError extends Error {
  constructor(readonly tenantId: string) {
    super(
      `tenant ${tenantId}: another key rotation of this tenant is in progress; nothing was changed (run it again once that one has finished)`,
    );
    this.name = "KeyRotationInProgressError";
  }
}

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistryError";
  }
}

// Advisory lock keys (two int4 keys: a class per purpose, then 0 or hashtext(tenant id)).
const LOCK = {
  apply: 0x42484b01,
  migrate: 0x42484b02,
  tenantKeys: 0x42484b03,
  rotation: 0x42484b04,
} as const;

type Sql = postgres.Sql;
type Tx = postgres.TransactionSql;
// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

/** The registry URL from the environment contract. */
export function registryUrlFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  const explicit = env[ENV.registryUrl];
  if (explicit) return explicit;
  const admin = env[ENV.postgresUrl];
  if (!admin) {
    throw new ConfigError(
      `no registry configured: set ${ENV.registryUrl}, or ${ENV.postgresUrl} to use database ${DEFAULT_REGISTRY_DATABASE} on that server`,
    );
  }
  const url = new URL(admin);
  url.pathname = `/${DEFAULT_REGISTRY_DATABASE}`;
  return url.toString();
}

export class Registry {
  private constructor(private readonly sql: Sql, private readonly url: string) {}

  /** `scheme://host:port` of the registry: safe to print. */
  get endpoint(): string {
    return endpointOf(this.url);
  }

  /** Connects, creating the database (on the same server) and applying migrations as needed. */
  static async open(url: string): Promise<Registry> {
    const database = databaseOf(url);
    let sql = registryPool(url);
    try {
      await sql`select 1`;
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      if (errorCode(error) !== "3D000") throw unavailable(url, error);
      await createDatabase(url, database);
      sql = registryPool(url);
    }
    try {
      await migrate(sql);
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      if (error instanceof RegistryError) throw error;
      throw unavailable(url, error);
    }
    return new Registry(sql, url);
  }

  static fromEnv(env?: Record<string, string | undefined>): Promise<Registry> {
    return Registry.open(registryUrlFromEnv(env));
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  /** Applied migration versions, oldest first. */
  async schemaVersions(): Promise<number[]> {
    const rows = await this.sql`select version from registry_migrations order by version`;
    return rows.map((r) => r.version as number);
  }

  // ---- apply lock -------------------------------------------------------------------

  /**
   * Takes the apply lock or fails at once with ApplyLockHeldError. The lock is a
   * session-level advisory lock on a connection of its own, so a holder that dies (even
   * SIGKILLed) loses it as soon as PostgreSQL notices the closed connection; the
   * `apply_lock` row only says who holds it.
   */
  async acquireApplyLock(holder: string, purpose: string): Promise<ApplyLock> {
    const conn = postgres(this.url, {
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      connect_timeout: 10,
      onnotice: () => {},
      connection: { application_name: "bulkhead apply lock" },
    });
    try {
      const [got] = await conn`
        select pg_try_advisory_lock(${LOCK.apply}, 0) as locked, pg_backend_pid() as pid`;
      if (!got.locked) {
        const status = await this.waitForLockRow();
        throw new ApplyLockHeldError(
          status?.holder ?? "an unrecorded holder",
          status?.since ?? new Date(),
          status?.purpose ?? "unknown",
        );
      }
      const pid = got.pid as number;
      const since = await this.sql.begin(async (tx) => {
        const [old] = await tx`select * from apply_lock for update`;
        const [row] = await tx`
          insert into apply_lock (singleton, holder, purpose, since, backend_pid)
          values (true, ${holder}, ${purpose}, now(), ${pid})
          on conflict (singleton) do update
            set holder = excluded.holder, purpose = excluded.purpose,
                since = excluded.since, backend_pid = excluded.backend_pid
          returning since`;
        if (old) {
          await appendAudit(tx, {
            tenant: SYSTEM_AUDIT_CHAIN,
            actor: holder,
            type: "apply_lock.stale_taken_over",
            details: {
              stale_holder: old.holder,
              stale_since: (old.since as Date).toISOString(),
              stale_purpose: old.purpose,
            },
          });
        }
        return row.since as Date;
      });
      let released = false;
      return {
        holder,
        purpose,
        since,
        held: async () => {
          if (released) return false;
          try {
            const [row] = await conn`
              select exists (select 1 from pg_locks where locktype = 'advisory'
                and classid::bigint = ${LOCK.apply} and objid::bigint = 0 and objsubid = 2
                and pid = pg_backend_pid() and granted) as held`;
            return row.held === true;
          } catch {
            return false;
          }
        },
        release: async () => {
          if (released) return;
          released = true;
          try {
            await conn`delete from apply_lock where backend_pid = pg_backend_pid()`;
            await conn`select pg_advisory_unlock(${LOCK.apply}, 0)`;
          } catch {
            // The connection is gone (force-unlocked or dropped): the server already let go.
          } finally {
            await conn.end({ timeout: 2 }).catch(() => {});
          }
        },
      };
    } catch (error) {
      await conn.end({ timeout: 1 }).catch(() => {});
      throw error;
    }
  }

  /** Who holds the apply lock (or held it and is gone), if anyone. */
  async applyLockStatus(): Promise<ApplyLockStatus | undefined> {
    const [row] = await this.sql`
      select l.*, exists (
        select 1 from pg_locks k
         where k.locktype = 'advisory' and k.classid::bigint = ${LOCK.apply}
           and k.objid::bigint = 0 and k.objsubid = 2 and k.granted and k.pid = l.backend_pid
           and k.database = (select oid from pg_database where datname = current_database())
      ) as live
      from apply_lock l`;
    if (!row) return undefined;
    return {
      holder: row.holder,
      purpose: row.purpose,
      since: row.since,
      backendPid: row.backend_pid,
      stale: !row.live,
    };
  }

  /** The lock row of a live holder; a holder that just took the lock may not have written it. */
  private async waitForLockRow(): Promise<ApplyLockStatus | undefined> {
    let status: ApplyLockStatus | undefined;
    for (let attempt = 0; attempt < 10; attempt++) {
      status = await this.applyLockStatus();
      if (status && !status.stale) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return status;
  }

  /**
   * Breaks the apply lock: ends the session that holds it (if any is left) and removes
   * the record. Audited on the `bulkhead` chain. Returns who held it, or undefined.
   */
  async forceUnlock(actor: string): Promise<{ holder: string; since: Date } | undefined> {
    return await this.sql.begin(async (tx) => {
      const [row] = await tx`select * from apply_lock for update`;
      const holders = await tx`
        select pid from pg_locks
         where locktype = 'advisory' and classid::bigint = ${LOCK.apply} and objid::bigint = 0
           and objsubid = 2 and granted
           and database = (select oid from pg_database where datname = current_database())`;
      if (!row && holders.length === 0) return undefined;
      for (const { pid } of holders) await tx`select pg_terminate_backend(${pid})`;
      await tx`delete from apply_lock`;
      const holder = (row?.holder as string | undefined) ?? "an unrecorded holder";
      const since = (row?.since as Date | undefined) ?? new Date();
      await appendAudit(tx, {
        tenant: SYSTEM_AUDIT_CHAIN,
        actor,
        type: "apply_lock.force_unlocked",
        details: {
          holder,
          since: since.toISOString(),
          purpose: row?.purpose ?? null,
          ended_sessions: holders.length,
        },
      });
      return { holder, since };
    });
  }

  // ---- tenants ----------------------------------------------------------------------

  /** Every tenant the registry knows, in one query. */
  async listTenantRecords(): Promise<TenantRecord[]> {
    const rows = await this.sql`select * from tenants order by id`;
    return rows.map(tenantOf);
  }

  async tenantRecord(tenantId: string): Promise<TenantRecord | undefined> {
    const [row] = await this.sql`select * from tenants where id = ${tenantId}`;
    return row ? tenantOf(row) : undefined;
  }

  /**
   * Records a tenant's declared status (registering it on first sight). decommissioned_at
   * is set when it is first seen decommissioned and cleared if it comes back. Audited
   * only when something changes, so that re-running apply adds no events.
   */
  async recordTenantStatus(
    tenantId: string,
    status: TenantStatus,
    actor: string,
    options: { retentionDays?: number } = {},
  ): Promise<TenantRecord> {
    checkTenantId(tenantId);
    const retention = options.retentionDays ?? null;
    return await this.sql.begin(async (tx) => {
      const [inserted] = await tx`
        insert into tenants (id, status, decommissioned_at, retention_days)
        values (${tenantId}, ${status},
                case when ${status}::text = 'decommissioned' then now() end, ${retention})
        on conflict (id) do nothing
        returning *`;
      if (inserted) {
        await appendAudit(tx, {
          tenant: tenantId,
          actor,
          type: "tenant.registered",
          details: { status, retention_days: retention },
        });
        return tenantOf(inserted);
      }
      const [before] = await tx`select * from tenants where id = ${tenantId} for update`;
      const [after] = await tx`
        update tenants
           set status = ${status},
               decommissioned_at = case when ${status}::text = 'decommissioned'
                                        then coalesce(decommissioned_at, now()) end,
               retention_days = coalesce(${retention}::integer, retention_days),
               updated_at = now()
         where id = ${tenantId}
        returning *`;
      if (before.status !== status) {
        await appendAudit(tx, {
          tenant: tenantId,
          actor,
          type: "tenant.status_changed",
          details: { from: before.status, to: status },
        });
      }
      if (before.retention_days !== after.retention_days) {
        await appendAudit(tx, {
          tenant: tenantId,
          actor,
          type: "tenant.retention_changed",
          details: { from: before.retention_days, to: after.retention_days },
        });
      }
      return tenantOf(after);
    });
  }

  // ---- audit log --------------------------------------------------------------------

  /** Appends one event to the tenant's chain. Details must hold no secret (checked). */
  async appendAuditEvent(event: AuditEventInput): Promise<void> {
    await this.sql.begin((tx) => appendAudit(tx, event));
  }

  /** One tenant's events, oldest first. */
  async auditEvents(tenantId: string): Promise<AuditEvent[]> {
    const rows = await this.sql`
      select * from audit_events where tenant_id = ${tenantId} order by seq`;
    return rows.map(auditEventOf);
  }

  /** Recomputes every chain (or one tenant's) and returns the first broken link of each. */
  async verifyAuditLog(tenantId?: string): Promise<AuditVerification> {
    const only = tenantId ?? null;
    const rows = await this.sql`
      select * from audit_events where (${only}::text is null or tenant_id = ${only})
       order by tenant_id, seq`;
    const heads = await this.sql`
      select * from audit_heads where (${only}::text is null or tenant_id = ${only})`;
    const byTenant = new Map<string, AuditEvent[]>();
    for (const row of rows) {
      const event = auditEventOf(row);
      byTenant.set(event.tenant, [...(byTenant.get(event.tenant) ?? []), event]);
    }
    const headOf = new Map<string, ChainHead>(
      heads.map((h) => [h.tenant_id, { tenant: h.tenant_id, seq: h.seq, hash: h.hash }]),
    );
    const tenants = [...new Set([...byTenant.keys(), ...headOf.keys()])].sort();
    const breaks: ChainBreak[] = [];
    for (const tenant of tenants) {
      const broken = await verifyChain(byTenant.get(tenant) ?? [], headOf.get(tenant));
      if (broken) breaks.push({ ...broken, tenant });
    }
    return { chains: tenants.length, events: rows.length, breaks };
  }

  // ---- keys and secret documents ----------------------------------------------------

  /** Tenants with their key and document state, for `keys list`: one query. */
  async keysOverview(): Promise<TenantKeyOverview[]> {
    const rows = await this.sql`
      select t.*, d.version as document_version,
             count(k.version) filter (where k.archived_at is not null and k.purged_at is null)::int
               as archived_keys,
             count(k.version) filter (where k.purged_at is not null)::int as purged_keys
        from tenants t
        left join tenant_keys k on k.tenant_id = t.id
        left join secret_documents d on d.tenant_id = t.id
       group by t.id, d.version
       order by t.id`;
    return rows.map((row) => ({
      ...tenantOf(row),
      documentVersion: row.document_version ?? undefined,
      archivedKeys: row.archived_keys,
      purgedKeys: row.purged_keys,
    }));
  }

  /** Every key version of a tenant, oldest first. */
  async keyHistory(tenantId: string): Promise<TenantKeyRecord[]> {
    const rows = await this.sql`
      select * from tenant_keys where tenant_id = ${tenantId} order by version`;
    return rows.map(keyOf);
  }

  async secretDocument(tenantId: string): Promise<SecretDocumentRecord | undefined> {
    const [row] = await this.sql`select * from secret_documents where tenant_id = ${tenantId}`;
    return row ? documentOf(row) : undefined;
  }

  /** Every tenant's document, in one query. */
  async allSecretDocuments(): Promise<SecretDocumentRecord[]> {
    const rows = await this.sql`select * from secret_documents order by tenant_id`;
    return rows.map(documentOf);
  }

  /**
   * Creates the tenant's first key and (empty) document unless it has them, registering
   * the tenant as active on first sight. A tenant whose keys were shredded gets a new
   * key version. `create` runs under the tenant's key lock, inside the transaction.
   * Returns true when keys were created.
   */
  async createTenantKeysIfMissing(
    tenantId: string,
    actor: string,
    rotationIntervalDays: number,
    create: (tenant: TenantRecord) => Promise<{ key: NewTenantKey; document: string }>,
  ): Promise<boolean> {
    checkTenantId(tenantId);
    const [state] = await this.sql`
      select t.key_version, t.keys_shredded_at, d.version as document_version
        from tenants t left join secret_documents d on d.tenant_id = t.id
       where t.id = ${tenantId}`;
    if (hasKeys(state)) return false;
    return await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK.tenantKeys}, hashtext(${tenantId}))`;
      const [inserted] = await tx`
        insert into tenants (id, status) values (${tenantId}, 'active')
        on conflict (id) do nothing returning id`;
      if (inserted) {
        await appendAudit(tx, {
          tenant: tenantId,
          actor,
          type: "tenant.registered",
          details: { status: "active", retention_days: null },
        });
      }
      const [tenant] = await tx`
        select t.*, d.version as document_version
          from tenants t left join secret_documents d on d.tenant_id = t.id
         where t.id = ${tenantId} for update of t`;
      if (hasKeys(tenant)) return false;
      if (tenant.key_version > 0 && !tenant.keys_shredded_at) {
        throw new RegistryError(
          `tenant ${tenantId}: key version ${tenant.key_version} exists without a secrets document; the registry is inconsistent`,
        );
      }
      const version = tenant.key_version + 1;
      const made = await create(tenantOf(tenant));
      const fingerprint = await sha256Hex(made.key.publicKey);
      await tx`
        insert into tenant_keys (tenant_id, version, public_key, public_key_sha256,
                                 wrapped_identity, reason)
        values (${tenantId}, ${version}, ${made.key.publicKey}, ${fingerprint},
                ${made.key.wrappedIdentity}, 'initial')`;
      await tx`
        insert into secret_documents (tenant_id, version, key_version, document)
        values (${tenantId}, 1, ${version}, ${made.document})`;
      await tx`
        update tenants
           set public_key = ${made.key.publicKey}, key_version = ${version},
               rotation_due_at = now() + make_interval(days => ${rotationIntervalDays}),
               keys_shredded_at = null, updated_at = now()
         where id = ${tenantId}`;
      await appendAudit(tx, {
        tenant: tenantId,
        actor,
        type: "keys.created",
        details: {
          key_version: version,
          reason: "initial",
          public_key_sha256: fingerprint,
          document_version: 1,
          after_shredding: tenant.keys_shredded_at !== null,
        },
      });
      return true;
    });
  }

  /**
   * Replaces the tenant's key: `rotate` gets the current key and document (locked) and
   * returns the new key and the re-encrypted document. The old key is archived until
   * now + retention days (the override, else the tenant's, else the default). A second
   * rotation of the same tenant while one runs fails at once (KeyRotationInProgressError).
   */
  async rotateTenantKey(
    tenantId: string,
    actor: string,
    reason: RotationReason,
    options: { retentionDays?: number; rotationIntervalDays: number },
    rotate: (
      state: { tenant: TenantRecord; key: TenantKeyRecord; document: SecretDocumentRecord },
    ) => Promise<{ key: NewTenantKey; document: string }>,
  ): Promise<{ fromVersion: number; toVersion: number; retainUntil: Date }> {
    return await this.sql.begin(async (tx) => {
      const [{ free }] = await tx`
        select pg_try_advisory_xact_lock(${LOCK.rotation}, hashtext(${tenantId})) as free`;
      if (!free) throw new KeyRotationInProgressError(tenantId);
      const { tenant, key, document } = await lockKeysAndDocument(tx, tenantId);
      const made = await rotate({ tenant: tenantOf(tenant), key: keyOf(key), document });
      const fingerprint = await sha256Hex(made.key.publicKey);
      const fromVersion = key.version as number;
      const toVersion = fromVersion + 1;
      const [archived] = await tx`
        update tenant_keys
           set archived_at = now(),
               retain_until = now() + make_interval(days => coalesce(
                 ${options.retentionDays ?? null}::integer, ${tenant.retention_days}::integer,
                 ${DEFAULT_KEY_RETENTION_DAYS}::integer))
         where tenant_id = ${tenantId} and version = ${fromVersion}
        returning retain_until`;
      await tx`
        insert into tenant_keys (tenant_id, version, public_key, public_key_sha256,
                                 wrapped_identity, reason)
        values (${tenantId}, ${toVersion}, ${made.key.publicKey}, ${fingerprint},
                ${made.key.wrappedIdentity}, ${reason})`;
      const [doc] = await tx`
        update secret_documents
           set version = version + 1, key_version = ${toVersion}, document = ${made.document},
               updated_at = now()
         where tenant_id = ${tenantId}
        returning version`;
      await tx`
        update tenants
           set public_key = ${made.key.publicKey}, key_version = ${toVersion}, rotated_at = now(),
               rotation_due_at = now() + make_interval(days => ${options.rotationIntervalDays}),
               updated_at = now()
         where id = ${tenantId}`;
      const retainUntil = archived.retain_until as Date;
      await appendAudit(tx, {
        tenant: tenantId,
        actor,
        type: "keys.rotated",
        details: {
          reason,
          from_version: fromVersion,
          to_version: toVersion,
          public_key_sha256: fingerprint,
          archived_until: retainUntil.toISOString(),
          document_version: doc.version,
        },
      });
      return { fromVersion, toVersion, retainUntil };
    });
  }

  /**
   * Read-modify-write of a tenant's document under a row lock, so concurrent writers of
   * one tenant never lose a write. `update` returns the new document and its audit event,
   * or undefined for no change. Returns the document version after the call.
   */
  async updateSecretDocument(
    tenantId: string,
    actor: string,
    update: (state: { key: TenantKeyRecord; document: SecretDocumentRecord }) => Promise<
      { document: string; audit: { type: string; details: Record<string, unknown> } } | undefined
    >,
  ): Promise<number> {
    return await this.sql.begin(async (tx) => {
      const [doc] =
        await tx`select * from secret_documents where tenant_id = ${tenantId} for update`;
      if (!doc) {
        const [tenant] = await tx`select keys_shredded_at from tenants where id = ${tenantId}`;
        throw new TenantKeysMissingError(tenantId, tenant?.keys_shredded_at ?? undefined);
      }
      const [key] = await tx`
        select * from tenant_keys where tenant_id = ${tenantId} and version = ${doc.key_version}`;
      const change = await update({ key: keyOf(key), document: documentOf(doc) });
      if (!change) return doc.version as number;
      const [updated] = await tx`
        update secret_documents
           set version = version + 1, document = ${change.document}, updated_at = now()
         where tenant_id = ${tenantId}
        returning version`;
      await appendAudit(tx, {
        tenant: tenantId,
        actor,
        type: change.audit.type,
        details: { ...change.audit.details, document_version: updated.version },
      });
      return updated.version as number;
    });
  }

  /**
   * Destroys (sets to null) wrapped identities that are due: archived ones past their
   * retain-until date, and every identity plus the document of a tenant decommissioned
   * longer than its retention. `ignoreRetention` destroys them regardless of dates.
   */
  async purgeKeys(
    actor: string,
    options: { tenantId?: string; ignoreRetention?: boolean } = {},
  ): Promise<PurgeRecord[]> {
    const only = options.tenantId ?? null;
    const ignore = options.ignoreRetention === true;
    const candidates = await this.sql`
      select t.id from tenants t
       where (${only}::text is null or t.id = ${only})
         and (exists (select 1 from tenant_keys k
                       where k.tenant_id = t.id and k.archived_at is not null
                         and k.purged_at is null and (${ignore} or k.retain_until <= now()))
              or ${decommissionDue(this.sql, ignore)})
       order by t.id`;
    const purged: PurgeRecord[] = [];
    for (const { id } of candidates) {
      const record = await this.sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${LOCK.tenantKeys}, hashtext(${id}))`;
        const [t] = await tx`
          select ${decommissionDue(tx, ignore)} as shred from tenants t where t.id = ${id}
           for update`;
        const shred = t.shred === true;
        const versions = await tx`
          update tenant_keys
             set wrapped_identity = null, purged_at = now()
           where tenant_id = ${id} and purged_at is null
             and (${shred} or (archived_at is not null and (${ignore} or retain_until <= now())))
          returning version, archived_at, retain_until`;
        if (shred) {
          await tx`delete from secret_documents where tenant_id = ${id}`;
          await tx`update tenants set keys_shredded_at = now(), updated_at = now() where id = ${id}`;
        }
        if (versions.length === 0 && !shred) return undefined;
        const numbers = versions.map((v) => v.version as number).sort((a, b) => a - b);
        await appendAudit(tx, {
          tenant: id,
          actor,
          type: shred ? "keys.shredded" : "keys.purged",
          details: { key_versions: numbers, retention_ignored: ignore },
        });
        return { tenantId: id as string, versions: numbers, shredded: shred };
      });
      if (record) purged.push(record);
    }
    return purged;
  }
}

/** Opens the registry named by the environment, runs `work`, and closes it. */
export async function withRegistry<T>(work: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await Registry.fromEnv();
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

/** A decommissioned tenant whose retention has passed and whose keys still exist. */
function decommissionDue(sql: Sql | Tx, ignore: boolean) {
  return sql`(t.status = 'decommissioned' and t.keys_shredded_at is null and t.key_version > 0
    and (${ignore} or t.decommissioned_at + make_interval(days => coalesce(t.retention_days,
      ${DEFAULT_KEY_RETENTION_DAYS}::integer)) <= now()))`;
}

function hasKeys(row: Row | undefined): boolean {
  return !!row && row.key_version > 0 && !row.keys_shredded_at && row.document_version != null;
}

async function lockKeysAndDocument(tx: Tx, tenantId: string) {
  await tx`select pg_advisory_xact_lock(${LOCK.tenantKeys}, hashtext(${tenantId}))`;
  const [tenant] = await tx`select * from tenants where id = ${tenantId} for update`;
  if (!tenant || tenant.key_version === 0 || tenant.keys_shredded_at) {
    throw new TenantKeysMissingError(tenantId, tenant?.keys_shredded_at ?? undefined);
  }
  const [key] = await tx`
    select * from tenant_keys where tenant_id = ${tenantId} and version = ${tenant.key_version}`;
  const [doc] = await tx`select * from secret_documents where tenant_id = ${tenantId} for update`;
  if (!key?.wrapped_identity || !doc) throw new TenantKeysMissingError(tenantId);
  return { tenant, key, document: documentOf(doc) };
}

/** Appends to a chain inside the caller's transaction; the head row serialises writers. */
async function appendAudit(tx: Tx, input: AuditEventInput): Promise<void> {
  if (input.tenant !== SYSTEM_AUDIT_CHAIN) checkTenantId(input.tenant);
  const details = auditDetails(input.details);
  await tx`
    insert into audit_heads (tenant_id, seq, hash) values (${input.tenant}, 0, ${GENESIS_HASH})
    on conflict (tenant_id) do nothing`;
  const [head] = await tx`
    select seq, hash, date_trunc('milliseconds', clock_timestamp()) as at
      from audit_heads where tenant_id = ${input.tenant} for update`;
  const event = {
    tenant: input.tenant,
    seq: (head.seq as number) + 1,
    at: head.at as Date,
    actor: input.actor,
    type: input.type,
    details,
    prevHash: head.hash as string,
  };
  const hash = await auditHash(event);
  await tx`
    insert into audit_events (tenant_id, seq, at, actor, type, details, prev_hash, hash)
    values (${event.tenant}, ${event.seq}, ${event.at}, ${event.actor}, ${event.type},
            ${tx.json(details as postgres.JSONValue)}, ${event.prevHash}, ${hash})`;
  await tx`update audit_heads set seq = ${event.seq}, hash = ${hash}
            where tenant_id = ${event.tenant}`;
}

function checkTenantId(tenantId: string): void {
  const problem = tenantIdProblem(tenantId);
  if (problem) throw new RegistryError(`${JSON.stringify(tenantId)}: ${problem}`);
}

function registryPool(url: string): Sql {
  return postgres(url, {
    max: 4,
    connect_timeout: 10,
    idle_timeout: 10,
    onnotice: () => {},
    connection: { application_name: "bulkhead registry" },
  });
}

function databaseOf(url: string): string {
  let name = "";
  try {
    name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  } catch {
    throw new ConfigError(`the registry URL is not a valid URL (${endpointOf(url)})`);
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new ConfigError(
      `the registry URL must name its database in the path (lowercase letters, digits, _), e.g. /${DEFAULT_REGISTRY_DATABASE}`,
    );
  }
  return name;
}

async function createDatabase(url: string, database: string): Promise<void> {
  const admin = adminSql(url, { database: "postgres" });
  try {
    await admin.unsafe(`create database "${database}"`);
  } catch (error) {
    // Another process created it first.
    if (!["42P04", "23505"].includes(errorCode(error) ?? "")) {
      throw new RegistryError(
        `cannot create the registry database ${database} at ${endpointOf(url)}: ${
          error instanceof Error ? error.message : error
        } (create it, or grant CREATEDB to the registry user)`,
      );
    }
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
  }
}

async function migrate(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK.migrate}, 0)`;
    await tx`
      create table if not exists registry_migrations (
        version    integer primary key,
        name       text not null,
        applied_at timestamptz not null default now()
      )`;
    const applied = new Set(
      (await tx`select version from registry_migrations`).map((r) => r.version as number),
    );
    const known = MIGRATIONS.at(-1)!.version;
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new RegistryError(
        `the registry schema is at version ${newest}, newer than this Bulkhead knows (${known}); upgrade Bulkhead`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await tx.unsafe(migration.sql).simple();
      await tx`insert into registry_migrations (version, name)
               values (${migration.version}, ${migration.name})`;
    }
  });
}

function unavailable(url: string, error: unknown): Error {
  return new RegistryError(
    describeConnectionFailure(
      "registry",
      endpointOf(url),
      error,
      `the user and password in ${ENV.registryUrl} (or ${ENV.postgresUrl})`,
    ),
  );
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string })?.code;
}

function tenantOf(row: Row): TenantRecord {
  return {
    id: row.id,
    status: row.status,
    publicKey: row.public_key ?? undefined,
    keyVersion: row.key_version,
    rotatedAt: row.rotated_at ?? undefined,
    rotationDueAt: row.rotation_due_at ?? undefined,
    decommissionedAt: row.decommissioned_at ?? undefined,
    retentionDays: row.retention_days ?? undefined,
    keysShreddedAt: row.keys_shredded_at ?? undefined,
    createdAt: row.created_at,
  };
}

function keyOf(row: Row): TenantKeyRecord {
  return {
    tenantId: row.tenant_id,
    version: row.version,
    publicKey: row.public_key,
    publicKeySha256: row.public_key_sha256,
    wrappedIdentity: row.wrapped_identity ?? undefined,
    reason: row.reason,
    createdAt: row.created_at,
    archivedAt: row.archived_at ?? undefined,
    retainUntil: row.retain_until ?? undefined,
    purgedAt: row.purged_at ?? undefined,
  };
}

function documentOf(row: Row): SecretDocumentRecord {
  return {
    tenantId: row.tenant_id,
    version: row.version,
    keyVersion: row.key_version,
    document: row.document,
    updatedAt: row.updated_at,
  };
}

function auditEventOf(row: Row): AuditEvent {
  return {
    tenant: row.tenant_id,
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    type: row.type,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
