/** The MinIO store against the real sandbox server: apply, tenant access, lifecycle, cost. */
import assert from "node:assert/strict";
import * as Minio from "minio";
import { testStores } from "../../sandbox/testing.ts";
import { convergeStore, planStore } from "../testing.ts";
import { minioBucket, minioPolicy, minioUser } from "../../tenant/names.ts";
import { createMinioStore, transportNotes } from "./store.ts";
import { destroyTenants, mc, summary, withMinioTenants } from "./testing.ts";
import { probe, S3AccessDenied, TenantS3Client, type TenantS3Details } from "./tenant_s3.ts";
import { ADMIN_PREFIX, MinioServerError } from "./admin_http.ts";
import { encryptAdminJson } from "./admin_crypto.ts";
import { normalisePolicy, tenantPolicyDocument } from "./policy.ts";
import { utf8 } from "../../encoding.ts";

const layout = { stores: { minio: { prefixes: ["raw", "receipts"] } } };

Deno.test("minio store: apply from empty creates bucket, policy and user; re-apply changes nothing", async () => {
  await withMinioTenants("mfresh", 1, async ({ endpoint, store, secrets, ids: [id], ...f }) => {
    const tenant = f.tenant(id, layout);
    const applied = await convergeStore(store, [tenant], secrets);
    assert.deepEqual(summary(applied), [
      `create minio.bucket.${minioBucket(id)}`,
      `create minio.policy.${minioPolicy(id)}`,
      `create minio.user.${minioUser(id)}`,
    ]);
    const secret = secrets.get(id)!;
    assert.equal(secret.access_key, minioUser(id));
    assert.match(secret.secret_key, /^[0-9a-f]{64}$/, "32 random bytes, hex");

    const again = await planStore(store, [tenant], secrets);
    assert.deepEqual(summary(again.changes), []);
    assert.deepEqual(again.withheld, []);

    // What Bulkhead created is what the server reports through the real mc.
    const [user] = (await mc(endpoint, ["admin", "user", "info", "bulkhead", minioUser(id)]))
      .documents;
    assert.equal(user.policyName, minioPolicy(id));
    assert.equal(user.userStatus, "enabled");
    const [policy] = (await mc(endpoint, ["admin", "policy", "info", "bulkhead", minioPolicy(id)]))
      .documents;
    assert.deepEqual(
      normalisePolicy((policy.policyInfo as { Policy: unknown }).Policy),
      normalisePolicy(tenantPolicyDocument(minioBucket(id))),
    );
    const bucket = `bulkhead/${minioBucket(id)}`;
    const [encryption] = (await mc(endpoint, ["encrypt", "info", bucket])).documents;
    assert.deepEqual(encryption.encryption, { algorithm: "AES256" });
    const [quota] = (await mc(endpoint, ["quota", "info", bucket])).documents;
    assert.equal(quota.quota, tenant.limits.maxStorageGb * 1024 ** 3);
    assert.equal(quota.type, "hard");

    // No secret anywhere in what plan and apply produce.
    assert.ok(!JSON.stringify({ applied, again }).includes(secret.secret_key));
  });
});

