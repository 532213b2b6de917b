/**
 * The Qdrant store against a real Qdrant with JWT RBAC on. Each test is registered as
 * ignored, with the reason in its name, when no Qdrant is reachable (see testing.ts):
 * these tests have not run on a machine without one.
 */
import assert from "node:assert/strict";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import type { StoreSecret } from "../store.ts";
import type { Tenant } from "../../tenant/model.ts";
import { qdrantCollection } from "../../tenant/names.ts";
import { createQdrantStore } from "./store.ts";
import { qdrantTest, type ReachableQdrant, statusWith, withTenants } from "./testing.ts";
import { qdrantCall } from "./rest.ts";
import {
  collectionInfo,
  type CollectionSpec,
  createCollection,
  deleteCollection,
  type QdrantRequest,
  upsertTokenRecord,
} from "./requests.ts";
import { parseCollectionInfo } from "./parse.ts";
import { TOKEN_REGISTRY } from "./token.ts";

const SIZE = 4;

function tenant(id: string, fields: Record<string, unknown> = {}): Tenant {
  return testTenant({
    id,
    stores: { qdrant: { vector_size: SIZE, distance: "Cosine" } },
    ...fields,
  });
}

const upsert = (collection: string, id = 1, size = SIZE): QdrantRequest => ({
  method: "PUT",
  path: `/collections/${collection}/points?wait=true`,
  body: {
    points: [{ id, vector: Array.from({ length: size }, (_, i) => i + 1), payload: { n: id } }],
  },
});
const scroll = (collection: string): QdrantRequest => ({
  method: "POST",
  path: `/collections/${collection}/points/scroll`,
  body: { limit: 10 },
});
const query = (collection: string, lookupFrom?: string): QdrantRequest => ({
  method: "POST",
  path: `/collections/${collection}/points/query`,
  body: {
    query: { recommend: { positive: [1] } },
    ...(lookupFrom && { lookup_from: { collection: lookupFrom } }),
  },
});
const get = (path: string): QdrantRequest => ({ method: "GET", path });

/** The collection a standard-tier tenant gets, with changes. */
const standardCollection = (changes: Partial<CollectionSpec> = {}): CollectionSpec => ({
  vectorSize: SIZE,
  distance: "Cosine",
  readRateLimit: 600,
  writeRateLimit: 600,
  maxPointsCount: 1_000_000,
  ...changes,
});

/** A request with the server's API key, as an operator changing things by hand would. */
const asAdmin = (qdrant: ReachableQdrant, request: QdrantRequest) =>
  qdrantCall(qdrant.url, qdrant.apiKey, request);

qdrantTest(
  "qdrant: apply from empty converges, a second plan is empty, tokens work on their own collection",
  async (qdrant) => {
    const tenants = [tenant(uniqueTenantId("qa")), tenant(uniqueTenantId("qb"))];
    await withTenants(qdrant, tenants, async (store, secrets) => {
      const again = await planStore(store, tenants, secrets);
      assert.deepEqual(again.changes, [], JSON.stringify(again.changes));
      for (const t of tenants) {
        const secret = secrets.get(t.id)!;
        const details = store.connectionDetails(t.id, secret);
        assert.equal(details.collection, qdrantCollection(t.id));
        assert.equal(
          (await statusWith(details.url, details.api_key, upsert(details.collection))).status,
          200,
        );
        const read = await statusWith(details.url, details.api_key, scroll(details.collection));
        assert.equal(read.status, 200);
        assert.equal(JSON.parse(read.body).result.points.length, 1);
      }
      const info = parseCollectionInfo(
        await asAdmin(qdrant, collectionInfo(qdrantCollection(tenants[0].id))),
        qdrantCollection(tenants[0].id),
      );
      assert.deepEqual(info.shape, {
        vectorSize: SIZE,
        distance: "Cosine",
        namedVectors: [],
        strictMode: true,
        readRateLimit: 600,
        writeRateLimit: 600,
        maxPointsCount: 1_000_000,
      });
    });
  },
);

