import assert from "node:assert/strict";
import type { Change, Resource } from "../stores/store.ts";
import { diffResources, orderChanges, SENSITIVE, valuesEqual } from "./diff.ts";

const options = {
  declaredTenants: new Set(["acme"]),
  destroyTenants: new Set<string>(),
  allowDestroy: false,
  dataKinds: new Set(["database", "bucket"]),
};

function res(
  kind: string,
  name: string,
  attributes: Resource["attributes"],
  extra: Partial<Resource> = {},
): Resource {
  return {
    address: `postgres.${kind}.${name}`,
    store: "postgres",
    kind,
    name,
    tenant: "acme",
    attributes,
    ...extra,
  };
}

Deno.test("diff: missing resources are created, equal ones untouched", () => {
  const desired = [
    res("role", "tenant_acme", { login: true }),
    res("database", "tenant_acme", { owner: "admin" }),
  ];
  const observed = [res("database", "tenant_acme", { owner: "admin", extra: 1 })];
  const { changes, withheld } = diffResources(desired, observed, options);
  assert.deepEqual(changes.map((c) => [c.action, c.address, c.reason]), [[
    "create",
    "postgres.role.tenant_acme",
    "missing",
  ]]);
  assert.deepEqual(withheld, []);
});

Deno.test("diff: drifted attributes update in place, or replace when they are force-new", () => {
  const desired = [
    res("role", "tenant_acme", { login: true, limit: 5 }),
    res("collection", "tenant_acme", { size: 768 }, { forceNew: ["size"] }),
  ];
  const observed = [
    res("role", "tenant_acme", { login: false, limit: 5 }),
    res("collection", "tenant_acme", { size: 384 }),
  ];
  const { changes } = diffResources(desired, observed, options);
  assert.deepEqual(changes.map((c) => [c.action, c.reason, c.changedAttributes]), [
    ["update", "drifted: login", ["login"]],
    ["replace", "drifted: size", ["size"]],
  ]);
  assert.deepEqual(changes[0].before, { login: false, limit: 5 });
  assert.deepEqual(changes[0].after, { login: true, limit: 5 });
});

Deno.test("diff: sensitive attributes never appear in a change", () => {
  const desired = [
    res("role", "tenant_acme", { credential: "recorded", hash: "abc" }, { sensitive: ["hash"] }),
  ];
  const observed = [
    res("role", "tenant_acme", { credential: "unrecorded", hash: "def" }, { sensitive: ["hash"] }),
  ];
  const [c] = diffResources(desired, observed, options).changes;
  assert.equal(c.after?.hash, SENSITIVE);
  assert.equal(c.before?.hash, SENSITIVE);
  assert.ok(!JSON.stringify(c).includes("abc") && !JSON.stringify(c).includes("def"));
});

Deno.test("diff: orphans and data-bearing deletes are withheld without --allow-destroy", () => {
  const observed = [
    res("database", "tenant_ghost", {}, { tenant: "ghost" }),
    res("bucket", "tenant_acme", {}),
    res("grant", "tenant_acme_extra", {}),
  ];
  const kept = diffResources([], observed, options);
  assert.deepEqual(kept.changes.map((c) => [c.action, c.address, c.reason]), [
    ["delete", "postgres.grant.tenant_acme_extra", "not declared for tenant acme"],
  ]);
  assert.deepEqual(kept.withheld.map((w) => [w.resource.address, w.reason]), [
    [
      "postgres.database.tenant_ghost",
      "orphan: no tenant file (kept: pass --allow-destroy to delete)",
    ],
    [
      "postgres.bucket.tenant_acme",
      "not declared for tenant acme (kept: pass --allow-destroy to delete)",
    ],
  ]);
  const destroyed = diffResources([], observed, { ...options, allowDestroy: true });
  assert.equal(destroyed.changes.length, 3);
  assert.equal(destroyed.withheld.length, 0);
});

Deno.test("diff: a decommissioned tenant's resources are deleted with that reason", () => {
  const observed = [res("database", "tenant_acme", {})];
  const { changes } = diffResources([], observed, {
    ...options,
    destroyTenants: new Set(["acme"]),
  });
  assert.deepEqual(changes.map((c) => [c.action, c.reason]), [["delete", "tenant decommissioned"]]);
});

Deno.test("diff: values compare structurally, objects ignore key order, arrays keep it", () => {
  assert.ok(valuesEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
  assert.ok(!valuesEqual([1, 2], [2, 1]));
  assert.ok(!valuesEqual(null, 0));
  assert.ok(!valuesEqual({ a: 1 }, { a: 1, b: null }));
});

function ch(address: string, action: Change["action"], dependsOn: string[] = []): Change {
  return {
    address,
    store: "postgres",
    kind: "k",
    name: address,
    action,
    reason: "",
    before: null,
    after: null,
    changedAttributes: [],
    sensitive: [],
    dependsOn,
  };
}

Deno.test("order: creates follow their dependencies; deletes go in reverse, after the rest", () => {
  const ordered = orderChanges([
    ch("grant", "create", ["role", "db"]),
    ch("db", "create", ["role"]),
    ch("role", "create"),
    ch("old-db", "delete", ["old-role"]),
    ch("old-role", "delete"),
    ch("old-grant", "delete", ["old-db"]),
  ]);
  assert.deepEqual(ordered.map((c) => c.address), [
    "role",
    "db",
    "grant",
    "old-grant",
    "old-db",
    "old-role",
  ]);
});

Deno.test("order: a dependency cycle is an error naming the cycle", () => {
  assert.throws(
    () => orderChanges([ch("a", "create", ["b"]), ch("b", "create", ["a"])]),
    /dependency cycle: a -> b -> a/,
  );
});

Deno.test("diff: replacing a data-bearing resource is withheld without --allow-destroy", () => {
  const want = { ...res("database", "tenant_acme", { encoding: "UTF8" }), forceNew: ["encoding"] };
  const have = res("database", "tenant_acme", { encoding: "LATIN1" });
  const kept = diffResources([want], [have], options);
  assert.deepEqual(kept.changes, []);
  assert.deepEqual(kept.withheld.map((w) => w.reason), [
    "drifted: encoding: replacing it deletes its data (kept: pass --allow-destroy to replace)",
  ]);
  const replaced = diffResources([want], [have], { ...options, allowDestroy: true });
  assert.deepEqual(replaced.changes.map((c) => c.action), ["replace"]);
});
