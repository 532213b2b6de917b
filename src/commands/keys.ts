/**
 * `bulkhead keys …`: tenant key-encryption keys in the registry. Nothing here prints a
 * secret: identities leave the registry only through `keys export`, into files.
 */
import {
  DEFAULT_KEY_RETENTION_DAYS,
  ROTATION_REASONS,
  type RotationReason,
  withRegistry,
} from "../registry/registry.ts";
import {
  actorName,
  ensureTenantKeys,
  exportTenantKeys,
  KEY_ROTATION_INTERVAL_DAYS,
  masterKeysFromEnv,
  rotateTenantKey,
} from "../keys/mod.ts";
import { loadTenants } from "../tenant/load.ts";
import { formatTime, paint, print, renderTable } from "../output.ts";
import {
  type Command,
  EXIT,
  tenantArgument,
  TENANTS_DIR_OPTION,
  tenantsDir,
  UsageError,
} from "./command.ts";

const RETENTION_RULE =
  `Archived identities are kept for the tenant's retention_days (recorded from its tenant file by apply or \`keys init\`), or ${DEFAULT_KEY_RETENTION_DAYS} days when none is recorded.`;

export const keysInitCommand: Command = {
  name: "keys init",
  summary: "Create a declared tenant's age identity and empty secrets document",
  usage: "bulkhead keys init TENANT [--tenants-dir DIR]",
  description:
    "Registers TENANT from its tenant file (status and retention_days) and creates its age\n" +
    "identity, wrapped to BULKHEAD_MASTER_RECIPIENTS, and an empty SOPS secrets document, as\n" +
    "apply does before it creates any store user. Does nothing when the keys exist.",
  options: {
    ...TENANTS_DIR_OPTION,
  },
  maxPositionals: 1,
  examples: ["bulkhead keys init acme", "bulkhead keys init acme --tenants-dir path/to/tenants"],
  exitCodes: ["0 keys exist (created now or before)", "2 could not run"],
  async run({ positionals, values }) {
    const tenantId = tenantArgument(positionals);
    const dir = tenantsDir(values);
    const { tenants } = await loadTenants(dir);
    const tenant = tenants.find((t) => t.id === tenantId);
    if (!tenant) {
      throw new UsageError(
        `tenant ${tenantId} is not declared in ${dir}/ (or its file is invalid: run bulkhead validate)`,
      );
    }
    const master = await masterKeysFromEnv();
    const actor = actorName();
    return await withRegistry(async (registry) => {
      await registry.recordTenantStatus(tenantId, tenant.status, actor, {
        retentionDays: tenant.retentionDays,
      });
      const created = await ensureTenantKeys(registry, master, tenantId, actor);
      const record = await registry.tenantRecord(tenantId);
      print(
        created
          ? `${
            paint("created", "green")
          } keys for ${tenantId}: key version ${record?.keyVersion}, public key ${record?.publicKey}`
          : `${tenantId} already has keys: key version ${record?.keyVersion}, public key ${record?.publicKey}`,
      );
      return EXIT.ok;
    });
  },
};

export const keysListCommand: Command = {
  name: "keys list",
  summary: "List every tenant's key version, rotation due date and document version",
  usage: "bulkhead keys list [--json]",
  description: "One line per tenant in the registry. Public information only.\n" +
    `A key is due for rotation ${KEY_ROTATION_INTERVAL_DAYS} days after it was made.`,
  options: { json: { type: "boolean", description: "print JSON" } },
  maxPositionals: 0,
  examples: ["bulkhead keys list", "bulkhead keys list --json"],
  exitCodes: ["0 listed", "2 could not run (registry unreachable)"],
  async run({ values }) {
    return await withRegistry(async (registry) => {
      const tenants = await registry.keysOverview();
      const now = Date.now();
      const overdue = (due?: Date) => due !== undefined && due.getTime() < now;
      if (values.json) {
        print(JSON.stringify(
          tenants.map((t) => ({
            id: t.id,
            status: t.status,
            key_version: t.keyVersion,
            public_key: t.publicKey ?? null,
            rotated_at: t.rotatedAt ?? null,
            rotation_due_at: t.rotationDueAt ?? null,
            rotation_overdue: overdue(t.rotationDueAt),
            document_version: t.documentVersion ?? null,
            archived_keys: t.archivedKeys,
            purged_keys: t.purgedKeys,
            keys_shredded_at: t.keysShreddedAt ?? null,
          })),
          null,
          2,
        ));
        return EXIT.ok;
      }
      if (tenants.length === 0) {
        print("no tenants in the registry");
        return EXIT.ok;
      }
      print(renderTable([
        ["TENANT", "STATUS", "KEY", "PUBLIC KEY", "ROTATION DUE", "DOCUMENT", "ARCHIVED"],
        ...tenants.map((t) => [
          t.id,
          t.status,
          t.keysShreddedAt ? "shredded" : t.keyVersion ? `v${t.keyVersion}` : "none",
          t.publicKey ?? "-",
          `${formatTime(t.rotationDueAt)}${overdue(t.rotationDueAt) ? " (overdue)" : ""}`,
          t.documentVersion ? `v${t.documentVersion}` : "-",
          String(t.archivedKeys),
        ]),
      ]));
      return EXIT.ok;
    });
  },
};