qdrantTest(
  "qdrant: a tenant token is refused on every other collection and on server-wide operations",
  async (qdrant) => {
    const [a, b] = [tenant(uniqueTenantId("qa")), tenant(uniqueTenantId("qb"))];
    await withTenants(qdrant, [a, b], async (_store, secrets) => {
      const token = secrets.get(a.id)!.api_key;
      const own = qdrantCollection(a.id);
      const other = qdrantCollection(b.id);
      await statusWith(qdrant.url, secrets.get(b.id)!.api_key, upsert(other));
      const denied: [string, QdrantRequest][] = [
        ["read other collection", get(`/collections/${other}`)],
        ["other exists", get(`/collections/${other}/exists`)],
        ["other aliases", get(`/collections/${other}/aliases`)],
        ["other cluster info", get(`/collections/${other}/cluster`)],
        ["other snapshots", get(`/collections/${other}/snapshots`)],
        ["snapshot other", { method: "POST", path: `/collections/${other}/snapshots` }],
        ["scroll other", scroll(other)],
        ["write other", upsert(other, 2)],
        ["lookup in other", query(own, other)],
        ["create collection", { method: "PUT", path: `/collections/${own}_x`, body: {} }],
        ["delete own collection", { method: "DELETE", path: `/collections/${own}` }],
        ["lift own limits", {
          method: "PATCH",
          path: `/collections/${own}`,
          body: { strict_mode_config: { enabled: false } },
        }],
        ["alias other under own name", {
          method: "POST",
          path: "/collections/aliases",
          body: { actions: [{ create_alias: { collection_name: other, alias_name: `${own}_2` } }] },
        }],
        ["cluster", get("/cluster")],
        ["full snapshots", get("/snapshots")],
        ["create full snapshot", { method: "POST", path: "/snapshots" }],
        ["metrics", get("/metrics")],
        ["read the token registry", scroll(TOKEN_REGISTRY)],
        ["write the token registry", upsertTokenRecord(b.id, crypto.randomUUID(), new Date())],
      ];
      for (const [what, request] of denied) {
        const { status, body } = await statusWith(qdrant.url, token, request);
        assert.equal(
          status,
          403,
          `${what}: ${request.method} ${request.path} answered ${status} ${body}`,
        );
      }
      // Positive controls: the same token works on its own collection.
      assert.equal((await statusWith(qdrant.url, token, upsert(own))).status, 200);
      assert.equal((await statusWith(qdrant.url, token, query(own))).status, 200);
      const listed = JSON.parse((await statusWith(qdrant.url, token, get("/collections"))).body);
      assert.deepEqual(listed.result.collections.map((c: { name: string }) => c.name), [own]);
      const aliases = JSON.parse((await statusWith(qdrant.url, token, get("/aliases"))).body);
      assert.deepEqual(aliases.result.aliases, []);
    });
  },
);

qdrantTest(
  "qdrant: drift in limits, an alias and an extra token is shown by plan and repaired by apply",
  async (qdrant) => {
    const a = tenant(uniqueTenantId("qd"));
    const name = qdrantCollection(a.id);
    await withTenants(qdrant, [a], async (store, secrets) => {
      await asAdmin(qdrant, {
        method: "PATCH",
        path: `/collections/${name}`,
        body: { strict_mode_config: { read_rate_limit: 999_999 } },
      });
      await asAdmin(qdrant, {
        method: "POST",
        path: "/collections/aliases",
        body: {
          actions: [{ create_alias: { collection_name: name, alias_name: `${name}_side` } }],
        },
      });
      const extra = await store.newCredential(a);
      await asAdmin(qdrant, upsertTokenRecord(a.id, extra.token_id, new Date()));
      assert.equal((await statusWith(qdrant.url, extra.api_key, scroll(name))).status, 200);

      const drift = await planStore(store, [a], secrets);
      assert.deepEqual(
        drift.changes.map((c) => `${c.action} ${c.address} (${c.reason})`).sort(),
        [
          `delete qdrant.alias.${name}_side (not declared for tenant ${a.id})`,
          `update qdrant.collection.${name} (drifted: read_rate_limit)`,
          `update qdrant.token.${name} (drifted: live_tokens)`,
        ],
      );
      await convergeStore(store, [a], secrets);
      assert.deepEqual((await planStore(store, [a], secrets)).changes, []);
      assert.equal((await statusWith(qdrant.url, extra.api_key, scroll(name))).status, 401);
      assert.equal(
        (await statusWith(qdrant.url, secrets.get(a.id)!.api_key, scroll(name))).status,
        200,
      );
    });
  },
);

