/**
 * For engine tests: tenant files in a temporary directory and the CLI run against the
 * test sandbox with a registry of the test's own.
 */
import { join } from "node:path";
import { stringify } from "yaml";
import { runCli, testStores } from "../sandbox/testing.ts";
import { type TestRegistry, testRegistry } from "../registry/testing.ts";
import { readAllTenantSecrets } from "../keys/mod.ts";
import { masterKeysFromEnv } from "../keys/mod.ts";

/** Fields of store secrets that are secret (the others, like a user name, are not). */
const SECRET_FIELDS = new Set(["password", "secret_key", "api_key"]);

export interface EngineFixture {
  dir: string;
  registry: TestRegistry;
  /** Writes (or rewrites) a tenant file; fields override the defaults. */
  writeTenant(id: string, fields?: Record<string, unknown>): Promise<void>;
  removeTenant(id: string): Promise<void>;
  /** Runs `bulkhead …` with `--tenants-dir DIR` added to plan/apply. */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Every secret value recorded in the registry, to prove none leaks into output. */
  secretValues(): Promise<string[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function engineFixture(
  defaultStores: Record<string, unknown>,
): Promise<EngineFixture> {
  await testStores();
  const dir = await Deno.makeTempDir({ prefix: "bulkhead-tenants-" });
  const registry = await testRegistry();
  const ids = new Set<string>();
  const withTenants = (args: string[]) =>
    ["plan", "apply", "conformance", "audit"].includes(args[0])
      ? [...args, "--tenants-dir", dir]
      : args;
  const fixture: EngineFixture = {
    dir,
    registry,
    async writeTenant(id, fields = {}) {
      ids.add(id);
      const file = {
        id,
        name: `Engine test ${id}`,
        tier: "standard",
        contacts: [{ name: "Test", email: "test@example.com", role: "owner" }],
        stores: defaultStores,
        ...fields,
      };
      await Deno.writeTextFile(join(dir, `${id}.yaml`), stringify(file));
    },
    async removeTenant(id) {
      await Deno.remove(join(dir, `${id}.yaml`));
    },
    cli: (args) => runCli(withTenants(args), { env: registry.env }),
    async secretValues() {
      const master = await masterKeysFromEnv();
      const all = await readAllTenantSecrets(registry.registry, master);
      return [...all.values()].flatMap((doc) =>
        Object.values(doc).flatMap((section) =>
          Object.entries(section ?? {}).filter(([field]) => SECRET_FIELDS.has(field)).map(([, v]) =>
            v
          )
        )
      );
    },
    async [Symbol.asyncDispose]() {
      // Destroy what the test created: decommissioned, no retention, --allow-destroy.
      try {
        for (const id of ids) {
          await fixture.writeTenant(id, { status: "decommissioned", retention_days: 0 });
        }
        if (ids.size > 0) {
          await fixture.cli([
            "apply",
            "--auto-approve",
            "--allow-destroy",
            ...[...ids].flatMap((id) => ["--target", id]),
          ]);
        }
      } finally {
        await registry[Symbol.asyncDispose]();
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
  return fixture;
}