Deno.test("minio store: a tenant's keys reach its own bucket and are denied on another tenant's", async () => {
  await withMinioTenants("mab", 2, async ({ store, secrets, ids: [a, b], ...f }) => {
    await convergeStore(store, [f.tenant(a, layout), f.tenant(b, layout)], secrets);
    const details = store.connectionDetails(a, secrets.get(a)!);
    assert.deepEqual(Object.keys(details).sort(), [
      "access_key",
      "bucket",
      "endpoint",
      "secret_key",
    ]);
    assert.equal(details.bucket, minioBucket(a));

    // The application's view: a standard S3 client built from the connection details.
    const url = new URL(details.endpoint);
    const app = new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: url.protocol === "https:",
      accessKey: details.access_key,
      secretKey: details.secret_key,
    });
    await app.putObject(details.bucket, "raw/doc-1.txt", "hello from a");
    const chunks: Uint8Array[] = [];
    for await (const chunk of await app.getObject(details.bucket, "raw/doc-1.txt")) {
      chunks.push(chunk as Uint8Array);
    }
    assert.equal(utf8.decode(new Uint8Array(chunks.flatMap((c) => [...c]))), "hello from a");

    const own = f.client(a);
    assert.deepEqual((await own.listObjects(details.bucket)).sort(), [
      "raw/",
      "raw/doc-1.txt",
      "receipts/",
    ]);
    await own.deleteObject(details.bucket, "raw/doc-1.txt");
    assert.deepEqual(await own.listObjects(details.bucket, "raw/"), ["raw/"]);

    // B's bucket, and what A's policy must not allow on its own: refused by the store.
    const other = minioBucket(b);
    await f.client(b).putObject(other, "raw/secret.txt", "b's data");
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["put", () => own.putObject(other, "raw/x.txt", "intrusion")],
      ["get", () => own.getObject(other, "raw/secret.txt")],
      ["list", () => own.listObjects(other)],
      // HEAD answers have no body: the denial comes from MinIO's error headers.
      ["head bucket", () => own.send({ method: "HEAD", path: `/${other}` })],
      ["copy into own bucket", () =>
        own.send({
          method: "PUT",
          path: `/${details.bucket}/raw/copied.txt`,
          headers: { "x-amz-copy-source": `/${other}/raw/secret.txt` },
        })],
      ["delete", () => own.deleteObject(other, "raw/secret.txt")],
      ["bucket policy on its own bucket", () =>
        own.send({
          method: "PUT",
          path: `/${details.bucket}`,
          query: { policy: "" },
          body: utf8.encode("{}"),
        })],
      ["admin list-users", () => own.send({ method: "GET", path: `${ADMIN_PREFIX}/list-users` })],
      ["mint an access key for itself", () =>
        own.send({
          method: "PUT",
          path: `${ADMIN_PREFIX}/add-service-account`,
          body: encryptAdminJson(details.secret_key, {}),
        })],
      ["change its own secret key", () =>
        own.send({
          method: "PUT",
          path: `${ADMIN_PREFIX}/add-user`,
          query: { accessKey: details.access_key },
          body: encryptAdminJson(details.secret_key, {
            secretKey: "chosen-by-the-tenant",
            status: "enabled",
          }),
        })],
    ];
    for (const [what, attempt] of attempts) {
      const result = await probe(attempt);
      assert.equal(result.outcome, "denied", `${what} must be denied`);
      if (result.outcome === "denied") assert.equal(result.denial.code, "AccessDenied");
    }
    // ListBuckets is answered, filtered to what the user can reach: no other tenant shows.
    assert.deepEqual(await own.listBuckets(), [details.bucket]);
    // A wrong secret is an error, never a denial: broken credentials cannot pass as isolation.
    const broken = new TenantS3Client({
      endpoint: details.endpoint,
      access_key: details.access_key,
      secret_key: "wrong-secret-key-000000",
    });
    const error = await broken.listObjects(details.bucket).catch((e) => e);
    assert.ok(error instanceof MinioServerError && !(error instanceof S3AccessDenied));
    assert.equal(error.code, "SignatureDoesNotMatch");
  });
});

Deno.test("minio store: suspended disables the user and keeps the data; reactivated works again", async () => {
  await withMinioTenants("msusp", 1, async ({ store, secrets, ids: [id], ...f }) => {
    await convergeStore(store, [f.tenant(id)], secrets);
    await f.client(id).putObject(minioBucket(id), "raw/kept.txt", "data");

    const suspended = [f.tenant(id, { status: "suspended" })];
    assert.deepEqual(summary(await convergeStore(store, suspended, secrets)), [
      `update minio.user.${minioUser(id)} (status)`,
    ]);
    const refused = await f.client(id).listObjects(minioBucket(id)).catch((e) => e);
    assert.ok(refused instanceof MinioServerError, "a disabled user's requests are refused");
    assert.match(refused.serverMessage, /disabled/);
    assert.deepEqual(summary((await planStore(store, suspended, secrets)).changes), []);

    await convergeStore(store, [f.tenant(id)], secrets);
    assert.equal(
      utf8.decode(await f.client(id).getObject(minioBucket(id), "raw/kept.txt")),
      "data",
    );
  });
});

Deno.test("minio store: a tenant created suspended has its policy and a disabled user", async () => {
  await withMinioTenants("mnew", 1, async ({ store, secrets, ids: [id], ...f }) => {
    const tenant = f.tenant(id, { status: "suspended" });
    await convergeStore(store, [tenant], secrets);
    const plan = await planStore(store, [tenant], secrets);
    assert.deepEqual(summary(plan.changes), []);
    const user = plan.observation.resources.find((r) => r.kind === "user" && r.tenant === id);
    assert.deepEqual(user?.attributes, {
      status: "disabled",
      policies: [minioPolicy(id)],
      groups: [],
      credential: "recorded",
    });
  });
});

