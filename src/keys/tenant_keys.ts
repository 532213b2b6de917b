/**
 * A tenant's key-encryption key (an age identity) through its life: created with an empty
 * secrets document, rotated (safety first, all or nothing), exported for the real `sops`
 * and `age`, and destroyed by `keys purge` (crypto-shredding).
 *
 * The identity lives in the registry only wrapped to the master recipients. The
 * registry's document is wrapped to the tenant's current recipient and the master
 * recipients; an exported document to the tenant's recipient only, so that destroying
 * the tenant's identity leaves no key that opens an export.
 */
import { join } from "node:path";
import type {
  NewTenantKey,
  Registry,
  RotationReason,
  TenantKeyRecord,
} from "../registry/registry.ts";
import {
  decryptArmored,
  encryptArmored,
  identityFileText,
  newAgeKeyPair,
  recipientOf,
} from "./age.ts";
import type { AgeKeyPair } from "./age.ts";
import { isoSeconds, utf8 } from "../encoding.ts";
import { type MasterKeys, requireMasterIdentity } from "./master.ts";
import { decryptTenantDocument, encryptTenantDocument, sameSecrets } from "./document.ts";

/** A tenant key is due for rotation this many days after it was made. */
export const KEY_ROTATION_INTERVAL_DAYS = 90;

export const EXPORT_FILES = {
  identity: "key.age",
  recipient: "key.pub",
  document: "secrets.enc.yaml",
} as const;

/**
 * Makes sure the tenant has an identity and a secrets document (empty at first),
 * registering the tenant on first sight. Idempotent; concurrent calls for one tenant
 * create one key. Needs only the master recipients. Resolves to true when it created keys.
 */
export async function ensureTenantKeys(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  actor: string,
): Promise<boolean> {
  return await registry.createTenantKeysIfMissing(
    tenantId,
    actor,
    KEY_ROTATION_INTERVAL_DAYS,
    async () => {
      const pair = await newAgeKeyPair();
      const key = await wrapIdentity(pair, master, tenantId);
      const document = await encryptTenantDocument(tenantId, {}, [
        pair.recipient,
        ...master.recipients,
      ]);
      return { key, document };
    },
  );
}

export interface RotationResult {
  fromVersion: number;
  toVersion: number;
  /** The old identity is kept (wrapped) until then; `keys purge` destroys it afterwards. */
  retainUntil: Date;
}

/**
 * Rotates the tenant's identity: decrypts the document with the current identity,
 * makes a new identity, re-encrypts under a fresh data key, checks the new identity
 * opens it and the master identity recovers the new identity, then archives the old
 * identity, switches, and records the audit event, all in one transaction. A second
 * rotation of the same tenant meanwhile is refused (KeyRotationInProgressError).
 */
export async function rotateTenantKey(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  reason: RotationReason,
  actor: string,
  options: {
    retentionDays?: number;
    /** Runs after every check, before the commit (tests use it to hold a rotation open). */
    beforeCommit?: () => Promise<void>;
  } = {},
): Promise<RotationResult> {
  const masterIdentity = requireMasterIdentity(master, "key rotation");
  return await registry.rotateTenantKey(
    tenantId,
    actor,
    reason,
    { retentionDays: options.retentionDays, rotationIntervalDays: KEY_ROTATION_INTERVAL_DAYS },
    async ({ key, document }) => {
      const current = await unwrapIdentity(key, masterIdentity);
      const secrets = await decryptTenantDocument(tenantId, document.document, [current]);
      const next = await newAgeKeyPair();
      const text = await encryptTenantDocument(tenantId, secrets, [
        next.recipient,
        ...master.recipients,
      ]);
      const check = await decryptTenantDocument(tenantId, text, [next.identity]);
      if (!sameSecrets(check, secrets)) {
        throw new Error(
          `tenant ${tenantId}: the re-encrypted document does not decrypt to the same secrets with the new key; nothing was changed`,
        );
      }
      const wrapped = await wrapIdentity(next, master, tenantId);
      await options.beforeCommit?.();
      return { key: wrapped, document: text };
    },
  );
}

/** The identity of one key version, unwrapped with the master identity. */
export async function tenantIdentity(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  version?: number,
): Promise<{ key: TenantKeyRecord; identity: string }> {
  const masterIdentity = requireMasterIdentity(master, "reading a tenant identity");
  const history = await registry.keyHistory(tenantId);
  if (history.length === 0) {
    throw new Error(
      `tenant ${tenantId} has no keys in the registry; apply creates them (or: bulkhead keys init ${tenantId})`,
    );
  }
  const wanted = version ?? Math.max(...history.map((k) => k.version));
  const key = history.find((k) => k.version === wanted);
  if (!key) {
    throw new Error(
      `tenant ${tenantId} has no key version ${wanted} (versions: ${
        history.map((k) => k.version).join(", ")
      })`,
    );
  }
  if (!key.wrappedIdentity) {
    throw new Error(
      `tenant ${tenantId}: key version ${wanted} was purged on ${
        key.purgedAt ? isoSeconds(key.purgedAt) : "?"
      }; no copy of it is left in the registry`,
    );
  }
  return { key, identity: await unwrapIdentity(key, masterIdentity) };
}