export const keysShowCommand: Command = {
  name: "keys show",
  summary: "Show a tenant's public key, key version and key history (no secrets)",
  usage: "bulkhead keys show TENANT [--json]",
  description:
    "Prints the tenant's current age recipient, key version, rotation dates, retention and\n" +
    "every key version with the SHA-256 of its public key, the reason it was made, and when\n" +
    "it was archived and purged.",
  options: { json: { type: "boolean", description: "print JSON" } },
  maxPositionals: 1,
  examples: ["bulkhead keys show acme"],
  exitCodes: ["0 shown", "2 unknown tenant or could not run"],
  async run({ positionals, values }) {
    const tenantId = tenantArgument(positionals);
    return await withRegistry(async (registry) => {
      const tenant = await registry.tenantRecord(tenantId);
      if (!tenant) throw new Error(`tenant ${tenantId} is not in the registry`);
      const history = await registry.keyHistory(tenantId);
      const document = await registry.secretDocument(tenantId);
      if (values.json) {
        print(JSON.stringify(
          {
            ...tenant,
            documentVersion: document?.version ?? null,
            history: history.map(({ wrappedIdentity, ...key }) => ({
              ...key,
              identityInRegistry: wrappedIdentity !== undefined,
            })),
          },
          null,
          2,
        ));
        return EXIT.ok;
      }
      print(`tenant ${tenant.id} (${tenant.status})`);
      print(`  public key      ${tenant.publicKey ?? "-"}`);
      print(`  key version     ${tenant.keyVersion || "-"}`);
      print(`  rotated         ${formatTime(tenant.rotatedAt)}`);
      print(`  rotation due    ${formatTime(tenant.rotationDueAt)}`);
      print(
        `  retention       ${tenant.retentionDays ?? DEFAULT_KEY_RETENTION_DAYS} days${
          tenant.retentionDays === undefined ? " (default)" : ""
        }`,
      );
      if (tenant.decommissionedAt) {
        print(`  decommissioned  ${formatTime(tenant.decommissionedAt)}`);
      }
      if (tenant.keysShreddedAt) print(`  shredded        ${formatTime(tenant.keysShreddedAt)}`);
      print(`  document        ${document ? `v${document.version}` : "-"}`);
      print("");
      print(renderTable([
        [
          "VERSION",
          "REASON",
          "PUBLIC KEY SHA-256",
          "CREATED",
          "ARCHIVED",
          "RETAIN UNTIL",
          "PURGED",
        ],
        ...history.map((k) => [
          `v${k.version}`,
          k.reason,
          k.publicKeySha256.slice(0, 16),
          formatTime(k.createdAt),
          formatTime(k.archivedAt),
          formatTime(k.retainUntil),
          formatTime(k.purgedAt),
        ]),
      ]));
      return EXIT.ok;
    });
  },
};

export const keysRotateCommand: Command = {
  name: "keys rotate",
  summary: "Replace a tenant's age identity; the old one is archived for the retention period",
  usage: "bulkhead keys rotate TENANT --reason scheduled|emergency|personnel [--retention-days N]",
  description: "Decrypts the tenant's secrets with its current identity, makes a new identity,\n" +
    "re-encrypts them under a fresh data key, checks that the new identity decrypts them,\n" +
    "archives the old identity and records the change and an audit event in one\n" +
    "transaction: all or nothing. A rotation of the same tenant that is already running\n" +
    "makes this one fail without changing anything. Store credentials are not changed.\n" +
    RETENTION_RULE + "\n" +
    "Needs the master identity (BULKHEAD_MASTER_IDENTITY_FILE).",
  options: {
    reason: {
      type: "string",
      value: "REASON",
      description: "why: scheduled, emergency (key exposed) or personnel (someone left)",
    },
    "retention-days": {
      type: "string",
      value: "N",
      description: "keep the archived identity N days instead of the tenant's retention",
    },
  },
  maxPositionals: 1,
  examples: [
    "bulkhead keys rotate acme --reason scheduled",
    "bulkhead keys rotate acme --reason emergency --retention-days 7",
  ],
  exitCodes: ["0 rotated", "2 could not rotate (nothing changed)"],
  async run({ positionals, values }) {
    const tenantId = tenantArgument(positionals);
    const reason = values.reason as string | undefined;
    if (!reason || !(ROTATION_REASONS as readonly string[]).includes(reason)) {
      throw new UsageError(`--reason must be one of ${ROTATION_REASONS.join(", ")}`);
    }
    const retentionDays = nonNegativeInteger(values["retention-days"], "--retention-days");
    const master = await masterKeysFromEnv();
    return await withRegistry(async (registry) => {
      const result = await rotateTenantKey(
        registry,
        master,
        tenantId,
        reason as RotationReason,
        actorName(),
        { retentionDays },
      );
      print(
        `${
          paint("rotated", "green")
        } ${tenantId}: key version ${result.fromVersion} -> ${result.toVersion} (${reason}); ` +
          `version ${result.fromVersion} archived until ${formatTime(result.retainUntil)}`,
      );
      print(`hand the new key to whoever needs it: bulkhead keys export ${tenantId} --dir DIR`);
      return EXIT.ok;
    });
  },
};