Deno.test("minio store: destroy removes user, then policy, then the bucket with its objects", async () => {
  await withMinioTenants("mdel", 1, async ({ endpoint, store, secrets, ids: [id], ...f }) => {
    await convergeStore(store, [f.tenant(id, layout)], secrets);
    await f.client(id).putObject(minioBucket(id), "raw/a.txt", "a");
    await f.client(id).putObject(minioBucket(id), "receipts/b.txt", "b");
    // An access key minted by an administrator for the tenant user goes first.
    await mc(endpoint, ["admin", "user", "svcacct", "add", "bulkhead", minioUser(id)]);

    const kept = await planStore(store, [], secrets, { alsoObserve: [id] });
    assert.equal(kept.changes.length, 0, "no tenant file: orphans are only reported");
    assert.equal(kept.withheld.length, 4);

    const destroyed = await destroyTenants(store, [id], secrets);
    assert.deepEqual(summary(destroyed).map((s) => s.replace(/access_key\.\S+/, "access_key.*")), [
      "delete minio.access_key.*",
      `delete minio.user.${minioUser(id)}`,
      `delete minio.policy.${minioPolicy(id)}`,
      `delete minio.bucket.${minioBucket(id)}`,
    ]);
    const after = await planStore(store, [], secrets, { alsoObserve: [id] });
    assert.deepEqual(after.observation.resources.filter((r) => r.tenant === id), []);
    const listing = await mc(endpoint, ["ls", `bulkhead/${minioBucket(id)}`], {
      allowFailure: true,
    });
    assert.notEqual(listing.code, 0, "the bucket and its objects are gone");
    // Re-running the destroy finds nothing left to do.
    assert.deepEqual(await destroyTenants(store, [id], secrets), []);
  });
});

Deno.test("minio store: observe costs the same requests for 3 and for 30 tenants", async () => {
  await withMinioTenants("mcount", 30, async ({ store, secrets, ids, ...f }) => {
    const tenants = ids.map((id) => f.tenant(id));
    await convergeStore(store, tenants.slice(0, 3), secrets);
    const three = await planStore(store, tenants.slice(0, 3), secrets);
    await convergeStore(store, tenants, secrets);
    const thirty = await planStore(store, tenants, secrets);
    assert.deepEqual(summary(thirty.changes), []);
    const observed = thirty.observation.resources.filter((r) => ids.includes(r.tenant!));
    assert.equal(observed.length, 90);
    assert.equal(three.observation.roundTrips, 3);
    assert.equal(thirty.observation.roundTrips, three.observation.roundTrips);
  });
});

Deno.test("minio store: a new prefix and a new storage limit are applied in place", async () => {
  await withMinioTenants("mlay", 1, async ({ endpoint, store, secrets, ids: [id], ...f }) => {
    const first = f.tenant(id, {
      stores: { minio: { prefixes: ["raw"] } },
      limits: { max_storage_gb: 2 },
    });
    const second = f.tenant(id, {
      stores: { minio: { prefixes: ["raw", "exports"] } },
      limits: { max_storage_gb: 3 },
    });
    await convergeStore(store, [first], secrets);
    assert.deepEqual(summary(await convergeStore(store, [second], secrets)), [
      `update minio.bucket.${minioBucket(id)} (quota, prefixes)`,
    ]);
    assert.deepEqual((await f.client(id).listObjects(minioBucket(id))).sort(), [
      "exports/",
      "raw/",
    ]);
    const [quota] = (await mc(endpoint, ["quota", "info", `bulkhead/${minioBucket(id)}`]))
      .documents;
    assert.equal(quota.quota, 3 * 1024 ** 3);
    assert.deepEqual(summary((await planStore(store, [second], secrets)).changes), []);
  });
});

Deno.test("minio store: a wrong admin secret fails observe with a clear error, never a crash or a secret", async () => {
  const endpoint = (await testStores()).minio!;
  const wrong = createMinioStore({ ...endpoint, secretKey: "definitely-not-it" });
  const error = await wrong.observe({ secrets: new Map(), secretsAvailable: true }).catch((e) => e);
  assert.ok(error instanceof MinioServerError, String(error));
  assert.equal(error.code, "SignatureDoesNotMatch");
  assert.match(error.message, /^minio at http:\/\/127\.0\.0\.1:\d+: /);
  assert.ok(
    !error.message.includes("definitely-not-it") && !error.message.includes(endpoint.secretKey),
  );
  await wrong.close();
});