qdrantTest(
  "qdrant: an alias renamed onto a tenant's name is shown as drift and removed by apply",
  async (qdrant) => {
    const [a, b] = [tenant(uniqueTenantId("qa")), tenant(uniqueTenantId("qb"))];
    const [own, other] = [qdrantCollection(a.id), qdrantCollection(b.id)];
    await withTenants(qdrant, [a, b], async (store, secrets) => {
      await statusWith(qdrant.url, secrets.get(b.id)!.api_key, upsert(other, 7));
      // Creating an alias under a collection's name is refused; renaming onto it is not.
      await asAdmin(qdrant, {
        method: "POST",
        path: "/collections/aliases",
        body: {
          actions: [
            { create_alias: { collection_name: other, alias_name: `${own}_tmp` } },
            { rename_alias: { old_alias_name: `${own}_tmp`, new_alias_name: own } },
          ],
        },
      });
      const drift = await planStore(store, [a, b], secrets);
      assert.deepEqual(
        drift.changes.map((c) => `${c.action} ${c.address} (${c.reason})`).sort(),
        [
          `delete qdrant.alias.${own} (not declared for tenant ${b.id})`,
          `update qdrant.collection.${own} (drifted: resolves_to)`,
        ],
      );
      await convergeStore(store, [a, b], secrets);
      assert.deepEqual((await planStore(store, [a, b], secrets)).changes, []);
      const read = await statusWith(qdrant.url, secrets.get(a.id)!.api_key, scroll(own));
      assert.equal(read.status, 200);
      assert.deepEqual(JSON.parse(read.body).result.points, []);
    });
  },
);

qdrantTest(
  "qdrant: changed vector parameters are a replace, and apply restores them",
  async (qdrant) => {
    const a = tenant(uniqueTenantId("qv"));
    const name = qdrantCollection(a.id);
    await withTenants(qdrant, [a], async (store, secrets) => {
      await asAdmin(qdrant, deleteCollection(name));
      await asAdmin(
        qdrant,
        createCollection(name, standardCollection({ vectorSize: SIZE + 1, distance: "Dot" })),
      );
      const drift = await planStore(store, [a], secrets);
      assert.deepEqual(drift.changes.map((c) => `${c.action} ${c.address} (${c.reason})`), [
        `replace qdrant.collection.${name} (drifted: vector_size, distance)`,
      ]);
      await convergeStore(store, [a], secrets);
      assert.deepEqual((await planStore(store, [a], secrets)).changes, []);
    });
  },
);

qdrantTest(
  "qdrant: suspending revokes the token and keeps the data; reactivating restores it",
  async (qdrant) => {
    const id = uniqueTenantId("qs");
    const name = qdrantCollection(id);
    await withTenants(qdrant, [tenant(id)], async (store, secrets) => {
      const token = secrets.get(id)!.api_key;
      assert.equal((await statusWith(qdrant.url, token, upsert(name))).status, 200);
      await convergeStore(store, [tenant(id, { status: "suspended" })], secrets);
      assert.equal((await statusWith(qdrant.url, token, scroll(name))).status, 401);
      const info = await asAdmin(qdrant, collectionInfo(name)) as {
        points_count: number;
      };
      assert.equal(info.points_count, 1);
      assert.deepEqual(
        (await planStore(store, [tenant(id, { status: "suspended" })], secrets)).changes,
        [],
      );
      await convergeStore(store, [tenant(id)], secrets);
      assert.equal((await statusWith(qdrant.url, token, scroll(name))).status, 200);
    });
  },
);

