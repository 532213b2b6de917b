import assert from "node:assert/strict";
import { testTenant } from "../testing.ts";
import { diffResources, orderChanges } from "../../plan/diff.ts";
import type { Resource } from "../store.ts";
import type { CollectionShape } from "./parse.ts";
import type { TokenObservation } from "./token.ts";
import {
  aliasTenant,
  collectionAddress,
  desiredResources,
  desiredSharedResources,
  observedResources,
  type QdrantLiveState,
  REGISTRY_ADDRESS,
  resolveName,
  tokenAddress,
} from "./resources.ts";

const SECRET = { token_id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", api_key: "x.y.z" };

function tenant(id: string, fields: Record<string, unknown> = {}) {
  return testTenant({
    id,
    tier: "enterprise",
    stores: { qdrant: { vector_size: 8, distance: "Dot" } },
    ...fields,
  });
}

const SHAPE: CollectionShape = {
  vectorSize: 8,
  distance: "Dot",
  namedVectors: [],
  strictMode: true,
  readRateLimit: 6000,
  writeRateLimit: 6000,
  maxPointsCount: 10_000_000,
};

/** A live state in which the given tenants are exactly as desired. */
function converged(ids: string[], overrides: Partial<QdrantLiveState> = {}): QdrantLiveState {
  return {
    collections: ["bulkhead_tokens", ...ids.map((id) => `tenant_${id.replaceAll("-", "_")}`)],
    aliases: [],
    shapes: new Map(ids.map((id) => [`tenant_${id.replaceAll("-", "_")}`, SHAPE])),
    registryIndexes: ["tenant", "token_id"],
    tokens: new Map<string, TokenObservation>(
      ids.map((id) => [id, { liveTokens: 1, credential: "recorded", tokenClaims: "contract" }]),
    ),
    ...overrides,
  };
}

function plan(
  desired: Resource[],
  observed: Resource[],
  options: { destroy?: string[]; allowDestroy?: boolean; declared?: string[] } = {},
) {
  return diffResources(desired, observed, {
    declaredTenants: new Set(
      options.declared ?? desired.flatMap((r) => r.tenant ? [r.tenant] : []),
    ),
    destroyTenants: new Set(options.destroy ?? []),
    allowDestroy: options.allowDestroy ?? false,
    dataKinds: new Set(["collection"]),
  });
}

const summary = (changes: { action: string; address: string; reason: string }[]) =>
  changes.map((c) => `${c.action} ${c.address} (${c.reason})`);

Deno.test("resources: an active tenant has its collection and one recorded token that needs both", () => {
  const [collection, token] = desiredResources(tenant("umbrella-labs"), SECRET, true);
  assert.deepEqual(collection, {
    address: "qdrant.collection.tenant_umbrella_labs",
    store: "qdrant",
    kind: "collection",
    name: "tenant_umbrella_labs",
    tenant: "umbrella-labs",
    attributes: {
      vector_size: 8,
      distance: "Dot",
      resolves_to: "tenant_umbrella_labs",
      strict_mode: true,
      read_rate_limit: 6000,
      write_rate_limit: 6000,
      max_points_count: 10_000_000,
    },
    forceNew: ["vector_size", "distance"],
  });
  assert.deepEqual(token, {
    address: "qdrant.token.tenant_umbrella_labs",
    store: "qdrant",
    kind: "token",
    name: "tenant_umbrella_labs",
    tenant: "umbrella-labs",
    attributes: { live_tokens: 1, credential: "recorded", token_claims: "contract" },
    sensitive: ["credential", "token_claims"],
    dependsOn: ["qdrant.token_registry.bulkhead_tokens", "qdrant.collection.tenant_umbrella_labs"],
  });
  assert.ok(!JSON.stringify([collection, token]).includes(SECRET.api_key));
  assert.ok(!JSON.stringify([collection, token]).includes(SECRET.token_id));
});

Deno.test("resources: limits come from the tenant; dedicated means no point limit", () => {
  const custom = desiredResources(
    tenant("acme", { limits: { max_requests_per_minute: 42, max_vectors: 7 } }),
    undefined,
    true,
  )[0];
  assert.equal(custom.attributes.read_rate_limit, 42);
  assert.equal(custom.attributes.write_rate_limit, 42);
  assert.equal(custom.attributes.max_points_count, 7);
  const dedicated = desiredResources(tenant("acme", { tier: "dedicated" }), undefined, true)[0];
  assert.equal(dedicated.attributes.max_points_count, null);
  const defaults =
    desiredResources(testTenant({ id: "acme", stores: { qdrant: {} } }), undefined, true)[0];
  assert.equal(defaults.attributes.vector_size, 384);
  assert.equal(defaults.attributes.distance, "Cosine");
});

Deno.test("resources: credential attributes follow what can be checked", () => {
  const token = (secret: typeof SECRET | undefined, available: boolean) =>
    desiredResources(tenant("acme"), secret, available)[1].attributes;
  assert.deepEqual(token(SECRET, true), {
    live_tokens: 1,
    credential: "recorded",
    token_claims: "contract",
  });
  assert.deepEqual(token(undefined, true), { live_tokens: 1, credential: "recorded" });
  assert.deepEqual(token(SECRET, false), { live_tokens: 1 });
});

Deno.test("resources: suspended and decommissioned tenants keep their collection and no token", () => {
  for (const status of ["suspended", "decommissioned"]) {
    const resources = desiredResources(tenant("acme", { status }), SECRET, true);
    assert.deepEqual(resources.map((r) => r.address), ["qdrant.collection.tenant_acme"], status);
  }
  assert.deepEqual(
    desiredResources(testTenant({ id: "acme", stores: { redis: {} } }), SECRET, true),
    [],
  );
});

Deno.test("resources: the registry is shared and wanted only while a tenant uses Qdrant", () => {
  assert.deepEqual(
    desiredSharedResources([tenant("aa"), testTenant({ id: "bb", stores: { redis: {} } })]),
    [{
      address: "qdrant.token_registry.bulkhead_tokens",
      store: "qdrant",
      kind: "token_registry",
      name: "bulkhead_tokens",
      attributes: { resolves_to: "bulkhead_tokens", indexed_fields: ["tenant", "token_id"] },
    }],
  );
  assert.deepEqual(desiredSharedResources([testTenant({ id: "bb", stores: { redis: {} } })]), []);
});

Deno.test("resources: an alias of a name wins over the collection of that name", () => {
  const aliases = [{ alias: "tenant_acme", collection: "tenant_globex" }, {
    alias: "x",
    collection: "y",
  }];
  assert.equal(resolveName("tenant_acme", aliases), "tenant_globex");
  assert.equal(resolveName("tenant_globex", aliases), "tenant_globex");
  assert.equal(resolveName("x", aliases), "y");
});

Deno.test("resources: an alias belongs to the tenant it reaches, else to the tenant whose name it takes", () => {
  assert.equal(aliasTenant({ alias: "shared", collection: "tenant_acme" }), "acme");
  assert.equal(aliasTenant({ alias: "tenant_ghost", collection: "tenant_acme" }), "acme");
  assert.equal(aliasTenant({ alias: "tenant_big_co", collection: "shared" }), "big-co");
  assert.equal(aliasTenant({ alias: "a", collection: "b" }), undefined);
});

Deno.test("resources: a converged live state plans no change", () => {
  const tenants = [tenant("acme"), tenant("big-co")];
  const desired = [
    ...desiredSharedResources(tenants),
    ...tenants.flatMap((t) => desiredResources(t, SECRET, true)),
  ];
  const observed = observedResources(converged(["acme", "big-co"]));
  assert.deepEqual(plan(desired, observed), { changes: [], withheld: [] });
  assert.deepEqual(
    observed.find((r) => r.address === collectionAddress("big-co"))?.attributes.named_vectors,
    [],
  );
});

Deno.test("resources: from empty, the registry and collection come before the token", () => {
  const t = tenant("acme");
  const desired = [...desiredSharedResources([t]), ...desiredResources(t, undefined, true)];
  const { changes } = plan(
    desired,
    observedResources(converged([], { collections: [], registryIndexes: undefined })),
  );
  assert.deepEqual(
    orderChanges(changes).map((c) => `${c.action} ${c.address}`),
    [
      "create qdrant.collection.tenant_acme",
      "create qdrant.token_registry.bulkhead_tokens",
      "create qdrant.token.tenant_acme",
    ],
  );
});

Deno.test("resources: drift in limits is an update, in vector parameters a replace", () => {
  const desired = desiredResources(tenant("acme"), SECRET, true);
  const limits = converged(["acme"], {
    shapes: new Map([["tenant_acme", { ...SHAPE, readRateLimit: 999_999, maxPointsCount: null }]]),
  });
  const { changes } = plan(desired, observedResources(limits));
  assert.deepEqual(summary(changes), [
    "update qdrant.collection.tenant_acme (drifted: read_rate_limit, max_points_count)",
  ]);
  assert.deepEqual(changes[0].changedAttributes, ["read_rate_limit", "max_points_count"]);

  const vectors = converged(["acme"], {
    shapes: new Map([["tenant_acme", { ...SHAPE, vectorSize: 9 }]]),
  });
  // Replacing a collection deletes its points: only with --allow-destroy.
  const withheld = plan(desired, observedResources(vectors));
  assert.deepEqual(summary(withheld.changes), []);
  assert.deepEqual(
    withheld.withheld.filter((w) => w.resource.kind === "collection").map((w) =>
      w.resource.address
    ),
    [
      "qdrant.collection.tenant_acme",
    ],
  );
  assert.deepEqual(
    summary(
      plan(desired, observedResources(vectors), { allowDestroy: true }).changes
        .filter((c) => c.kind === "collection"),
    ),
    ["replace qdrant.collection.tenant_acme (drifted: vector_size)"],
  );
  const strictOff = converged(["acme"], {
    shapes: new Map([["tenant_acme", { ...SHAPE, strictMode: false }]]),
  });
  assert.deepEqual(summary(plan(desired, observedResources(strictOff)).changes), [
    "update qdrant.collection.tenant_acme (drifted: strict_mode)",
  ]);
});

Deno.test("resources: named vectors a tenant adds are shown but are not drift", () => {
  const desired = desiredResources(tenant("acme"), SECRET, true);
  const live = converged(["acme"], {
    shapes: new Map([["tenant_acme", { ...SHAPE, namedVectors: ["extra"] }]]),
  });
  const observed = observedResources(live);
  assert.deepEqual(observed.find((r) => r.kind === "collection")?.attributes.named_vectors, [
    "extra",
  ]);
  assert.deepEqual(plan(desired, observed).changes, []);
});

Deno.test("resources: an alias that hands a tenant's name to another collection is drift and is deleted", () => {
  const tenants = [tenant("acme"), tenant("globex")];
  const desired = [
    ...desiredSharedResources(tenants),
    ...tenants.flatMap((t) => desiredResources(t, SECRET, true)),
  ];
  const live = converged(["acme", "globex"], {
    aliases: [
      { alias: "tenant_acme", collection: "tenant_globex" },
      { alias: "reports", collection: "tenant_globex" },
      { alias: "unrelated", collection: "someone_elses" },
    ],
  });
  const { changes, withheld } = plan(desired, observedResources(live));
  assert.deepEqual(summary(changes).sort(), [
    "delete qdrant.alias.reports (not declared for tenant globex)",
    "delete qdrant.alias.tenant_acme (not declared for tenant globex)",
    "update qdrant.collection.tenant_acme (drifted: resolves_to)",
  ]);
  assert.deepEqual(withheld, []);
  const update = changes.find((c) => c.action === "update")!;
  assert.equal(update.after?.resolves_to, "tenant_acme");
  assert.equal(update.before?.resolves_to, "tenant_globex");
});

Deno.test("resources: token drift — extra records, an unrecorded or an outdated token — is an update", () => {
  const desired = desiredResources(tenant("acme"), SECRET, true);
  const cases: [TokenObservation, string][] = [
    [{ liveTokens: 2, credential: "recorded", tokenClaims: "contract" }, "drifted: live_tokens"],
    [{ liveTokens: 1, credential: "unrecorded", tokenClaims: "contract" }, "drifted: credential"],
    [{ liveTokens: 1, credential: "recorded", tokenClaims: "outdated" }, "drifted: token_claims"],
  ];
  for (const [observation, reason] of cases) {
    const live = converged(["acme"], { tokens: new Map([["acme", observation]]) });
    const { changes } = plan(desired, observedResources(live));
    assert.deepEqual(summary(changes), [`update qdrant.token.tenant_acme (${reason})`]);
    // The verdicts are derived from secrets: rendered masked.
    assert.ok(JSON.stringify(changes).includes("(sensitive)") || reason.includes("live_tokens"));
  }
});

Deno.test("resources: suspending deletes the token records and keeps the collection", () => {
  const suspended = tenant("acme", { status: "suspended" });
  const desired = [
    ...desiredSharedResources([suspended]),
    ...desiredResources(suspended, SECRET, true),
  ];
  const { changes, withheld } = plan(desired, observedResources(converged(["acme"])));
  assert.deepEqual(summary(changes), [
    "delete qdrant.token.tenant_acme (not declared for tenant acme)",
  ]);
  assert.deepEqual(withheld, []);
});

Deno.test("resources: destroying a tenant revokes its tokens before its collection goes", () => {
  const observed = observedResources(converged(["acme"]));
  const { changes } = plan([], observed, { destroy: ["acme"], declared: ["acme"] });
  assert.deepEqual(
    orderChanges(changes.filter((c) => c.tenant === "acme")).map((c) => `${c.action} ${c.address}`),
    ["delete qdrant.token.tenant_acme", "delete qdrant.collection.tenant_acme"],
  );
});

Deno.test("resources: a tenant-like collection without a tenant file is an orphan kept until --allow-destroy", () => {
  const observed = observedResources(converged(["ghost"]));
  const kept = plan([], observed, { declared: [] });
  assert.deepEqual(kept.changes, []);
  assert.deepEqual(
    kept.withheld.map((w) => w.resource.address).sort(),
    [collectionAddress("ghost"), tokenAddress("ghost"), REGISTRY_ADDRESS].sort(),
  );
  const destroyed = plan([], observed, { declared: [], allowDestroy: true });
  assert.deepEqual(
    orderChanges(destroyed.changes).map((c) => c.address),
    [tokenAddress("ghost"), collectionAddress("ghost"), REGISTRY_ADDRESS],
  );
});

Deno.test("resources: a missing or weakened registry is shown", () => {
  const desired = desiredSharedResources([tenant("acme")]);
  const unindexed = observedResources(converged([], { registryIndexes: ["tenant"] }));
  assert.deepEqual(summary(plan(desired, unindexed).changes), [
    "update qdrant.token_registry.bulkhead_tokens (drifted: indexed_fields)",
  ]);
  const shadowed = observedResources(
    converged([], { aliases: [{ alias: "bulkhead_tokens", collection: "tenant_acme" }] }),
  );
  assert.deepEqual(summary(plan(desired, shadowed).changes), [
    "update qdrant.token_registry.bulkhead_tokens (drifted: resolves_to)",
  ]);
});

Deno.test("resources: observation needs every tenant collection's configuration", () => {
  assert.throws(
    () => observedResources(converged(["acme"], { shapes: new Map() })),
    /no configuration observed for collection tenant_acme/,
  );
  // Collections that are not a tenant's or the registry's are not Bulkhead's.
  assert.deepEqual(observedResources(converged([], { collections: ["products"] })), []);
});
