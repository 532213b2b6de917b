import assert from "node:assert/strict";
import {
  aclDelta,
  aclEntries,
  formatAcl,
  isTenantRoleName,
  parseEntry,
  setPrivilegesSql,
} from "./acl.ts";

Deno.test("acl: rows merge per grantee, sorted, grant option marked and winning", () => {
  const rows = [
    { grantee: "tenant_b", privilege: "TEMPORARY", grantable: false },
    { grantee: "PUBLIC", privilege: "CONNECT", grantable: false },
    { grantee: "tenant_b", privilege: "CONNECT", grantable: false },
    { grantee: "tenant_b", privilege: "CONNECT", grantable: true },
  ];
  assert.deepEqual(formatAcl(rows), ["PUBLIC=CONNECT", "tenant_b=CONNECT*,TEMPORARY"]);
  assert.deepEqual(formatAcl([...rows].reverse()), formatAcl(rows));
});

Deno.test("acl: odd role names are quoted and parse back", () => {
  const acl = formatAcl([{ grantee: 'We"ird=,x', privilege: "USAGE", grantable: false }]);
  assert.deepEqual(acl, ['"We""ird=,x"=USAGE']);
  assert.deepEqual(parseEntry(acl[0]), { grantee: 'We"ird=,x', privileges: ["USAGE"] });
  assert.deepEqual(parseEntry("PUBLIC=ALTER SYSTEM,SET"), {
    grantee: "PUBLIC",
    privileges: ["ALTER SYSTEM", "SET"],
  });
  assert.throws(() => parseEntry("no-equals-sign"), /not an ACL entry/);
});

Deno.test("acl: delta names only grantees whose privileges differ, with what they should have", () => {
  const live = ["PUBLIC=CONNECT,TEMPORARY", "tenant_a=CONNECT,TEMPORARY", "tenant_b=CONNECT"];
  const desired = ["tenant_a=CONNECT,TEMPORARY", "tenant_c=CONNECT"];
  assert.deepEqual(aclDelta(live, desired), [
    { grantee: "PUBLIC", privileges: [] },
    { grantee: "tenant_b", privileges: [] },
    { grantee: "tenant_c", privileges: ["CONNECT"] },
  ]);
  assert.deepEqual(aclDelta(desired, desired), []);
});

Deno.test("acl: statements revoke with CASCADE, then grant plain and grantable separately", () => {
  assert.deepEqual(setPrivilegesSql('DATABASE "d"', { grantee: "PUBLIC", privileges: [] }), [
    'REVOKE ALL ON DATABASE "d" FROM PUBLIC CASCADE',
  ]);
  assert.deepEqual(
    setPrivilegesSql('SCHEMA "s"', { grantee: "tenant_a", privileges: ["CREATE", "USAGE*"] }),
    [
      'REVOKE ALL ON SCHEMA "s" FROM "tenant_a" CASCADE',
      'GRANT CREATE ON SCHEMA "s" TO "tenant_a"',
      'GRANT USAGE ON SCHEMA "s" TO "tenant_a" WITH GRANT OPTION',
    ],
  );
});

Deno.test("acl: tenant role names are recognised by the tenant naming rule", () => {
  assert.equal(isTenantRoleName("tenant_acme"), true);
  assert.equal(isTenantRoleName("tenant_umbrella_labs"), true);
  assert.equal(isTenantRoleName("tenant_"), false);
  assert.equal(isTenantRoleName("bulkhead_admin"), false);
  assert.equal(aclEntries([]).length, 0);
});
