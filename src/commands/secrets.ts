/**
 * `bulkhead secrets show`: the one command that prints tenant credentials. It refuses a
 * non-terminal stdout (a log file, a CI job's output) unless --json (a machine asked) or
 * --force, and every use leaves an audit event.
 */
import { withRegistry } from "../registry/registry.ts";
import { actorName, masterKeysFromEnv, readTenantSecrets } from "../keys/mod.ts";
import { STORE_NAMES } from "../tenant/model.ts";
import { print } from "../output.ts";
import { storeEndpointsFromEnv } from "../config.ts";
import { connectionDetailsOf } from "../stores/registry.ts";
import { loadTenants } from "../tenant/load.ts";
import {
  type Command,
  EXIT,
  tenantArgument,
  TENANTS_DIR_OPTION,
  tenantsDir,
  UsageError,
} from "./command.ts";

export const secretsShowCommand: Command = {
  name: "secrets show",
  summary: "Decrypt and print a tenant's store credentials (audited)",
  usage: "bulkhead secrets show TENANT [--store STORE] [--json] [--force] [--tenants-dir DIR]",
  description:
    "Decrypts the tenant's SOPS document with the master identity and prints its connection\n" +
    "details per store; with --json one object keyed by store, for handing to the tenant's\n" +
    "application. Refuses to print to anything but a terminal unless --json or --force is\n" +
    "given, so credentials do not end up in logs by accident. Every use is audited (which\n" +
    "stores, never the values). Needs the master identity (BULKHEAD_MASTER_IDENTITY_FILE).",
  options: {
    store: {
      type: "string",
      value: "STORE",
      description: `only this store (${STORE_NAMES.join(", ")})`,
    },
    json: { type: "boolean", description: "print one JSON object keyed by store" },
    force: { type: "boolean", description: "print even when stdout is not a terminal" },
    ...TENANTS_DIR_OPTION,
  },
  maxPositionals: 1,
  examples: [
    "bulkhead secrets show acme",
    "bulkhead secrets show acme --store postgres --json > acme-postgres.json",
  ],
  exitCodes: [
    "0 printed",
    "2 refused (stdout not a terminal), unknown tenant or store, or could not decrypt",
  ],
  async run({ positionals, values }) {
    const tenantId = tenantArgument(positionals);
    const store = values.store as string | undefined;
    if (store !== undefined && !(STORE_NAMES as readonly string[]).includes(store)) {
      throw new UsageError(`--store must be one of ${STORE_NAMES.join(", ")}`);
    }
    const json = values.json === true;
    if (!json && values.force !== true && !Deno.stdout.isTerminal()) {
      throw new UsageError(
        "refusing to print credentials to something that is not a terminal; pass --json (for a program) or --force",
      );
    }
    const master = await masterKeysFromEnv();
    return await withRegistry(async (registry) => {
      const secrets = await readTenantSecrets(registry, master, tenantId);
      if (!secrets) {
        throw new Error(
          `tenant ${tenantId} has no secrets document (no keys yet, or its keys were destroyed)`,
        );
      }
      const stores = STORE_NAMES.filter((s) => secrets[s] && (!store || s === store));
      if (store && stores.length === 0) {
        throw new Error(`tenant ${tenantId} has no ${store} credentials recorded`);
      }
      const endpoints = storeEndpointsFromEnv();
      // The tenant file says e.g. which PostgreSQL isolation (and so which database) applies.
      const declared = (await loadTenants(tenantsDir(values)))
        .tenants
        .find((t) => t.id === tenantId);
      const details: Record<string, Record<string, string>> = Object.fromEntries(
        await Promise.all(
          stores.map(async (
            s,
          ) => [s, await connectionDetailsOf(endpoints, s, tenantId, secrets[s]!, declared)]),
        ),
      );
      // Audited before anything is printed: a reader who kills the output is still on record.
      await registry.appendAuditEvent({
        tenant: tenantId,
        actor: actorName(),
        type: "secrets.shown",
        details: { stores, format: json ? "json" : "text" },
      });
      if (json) {
        print(JSON.stringify(details, null, 2));
        return EXIT.ok;
      }
      if (stores.length === 0) print(`tenant ${tenantId} has no credentials recorded yet`);
      for (const [name, fields] of Object.entries(details)) {
        print(name);
        const width = Math.max(...Object.keys(fields).map((f) => f.length));
        for (const [field, value] of Object.entries(fields)) {
          print(`  ${field.padEnd(width)}  ${value}`);
        }
      }
      return EXIT.ok;
    });
  },
};