qdrantTest(
  "qdrant: destroying revokes tokens first; a collection recreated under the name is not reachable with them",
  async (qdrant) => {
    const id = uniqueTenantId("qx");
    const name = qdrantCollection(id);
    const store = createQdrantStore(qdrant);
    const secrets = new Map<string, StoreSecret>();
    try {
      await convergeStore(store, [tenant(id)], secrets);
      const token = secrets.get(id)!.api_key;
      const applied = await convergeStore(store, [], secrets, {
        destroyTenants: [id],
        alsoObserve: [id],
      });
      assert.deepEqual(applied.map((c) => `${c.action} ${c.address}`), [
        `delete qdrant.token.${name}`,
        `delete qdrant.collection.${name}`,
      ]);
      await asAdmin(qdrant, createCollection(name, standardCollection({ maxPointsCount: null })));
      assert.equal((await statusWith(qdrant.url, token, scroll(name))).status, 401);
      assert.equal((await statusWith(qdrant.url, token, upsert(name))).status, 401);
    } finally {
      await asAdmin(qdrant, deleteCollection(name)).catch(() => {});
      await store.close();
    }
  },
);

qdrantTest(
  "qdrant: an orphan collection is kept until --allow-destroy, then deleted",
  async (qdrant) => {
    const ghost = uniqueTenantId("qo");
    const name = qdrantCollection(ghost);
    const store = createQdrantStore(qdrant);
    try {
      await asAdmin(
        qdrant,
        createCollection(
          name,
          standardCollection({ readRateLimit: 1, writeRateLimit: 1, maxPointsCount: 1 }),
        ),
      );
      const kept = await planStore(store, [], new Map(), { alsoObserve: [ghost] });
      assert.deepEqual(kept.changes, []);
      assert.deepEqual(kept.withheld.map((w) => w.reason), [
        "orphan: no tenant file (kept: pass --allow-destroy to delete)",
      ]);
      await convergeStore(store, [], new Map(), { alsoObserve: [ghost], allowDestroy: true });
      const after = await planStore(store, [], new Map(), { alsoObserve: [ghost] });
      assert.deepEqual([...after.changes, ...after.withheld], []);
    } finally {
      await asAdmin(qdrant, deleteCollection(name)).catch(() => {});
    }
  },
);

qdrantTest(
  "qdrant: observation takes the same number of round trips for 3 and for 30 tenants",
  async (qdrant) => {
    const few = Array.from({ length: 3 }, () => tenant(uniqueTenantId("qr")));
    const many = Array.from({ length: 30 }, () => tenant(uniqueTenantId("qr")));
    const store = createQdrantStore(qdrant);
    const counts: number[] = [];
    const secrets = new Map<string, StoreSecret>();
    try {
      for (const tenants of [few, many]) {
        await convergeStore(store, tenants, secrets);
        const started = performance.now();
        const plan = await planStore(store, tenants, secrets);
        console.log(
          `qdrant observe: ${tenants.length} tenants, ${plan.observation.roundTrips} round trips, ${
            (performance.now() - started).toFixed(0)
          } ms`,
        );
        assert.deepEqual(plan.changes, []);
        counts.push(plan.observation.roundTrips);
      }
      assert.equal(counts[0], counts[1]);
      assert.equal(
        counts[0],
        5,
        "collections, aliases, telemetry, registry info, one registry page",
      );
    } finally {
      const ids = [...few, ...many].map((t) => t.id);
      await convergeStore(store, [], secrets, { destroyTenants: ids, alsoObserve: ids });
    }
  },
);

qdrantTest("qdrant: no token appears in plans, changes or errors", async (qdrant) => {
  const a = tenant(uniqueTenantId("qn"));
  await withTenants(qdrant, [a], async (store, secrets) => {
    const secret = secrets.get(a.id)!;
    await asAdmin(qdrant, {
      method: "POST",
      path: `/collections/${TOKEN_REGISTRY}/points/delete?wait=true`,
      body: { points: [secret.token_id] },
    });
    const plan = await planStore(store, [a], secrets);
    const text = JSON.stringify(plan);
    assert.ok(plan.changes.length > 0);
    assert.ok(!text.includes(secret.api_key));
    assert.ok(!text.includes(qdrant.apiKey));
    const broken = createQdrantStore({ url: qdrant.url, apiKey: "not-the-server-key" });
    await assert.rejects(broken.observe({ secrets, secretsAvailable: true }), (error: Error) => {
      assert.match(error.message, /HTTP 40[13]/);
      assert.ok(!error.message.includes(secret.api_key) && !error.message.includes(qdrant.apiKey));
      return true;
    });
  });
});
