import assert from "node:assert/strict";
import fc from "fast-check";
import {
  allNames,
  minioBucket,
  minioPolicy,
  minioUser,
  postgresDatabase,
  postgresRole,
  postgresSchema,
  qdrantCollection,
  redisChannelPrefix,
  redisKeyPrefix,
  redisUser,
  tenantIdFromName,
} from "./names.ts";
import { distinctTenantIdPair, tenantIdArbitrary } from "./testing.ts";

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Unquoted SQL identifier PostgreSQL keeps as is: ≤ 63 bytes, lowercase, no quoting. */
function validSqlIdentifier(name: string): boolean {
  return utf8Length(name) <= 63 && /^[a-z_][a-z0-9_]*$/.test(name);
}

/** S3 bucket naming rules as MinIO enforces them. */
function validBucket(name: string): boolean {
  return name.length >= 3 && name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) && !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) && !name.startsWith("xn--") &&
    !name.endsWith("-s3alias") && !name.endsWith("--ol-s3");
}

Deno.test("names: every valid id yields names valid in every store", () => {
  fc.assert(
    fc.property(tenantIdArbitrary, (id) => {
      for (const name of [postgresDatabase(id), postgresRole(id), postgresSchema(id)]) {
        assert.ok(validSqlIdentifier(name), `SQL identifier ${name}`);
      }
      // Room for the longest suffix a PostgreSQL store may add (e.g. `_owner`).
      assert.ok(utf8Length(postgresRole(id)) + 10 <= 63);
      assert.ok(validBucket(minioBucket(id)), `bucket ${minioBucket(id)}`);
      for (const name of [minioUser(id), minioPolicy(id)]) {
        assert.ok(name.length >= 3 && /^[a-z0-9-]+$/.test(name), `MinIO name ${name}`);
      }
      assert.ok(
        /^[a-z0-9_]{1,255}$/.test(qdrantCollection(id)),
        `collection ${qdrantCollection(id)}`,
      );
      assert.ok(/^[a-z0-9-]+$/.test(redisUser(id)), `redis user ${redisUser(id)}`);
      // Key/channel patterns are `<prefix>*`: the prefix must end with the delimiter and
      // hold no glob character, so the pattern matches exactly the tenant's keys.
      for (const prefix of [redisKeyPrefix(id), redisChannelPrefix(id)]) {
        assert.ok(prefix.endsWith(":") && !/[*?[\]\\\s]/.test(prefix), `redis prefix ${prefix}`);
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("names: two different ids never share a name in any store", () => {
  fc.assert(
    fc.property(distinctTenantIdPair, ([a, b]) => {
      const namesA = allNames(a);
      const namesB = allNames(b);
      for (const kind of Object.keys(namesA)) {
        assert.notEqual(namesA[kind], namesB[kind], `${kind}: ${a} vs ${b}`);
      }
      // A Redis prefix must never be a prefix of another tenant's (`t1:` vs `t10:`).
      assert.ok(!redisKeyPrefix(b).startsWith(redisKeyPrefix(a)));
      assert.ok(!redisKeyPrefix(a).startsWith(redisKeyPrefix(b)));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("names: hyphen-to-underscore mapping is reversible (ids never hold underscores)", () => {
  fc.assert(
    fc.property(tenantIdArbitrary, (id) => {
      assert.equal(tenantIdFromName("snake", postgresDatabase(id)), id);
      assert.equal(tenantIdFromName("snake", qdrantCollection(id)), id);
      assert.equal(tenantIdFromName("kebab", minioBucket(id)), id);
      assert.equal(tenantIdFromName("kebab", redisUser(id)), id);
      assert.equal(tenantIdFromName("policy", minioPolicy(id)), id);
      assert.equal(tenantIdFromName("redis-prefix", redisKeyPrefix(id)), id);
    }),
  );
});

Deno.test("names: names that are not a tenant's yield no tenant id", () => {
  for (
    const name of ["postgres", "tenant_", "tenant-", "tenants_a", "bulkhead_registry", "other_acme"]
  ) {
    assert.equal(tenantIdFromName("snake", name), undefined, name);
    assert.equal(tenantIdFromName("kebab", name), undefined, name);
  }
});
