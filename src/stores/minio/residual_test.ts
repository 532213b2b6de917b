/**
 * The residual leaks the contract names are what the server really does (so that a
 * server that closes one, or opens another, shows up here): existence oracles before the
 * access check (S3-R09), and self-minted temporary credentials (S3-R01).
 */
import assert from "node:assert/strict";
import { convergeStore } from "../testing.ts";
import { minioBucket, minioUser } from "../../tenant/names.ts";
import { withMinioTenants } from "./testing.ts";
import { keyPath, type S3Call, sendCall } from "./s3_call.ts";
import { ADMIN_PREFIX } from "./admin_http.ts";
import { probe, TenantS3Client } from "./tenant_s3.ts";

Deno.test("minio residual S3-R09: tagging, retention and service-account calls tell existence before access", async () => {
  await withMinioTenants("rr", 2, async ({ endpoint, store, secrets, ids: [a, b], ...f }) => {
    await convergeStore(store, [f.tenant(a), f.tenant(b)], secrets);
    const victim = minioBucket(b);
    await f.client(b).putObject(victim, "exists.txt", "b's data");
    const anonymous = async (call: Omit<S3Call, "auth">) =>
      (await sendCall(endpoint.endpoint, { ...call, auth: "anonymous" }, undefined)).code;
    const tagging = (bucket: string, key: string) =>
      anonymous({ method: "GET", path: keyPath(bucket, key), query: [["tagging", ""]] });
    assert.equal(await tagging(victim, "exists.txt"), "AccessDenied");
    assert.equal(await tagging(victim, "missing.txt"), "NoSuchKey");
    assert.equal(await tagging(`${victim}-missing`, "x"), "NoSuchBucket");
    const retention = (bucket: string) =>
      anonymous({
        method: "PUT",
        path: keyPath(bucket, "x"),
        query: [["retention", ""]],
        body:
          "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>",
        contentMd5: true,
      });
    assert.equal(await retention(victim), "InvalidRequest");
    assert.equal(await retention(`${victim}-missing`), "NoSuchBucket");
    // Listing and reading stay silent about existence.
    assert.equal(
      await anonymous({ method: "GET", path: keyPath(victim, "missing.txt") }),
      "AccessDenied",
    );
    assert.equal(await anonymous({ method: "GET", path: `/${victim}-missing` }), "AccessDenied");
    // A no-op answered 200 to anyone.
    const website = await sendCall(endpoint.endpoint, {
      method: "DELETE",
      path: `/${victim}`,
      query: [["website", ""]],
      auth: "anonymous",
    }, undefined);
    assert.equal(website.status, 200);

    // Tenant A "deletes the service account" named like B's user: 204, and nothing changes.
    const signerA = {
      accessKey: secrets.get(a)!.access_key,
      secretKey: secrets.get(a)!.secret_key,
      region: endpoint.region,
    };
    const deleteAccount = (accessKey: string) =>
      sendCall(endpoint.endpoint, {
        method: "DELETE",
        path: `${ADMIN_PREFIX}/delete-service-account`,
        query: [["accessKey", accessKey]],
        auth: "signed",
      }, signerA);
    assert.equal((await deleteAccount(minioUser(b))).status, 204);
    assert.equal((await deleteAccount(`${minioUser(b)}-missing`)).status, 404);
    assert.deepEqual(await f.client(b).listObjects(victim), ["exists.txt"], "B is unharmed");
  });
});

Deno.test("minio residual S3-R01: a tenant mints temporary credentials for itself; they reach its own bucket only", async () => {
  await withMinioTenants("rt", 2, async ({ store, secrets, ids: [a, b], ...f }) => {
    await convergeStore(store, [f.tenant(a), f.tenant(b)], secrets);
    const temporary = await f.client(a).assumeRole(900);
    assert.ok(temporary.session_token);
    const minted = new TenantS3Client(temporary);
    await minted.putObject(minioBucket(a), "t.txt", "x");
    assert.equal((await probe(() => minted.listObjects(minioBucket(b)))).outcome, "denied");
  });
});
