/** The sandbox runs the real servers: they answer, and they refuse wrong credentials. */
import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import { Redis } from "ioredis";
import { runCli, testStores } from "./testing.ts";
import { readState, sandboxDir } from "./state.ts";
import { sandboxDown, sandboxStatus, sandboxUp } from "./sandbox.ts";
import { processCommandLine } from "./process.ts";
import { inspectMinio } from "../stores/minio/inspect.ts";
import { minioRequest, MinioServerError } from "../stores/minio/admin_http.ts";

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

Deno.test("sandbox: PostgreSQL is real, uses SCRAM, and refuses a wrong or missing password", async () => {
  const { postgres: pg } = await testStores();
  assert.ok(pg);
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select current_setting('server_version_num')::int as num,
      (select count(*)::int from pg_hba_file_rules where auth_method = 'trust') as trust,
      current_setting('password_encryption') as enc`;
    assert.ok(row.num >= 150000, `PostgreSQL 15+, got ${row.num}`);
    assert.equal(row.trust, 0, "no pg_hba rule may use trust");
    assert.equal(row.enc, "scram-sha-256");
  } finally {
    await admin.end();
  }
  for (const password of ["wrong-password", ""]) {
    const sql = postgres(withPassword(pg.url, password), {
      max: 1,
      onnotice: () => {},
      connect_timeout: 5,
    });
    await assert.rejects(sql`select 1`, (e: { code?: string; message: string }) => {
      assert.ok(e.code === "28P01" || /password/i.test(e.message), `${e.code}: ${e.message}`);
      return true;
    });
    await sql.end();
  }
});

Deno.test("sandbox: Redis is real, its default user is off, and a wrong password is refused", async () => {
  const { redis } = await testStores();
  assert.ok(redis);
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  };
  const admin = new Redis(redis.url, options);
  try {
    await admin.connect();
    assert.match(await admin.info("server"), /redis_version:7\./);
    const defaultUser = (await admin.call("ACL", "GETUSER", "default")) as unknown[];
    assert.ok(String(defaultUser[1]).includes("off"), `default user flags: ${defaultUser[1]}`);
  } finally {
    admin.disconnect();
  }
  const wrong = new Redis(withPassword(redis.url, "wrong-password"), options);
  let error: Error | undefined;
  wrong.on("error", (e) => error = e);
  await wrong.connect().catch(() => {});
  wrong.disconnect();
  assert.match(String(error?.message), /WRONGPASS/);
  // Without credentials the connection is the disabled default user: nothing runs.
  const anonymous = new Redis(`redis://${new URL(redis.url).host}`, options);
  anonymous.on("error", () => {});
  await anonymous.connect().catch(() => {});
  await assert.rejects(anonymous.get("any"), /NOAUTH|NOPERM|closed/);
  anonymous.disconnect();
});

Deno.test("sandbox: MinIO is real, serves admin API v3, and refuses a wrong secret key", async () => {
  const { minio } = await testStores();
  assert.ok(minio);
  const report = await inspectMinio(minio);
  assert.equal(report.error, undefined);
  assert.equal(report.reachable, true);
  await assert.rejects(
    minioRequest({ ...minio, secretKey: "wrong-secret-key" }, {
      method: "GET",
      path: "/minio/admin/v3/info",
    }),
    (e: unknown) => {
      assert.ok(e instanceof MinioServerError);
      assert.equal(e.status, 403);
      assert.equal(e.code, "SignatureDoesNotMatch");
      assert.ok(!e.message.includes(minio.secretKey), "no secret in the error");
      return true;
    },
  );
});

Deno.test("sandbox: doctor reports the three stores reachable and Qdrant plainly", async () => {
  await testStores();
  const result = await runCli(["doctor"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^postgres +ok .*version 15\./m);
  assert.match(result.stdout, /^redis +ok .*version 7\./m);
  assert.match(result.stdout, /^minio +ok /m);
  assert.match(result.stdout, /^qdrant +(ok|not verified)/m);
});

Deno.test("sandbox: doctor names store and endpoint on wrong credentials, exit 2, no secret", async () => {
  const stores = await testStores();
  const env = {
    BULKHEAD_POSTGRES_URL: withPassword(stores.postgres!.url, "wrong-pw-1"),
    BULKHEAD_REDIS_URL: withPassword(stores.redis!.url, "wrong-pw-2"),
    BULKHEAD_MINIO_SECRET_KEY: "wrong-pw-3",
  };
  const result = await runCli(["doctor"], { env });
  assert.equal(result.code, 2);
  const output = result.stdout + result.stderr;
  for (const store of ["postgres", "redis", "minio"]) {
    assert.match(
      output,
      new RegExp(
        `^${store} +error +${store} at \\S+127\\.0\\.0\\.1:\\d+: authentication failed; check`,
        "m",
      ),
    );
  }
  for (const secret of ["wrong-pw-1", "wrong-pw-2", "wrong-pw-3"]) {
    assert.ok(!output.includes(secret));
  }
});

Deno.test("sandbox: doctor on a closed port says connection refused, exit 2", async () => {
  const stores = await testStores();
  const url = new URL(stores.postgres!.url);
  url.port = "1";
  const result = await runCli(["doctor"], { env: { BULKHEAD_POSTGRES_URL: url.toString() } });
  assert.equal(result.code, 2);
  assert.match(result.stdout, /^postgres +error +postgres at postgres:\/\/127\.0\.0\.1:1: /m);
});

Deno.test("sandbox: up is idempotent, and down stops exactly its own processes", async () => {
  await testStores();
  const mainState = await readState(sandboxDir());
  assert.ok(mainState?.redis?.pid && mainState.minio?.pid);
  const dir = await Deno.makeTempDir({ prefix: "bulkhead-sandbox-test-" });
  await Deno.chmod(dir, 0o755);
  try {
    const first = await sandboxUp(() => {}, dir);
    const again = await sandboxUp(() => {}, dir);
    assert.equal(again.postgres?.port, first.postgres?.port);
    assert.equal(again.redis?.pid, first.redis?.pid);
    assert.equal(again.minio?.pid, first.minio?.pid);
    const rows = await sandboxStatus(again);
    assert.deepEqual(rows.slice(0, 3).map((r) => r.state), ["running", "running", "running"]);
    const pids = [first.redis!.pid!, first.minio!.pid!];
    const pgPid = Number(
      (await Deno.readTextFile(join(first.postgres!.dataDir, "postmaster.pid"))).split("\n")[0],
    );
    await sandboxDown(() => {}, dir, { purge: true });
    for (const pid of [...pids, pgPid]) {
      assert.equal(processCommandLine(pid), undefined, `PID ${pid} still runs`);
    }
    // The test run's own sandbox is untouched.
    assert.ok(processCommandLine(mainState.redis.pid));
    assert.ok(processCommandLine(mainState.minio.pid));
  } finally {
    await sandboxDown(() => {}, dir, { purge: true }).catch(() => {});
  }
});