export const keysExportCommand: Command = {
  name: "keys export",
  summary: "Write a tenant's identity, public key and secrets document for sops and age",
  usage: "bulkhead keys export TENANT --dir DIR [--key-version N] [--force]",
  description:
    "Writes DIR/TENANT/key.age (the age identity, mode 600, usable as SOPS_AGE_KEY_FILE),\n" +
    "key.pub and secrets.enc.yaml: the tenant's SOPS document, re-encrypted to the tenant's\n" +
    "own recipient only, so that `keys purge` leaves nothing that can open it. With\n" +
    "--key-version an archived identity is written (key files only), e.g. to read a backup\n" +
    "taken before a rotation. Existing files are not overwritten without --force. Audited.\n" +
    "Needs the master identity (BULKHEAD_MASTER_IDENTITY_FILE).",
  options: {
    dir: { type: "string", value: "DIR", description: "where to write (DIR/TENANT/…)" },
    "key-version": {
      type: "string",
      value: "N",
      description: "an archived key version instead of the current one",
    },
    force: { type: "boolean", description: "overwrite existing files" },
  },
  maxPositionals: 1,
  examples: [
    "bulkhead keys export acme --dir .secrets/tenants",
    "SOPS_AGE_KEY_FILE=.secrets/tenants/acme/key.age sops -d .secrets/tenants/acme/secrets.enc.yaml",
    "bulkhead keys export acme --dir /tmp/restore --key-version 1",
  ],
  exitCodes: ["0 written", "2 could not export"],
  async run({ positionals, values }) {
    const tenantId = tenantArgument(positionals);
    const dir = values.dir as string | undefined;
    if (!dir) throw new UsageError("--dir is required");
    const keyVersion = positiveInteger(values["key-version"], "--key-version");
    const master = await masterKeysFromEnv();
    return await withRegistry(async (registry) => {
      const result = await exportTenantKeys(registry, master, tenantId, dir, actorName(), {
        keyVersion,
        force: values.force === true,
      });
      print(
        `wrote key version ${result.keyVersion} of ${tenantId} to ${result.dir}/: ${
          result.files.join(", ")
        }`,
      );
      return EXIT.ok;
    });
  },
};

export const keysPurgeCommand: Command = {
  name: "keys purge",
  summary: "Destroy archived identities past retention, and decommissioned tenants' keys",
  usage: "bulkhead keys purge [--now] [--tenant TENANT]",
  description:
    "Destroys the registry's copy of every archived identity whose retention has passed,\n" +
    "and every identity and the secrets document of each tenant decommissioned longer than\n" +
    "its retention (crypto-shredding: backups and exports of its secrets can no longer be\n" +
    "read). --now ignores retention dates. " + RETENTION_RULE + "\n" +
    "Copies made with `keys export` are beyond reach: delete them yourself.\n" +
    "Each tenant purged gets one audit event.",
  options: {
    now: { type: "boolean", description: "ignore retention dates: destroy all that is archived" },
    tenant: { type: "string", value: "TENANT", description: "only this tenant" },
  },
  maxPositionals: 0,
  examples: ["bulkhead keys purge", "bulkhead keys purge --now --tenant acme"],
  exitCodes: ["0 done (also when nothing was due)", "2 could not run"],
  async run({ values }) {
    const tenantId = values.tenant === undefined
      ? undefined
      : tenantArgument([values.tenant as string]);
    return await withRegistry(async (registry) => {
      const purged = await registry.purgeKeys(actorName(), {
        tenantId,
        ignoreRetention: values.now === true,
      });
      if (purged.length === 0) print("nothing to purge");
      for (const p of purged) {
        const versions = p.versions.map((v) => `v${v}`).join(", ");
        print(
          p.shredded
            ? `${
              paint("shredded", "red")
            } ${p.tenantId}: every identity (${versions}) and the secrets document destroyed`
            : `${
              paint("purged", "yellow")
            } ${p.tenantId}: archived identities ${versions} destroyed`,
        );
      }
      return EXIT.ok;
    });
  },
};

export const KEYS_COMMANDS: Command[] = [
  keysInitCommand,
  keysListCommand,
  keysShowCommand,
  keysRotateCommand,
  keysExportCommand,
  keysPurgeCommand,
];

function nonNegativeInteger(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d{1,5}$/.test(value)) {
    throw new UsageError(`${option} must be a whole number`);
  }
  return Number(value);
}

function positiveInteger(value: unknown, option: string): number | undefined {
  const n = nonNegativeInteger(value, option);
  if (n === 0) throw new UsageError(`${option} starts at 1`);
  return n;
}
