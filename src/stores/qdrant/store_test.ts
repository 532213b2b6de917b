/** The parts of the store that need no server: desired state, credentials, details, errors. */
import assert from "node:assert/strict";
import { testTenant } from "../testing.ts";
import { StoreChangeError } from "../store.ts";
import { decodeJwtClaims } from "./jwt.ts";
import { collectionLimits, collectionSpec, createQdrantStore, tenantUrl } from "./store.ts";
import { tokenClaims, tokenVerdict } from "./token.ts";

const API_KEY = "admin-api-key-0123456789abcdef0123456789";
const store = createQdrantStore({ url: "http://127.0.0.1:6333", apiKey: API_KEY });
const acme = testTenant({ id: "acme", stores: { qdrant: { vector_size: 4, distance: "Euclid" } } });

Deno.test("qdrant store: a new credential is a contract token signed with the server key", async () => {
  const secret = await store.newCredential(acme);
  assert.deepEqual(Object.keys(secret).sort(), ["api_key", "token_id"]);
  assert.match(secret.api_key, /^[\x21-\x7e]+$/, "ASCII");
  assert.deepEqual(decodeJwtClaims(secret.api_key), tokenClaims("acme", secret.token_id));
  assert.equal(await tokenVerdict(secret, "acme", API_KEY), "contract");
});

Deno.test("qdrant store: without the server's API key no token can be issued", async () => {
  const keyless = createQdrantStore({ url: "http://127.0.0.1:6333" });
  await assert.rejects(keyless.newCredential(acme), /BULKHEAD_QDRANT_API_KEY is not set/);
});

Deno.test("qdrant store: connection details give the tenant its URL, collection and token", () => {
  const secret = { token_id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", api_key: "h.p.s" };
  assert.deepEqual(store.connectionDetails("umbrella-labs", secret), {
    url: "http://127.0.0.1:6333",
    collection: "tenant_umbrella_labs",
    api_key: "h.p.s",
  });
  assert.equal(
    tenantUrl("https://user:pw@vectors.internal:6334/"),
    "https://vectors.internal:6334",
  );
  assert.equal(tenantUrl("https://gw.internal/qdrant/"), "https://gw.internal/qdrant");
});

Deno.test("qdrant store: desired state is the resources module's, per tenant and shared", () => {
  assert.deepEqual(store.desired(acme, undefined, true).map((r) => r.address), [
    "qdrant.collection.tenant_acme",
    "qdrant.token.tenant_acme",
  ]);
  assert.deepEqual(store.desiredShared([acme]).map((r) => r.address), [
    "qdrant.token_registry.bulkhead_tokens",
  ]);
});

Deno.test("qdrant store: a change's desired attributes give the collection to create", () => {
  const [collection] = store.desired(acme, undefined, true);
  const change = { address: collection.address, after: collection.attributes };
  assert.deepEqual(collectionSpec(change), {
    vectorSize: 4,
    distance: "Euclid",
    readRateLimit: 600,
    writeRateLimit: 600,
    maxPointsCount: 1_000_000,
  });
  assert.equal(
    collectionLimits({ ...change, after: { ...collection.attributes, max_points_count: null } })
      .maxPointsCount,
    null,
  );
  assert.throws(
    () => collectionSpec({ address: collection.address, after: null }),
    /no desired attributes/,
  );
});

Deno.test("qdrant store: a change it cannot carry out fails naming tenant, resource and action", async () => {
  const change = {
    address: "qdrant.alias.tenant_acme",
    store: "qdrant" as const,
    kind: "alias",
    name: "tenant_acme",
    tenant: "acme",
    action: "create" as const,
    reason: "missing",
    before: null,
    after: { collection: "tenant_acme" },
    changedAttributes: [],
    sensitive: [],
    dependsOn: [],
  };
  const context = {
    credential: () => Promise.reject(new Error("not called")),
    rotateCredential: () => Promise.reject(new Error("not called")),
    tenant: () => acme,
    log: () => {},
  };
  await assert.rejects(store.apply(change, context), (error: Error) => {
    assert.ok(error instanceof StoreChangeError);
    assert.equal(
      error.message,
      "tenant acme: qdrant: create qdrant.alias.tenant_acme failed: the qdrant store cannot create a alias",
    );
    return true;
  });
});

Deno.test("qdrant store: an unreachable server fails observation without leaking the key", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const down = createQdrantStore({ url: `http://127.0.0.1:${port}`, apiKey: API_KEY });
  await assert.rejects(
    down.observe({ secrets: new Map(), secretsAvailable: true }),
    (error: Error) => {
      assert.ok(!String(error.message).includes(API_KEY));
      return true;
    },
  );
});