export interface ExportResult {
  dir: string;
  keyVersion: number;
  files: string[];
}

/**
 * Writes DIR/<id>/key.age (the identity, mode 600, as age-keygen writes it), key.pub and,
 * for the current version, secrets.enc.yaml: the tenant's document re-encrypted to the
 * tenant's recipient only. An archived version exports its key files only (to read a
 * backup taken before a rotation). Existing files are kept unless `force`.
 */
export async function exportTenantKeys(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  dir: string,
  actor: string,
  options: { keyVersion?: number; force?: boolean } = {},
): Promise<ExportResult> {
  const { key, identity } = await tenantIdentity(registry, master, tenantId, options.keyVersion);
  const tenant = await registry.tenantRecord(tenantId);
  const current = key.version === tenant?.keyVersion;
  let document: string | undefined;
  if (current) {
    const record = await registry.secretDocument(tenantId);
    if (!record) throw new Error(`tenant ${tenantId} has no secrets document`);
    const secrets = await decryptTenantDocument(tenantId, record.document, [identity]);
    document = await encryptTenantDocument(tenantId, secrets, [key.publicKey]);
  }
  const target = join(dir, tenantId);
  const files: string[] = [EXPORT_FILES.identity, EXPORT_FILES.recipient];
  if (document) files.push(EXPORT_FILES.document);
  await Deno.mkdir(target, { recursive: true, mode: 0o700 });
  if (!options.force) {
    for (const file of files) {
      if (await exists(join(target, file))) {
        throw new Error(
          `${
            join(target, file)
          } exists; it may be the only copy of an older key: choose another --dir or pass --force`,
        );
      }
    }
  }
  // Audited before the identity reaches the disk: an export that then fails is
  // over-reported, never an export that succeeded under-reported.
  await registry.appendAuditEvent({
    tenant: tenantId,
    actor,
    type: "keys.exported",
    details: { key_version: key.version, current, files },
  });
  const identityPath = join(target, EXPORT_FILES.identity);
  await Deno.remove(identityPath).catch(() => {});
  await Deno.writeTextFile(
    identityPath,
    identityFileText({ identity, recipient: key.publicKey }, key.createdAt),
    { mode: 0o600, createNew: true },
  );
  await Deno.chmod(identityPath, 0o600);
  await Deno.writeTextFile(join(target, EXPORT_FILES.recipient), key.publicKey + "\n");
  if (document) await Deno.writeTextFile(join(target, EXPORT_FILES.document), document);
  return { dir: target, keyVersion: key.version, files };
}

/** The identity wrapped to the master recipients, checked to unwrap when we can. */
async function wrapIdentity(
  pair: AgeKeyPair,
  master: MasterKeys,
  tenantId: string,
): Promise<NewTenantKey> {
  const wrappedIdentity = await encryptArmored(pair.identity, master.recipients);
  if (master.identity) {
    const back = utf8.decode(await decryptArmored(wrappedIdentity, [master.identity]));
    if (back !== pair.identity) {
      throw new Error(`tenant ${tenantId}: the wrapped identity does not unwrap to itself`);
    }
  }
  return { publicKey: pair.recipient, wrappedIdentity };
}

async function unwrapIdentity(key: TenantKeyRecord, masterIdentity: string): Promise<string> {
  if (!key.wrappedIdentity) {
    throw new Error(`tenant ${key.tenantId}: key version ${key.version} was purged`);
  }
  let identity: string;
  try {
    identity = utf8.decode(await decryptArmored(key.wrappedIdentity, [masterIdentity])).trim();
  } catch (error) {
    throw new Error(
      `tenant ${key.tenantId}: cannot unwrap key version ${key.version} with the master identity (${
        error instanceof Error ? error.message : error
      })`,
    );
  }
  // The registry row's public key must be this identity's: a swapped wrapped identity
  // would otherwise decrypt another tenant's documents under this tenant's name.
  if (await recipientOf(identity) !== key.publicKey) {
    throw new Error(
      `tenant ${key.tenantId}: key version ${key.version}: the wrapped identity does not match the recorded public key`,
    );
  }
  return identity;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
