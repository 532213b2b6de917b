/**
 * For MinIO tests: the real `mc` client against the sandbox, for injecting drift by hand
 * and for reading back what the server reports. The admin credentials reach mc only
 * through its MC_HOST_<alias> environment variable and a throw-away config directory;
 * they never appear on a command line or in output.
 */
import type { MinioEndpoint } from "../../config.ts";
import { toolPaths } from "../../sandbox/tools.ts";
import { capture } from "../../sandbox/process.ts";
import type { Change, Store, StoreSecret } from "../store.ts";
import { convergeStore, planStore, type StorePlan, testTenant } from "../testing.ts";
import type { Tenant } from "../../tenant/model.ts";
import { testStores, uniqueTenantId } from "../../sandbox/testing.ts";
import { createMinioStore, type MinioStore } from "./store.ts";
import { TenantS3Client, type TenantS3Details } from "./tenant_s3.ts";
import assert from "node:assert/strict";

export const MC_ALIAS = "bulkhead";

export interface McResult {
  code: number;
  /** mc --json prints one JSON document per line. */
  documents: Array<Record<string, unknown>>;
}

function redact(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => (s ? t.replaceAll(s, "(redacted)") : t), text);
}

/** Runs `mc --json <args>` with the alias `bulkhead` pointing at the endpoint. */
export async function mc(
  endpoint: MinioEndpoint,
  args: string[],
  options: { allowFailure?: boolean; stdin?: string } = {},
): Promise<McResult> {
  const url = new URL(endpoint.endpoint);
  const configDir = await Deno.makeTempDir({ prefix: "bulkhead-mc-" });
  try {
    const out = await capture(toolPaths().mc, ["--config-dir", configDir, "--json", ...args], {
      env: {
        [`MC_HOST_${MC_ALIAS}`]: `${url.protocol}//${encodeURIComponent(endpoint.accessKey)}:${
          encodeURIComponent(endpoint.secretKey)
        }@${url.host}`,
        HOME: configDir,
      },
      stdin: options.stdin,
    });
    const documents = out.stdout.split("\n").filter((l) => l.trim().startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    if (out.code !== 0 && !options.allowFailure) {
      // Arguments may hold secrets too (e.g. `admin user add alias user SECRET`).
      const secrets = [endpoint.secretKey, encodeURIComponent(endpoint.secretKey), ...args.slice(3)]
        .filter((s) => s.length >= 8);
      throw new Error(
        `mc ${args.slice(0, 3).join(" ")} failed (exit ${out.code}): ${
          redact(out.stdout + out.stderr, secrets).trim().slice(0, 500)
        }`,
      );
    }
    return { code: out.code, documents };
  } finally {
    await Deno.remove(configDir, { recursive: true }).catch(() => {});
  }
}

/** Writes `document` to a temporary file for mc commands that read a policy from a file. */
export async function withJsonFile<T>(document: unknown, use: (path: string) => Promise<T>) {
  const path = await Deno.makeTempFile({ prefix: "bulkhead-policy-", suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(document));
    return await use(path);
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

/** Deletes everything of these tenants, as the engine does for decommissioned tenants. */
export async function destroyTenants(
  store: Store,
  ids: string[],
  secrets: Map<string, StoreSecret>,
): Promise<Change[]> {
  return await convergeStore(store, [], secrets, { alsoObserve: ids, destroyTenants: ids });
}

/** `create minio.bucket.tenant-x`, … : what a list of changes does, for assertions. */
export function summary(changes: Change[]): string[] {
  return changes.map((c) =>
    `${c.action} ${c.address}${
      c.changedAttributes.length ? ` (${c.changedAttributes.join(", ")})` : ""
    }`
  );
}

/** `summary`, with random access-key names hidden and in a stable order, for comparisons. */
function comparable(list: string[]): string[] {
  return list.map((s) => s.replace(/access_key\.\S+/, "access_key.*")).sort();
}

export interface MinioFixture {
  endpoint: MinioEndpoint;
  store: MinioStore;
  secrets: Map<string, StoreSecret>;
  ids: string[];
  /** A tenant using MinIO (no prefixes unless given), with extra tenant-file fields. */
  tenant(id: string, fields?: Record<string, unknown>): Tenant;
  /** An S3 client with the tenant's recorded keys, as its application would have them. */
  client(id: string): TenantS3Client;
  /** Plan shows exactly `expected`, apply repairs it, the next plan is empty. */
  showsAndRepairs(tenants: Tenant[], expected: string[]): Promise<StorePlan>;
}

/**
 * Runs `body` with `count` fresh tenant ids on the sandbox MinIO and destroys whatever
 * those tenants have afterwards, whether the body passed or not.
 */
export async function withMinioTenants(
  prefix: string,
  count: number,
  body: (fixture: MinioFixture) => Promise<void>,
): Promise<void> {
  const endpoint = (await testStores()).minio!;
  const store = createMinioStore(endpoint);
  const secrets = new Map<string, StoreSecret>();
  const ids = Array.from({ length: count }, () => uniqueTenantId(prefix));
  const fixture: MinioFixture = {
    endpoint,
    store,
    secrets,
    ids,
    tenant: (id, fields = {}) => testTenant({ id, stores: { minio: {} }, ...fields }),
    client: (id) =>
      new TenantS3Client(
        store.connectionDetails(id, secrets.get(id)!) as unknown as TenantS3Details,
      ),
    showsAndRepairs: async (tenants, expected) => {
      const plan = await planStore(store, tenants, secrets);
      assert.deepEqual(comparable(summary(plan.changes)), comparable(expected));
      await convergeStore(store, tenants, secrets);
      assert.deepEqual(summary((await planStore(store, tenants, secrets)).changes), []);
      return plan;
    },
  };
  try {
    await body(fixture);
  } finally {
    await destroyTenants(store, ids, secrets);
    await store.close();
  }
}