Deno.test("minio store: plain HTTP to a non-loopback admin endpoint is noted, TLS and loopback are not", () => {
  assert.deepEqual(transportNotes("https://s3.internal:9000"), []);
  assert.deepEqual(transportNotes("http://127.0.0.1:9000"), []);
  assert.deepEqual(transportNotes("http://localhost:9000"), []);
  const [note] = transportNotes("http://s3.internal:9000");
  assert.match(note, /http:\/\/s3\.internal:9000 is plain HTTP/);
});

Deno.test("minio store: temporary credentials a tenant mints die with suspension, repair and re-creation", async () => {
  await withMinioTenants("msts", 1, async ({ endpoint, store, secrets, ids: [id], ...f }) => {
    await convergeStore(store, [f.tenant(id)], secrets);
    const works = async (details: TenantS3Details) =>
      (await probe(() => new TenantS3Client(details).listObjects(minioBucket(id)))
        .catch(() => ({ outcome: "refused" }))).outcome === "allowed";

    // MinIO lets any user mint them, for up to 365 days, and they outlive a secret change.
    const minted = await f.client(id).assumeRole(365 * 24 * 3600);
    assert.ok(await works(minted));
    await convergeStore(store, [f.tenant(id, { status: "suspended" })], secrets);
    await convergeStore(store, [f.tenant(id)], secrets);
    assert.ok(!(await works(minted)), "revoked at suspension, not revived by reactivation");

    const beforeRepair = await f.client(id).assumeRole();
    await mc(endpoint, ["admin", "user", "add", "bulkhead", minioUser(id), "set-by-hand-123456"]);
    assert.ok(await works(beforeRepair), "a secret changed by hand leaves them working");
    await convergeStore(store, [f.tenant(id)], secrets);
    assert.ok(!(await works(beforeRepair)), "repairing the credential revokes them");

    const beforeDestroy = await f.client(id).assumeRole();
    await destroyTenants(store, [id], secrets);
    await convergeStore(store, [f.tenant(id)], secrets);
    assert.ok(
      !(await works(beforeDestroy)),
      "a user created again under the name does not revive them",
    );
    assert.ok(await works(await f.client(id).assumeRole()), "fresh ones work (positive control)");
  });
});

Deno.test("minio store: a user whose credential was never recorded gets a fresh recorded one", async () => {
  await withMinioTenants("mrec", 1, async ({ store, secrets, ids: [id], ...f }) => {
    await convergeStore(store, [f.tenant(id)], secrets);
    const lost = secrets.get(id)!;
    secrets.delete(id); // e.g. a user created before Bulkhead managed it
    const plan = await planStore(store, [f.tenant(id)], secrets);
    assert.deepEqual(summary(plan.changes), [`update minio.user.${minioUser(id)} (credential)`]);
    assert.deepEqual(plan.changes[0].before?.credential, "unrecorded");
    await convergeStore(store, [f.tenant(id)], secrets);
    assert.notEqual(secrets.get(id)!.secret_key, lost.secret_key);
    await f.client(id).listObjects(minioBucket(id));
    const old = new TenantS3Client(store.connectionDetails(id, lost) as unknown as TenantS3Details);
    assert.ok(await old.listObjects(minioBucket(id)).then(() => false, () => true));
  });
});

Deno.test("minio store: a failed change names tenant, resource and the server's answer, not a secret", async () => {
  await withMinioTenants("merr", 1, async ({ endpoint, secrets, ids: [id], ...f }) => {
    const wrong = createMinioStore({ ...endpoint, secretKey: "not-the-admin-secret" });
    const { changes } = await planStore(f.store, [f.tenant(id)], secrets);
    const context = {
      credential: () => Promise.resolve({ access_key: minioUser(id), secret_key: "x".repeat(43) }),
      rotateCredential: () => Promise.reject(new Error("not expected")),
      tenant: () => undefined,
      log: () => {},
    };
    const error = await wrong.apply(changes[0], context).catch((e) => e);
    assert.match(
      error.message,
      new RegExp(
        `^tenant ${id}: minio: create minio\\.bucket\\.${
          minioBucket(id)
        } failed: minio at http://127\\.0\\.0\\.1:\\d+: PUT /${
          minioBucket(id)
        } failed: SignatureDoesNotMatch`,
      ),
    );
    assert.ok(!error.message.includes("not-the-admin-secret"));
  });
});
