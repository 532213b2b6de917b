import assert from "node:assert/strict";
import {
  POLICY_EXPRESSION,
  POLICY_NAME,
  sharedFindings,
  type SharedRelation,
  sharedRepairSql,
  SharedTableError,
} from "./shared_tables.ts";

const own = (privilege: string) => ({ grantee: "admin", privilege, grantable: false });
const pub = (privilege: string) => ({ grantee: "PUBLIC", privilege, grantable: false });

function conformingTable(name = "orders"): SharedRelation {
  return {
    name,
    kind: "r",
    owner: "admin",
    rowSecurity: true,
    forceRowSecurity: true,
    hasTenantColumn: true,
    securityInvoker: false,
    acl: [own("SELECT"), own("TRUNCATE"), ...["DELETE", "INSERT", "SELECT", "UPDATE"].map(pub)],
    columnAcl: [],
    policies: [{
      name: POLICY_NAME,
      permissive: true,
      roles: ["PUBLIC"],
      command: "*",
      using: POLICY_EXPRESSION,
      check: POLICY_EXPRESSION,
    }],
  };
}

Deno.test("shared tables: a conforming table has no findings and needs no repair", () => {
  assert.deepEqual(sharedFindings([conformingTable()], []), []);
  assert.deepEqual(sharedRepairSql([conformingTable()], []), []);
});

Deno.test("shared tables: a bare table lists every problem and gets every repair", () => {
  const bare: SharedRelation = {
    ...conformingTable(),
    rowSecurity: false,
    forceRowSecurity: false,
    acl: [own("SELECT")],
    policies: [],
  };
  assert.deepEqual(sharedFindings([bare], []), [
    "orders: PUBLIC lacks DELETE,INSERT,SELECT,UPDATE",
    "orders: no policy bulkhead_tenant_isolation",
    "orders: row security disabled",
    "orders: row security not forced",
  ]);
  assert.deepEqual(sharedRepairSql([bare], []), [
    'ALTER TABLE "shared"."orders" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "shared"."orders" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "bulkhead_tenant_isolation" ON "shared"."orders" AS PERMISSIVE FOR ALL TO PUBLIC USING (tenant = CURRENT_USER) WITH CHECK (tenant = CURRENT_USER)',
    'GRANT DELETE, INSERT, SELECT, UPDATE ON TABLE "shared"."orders" TO PUBLIC',
  ]);
});

Deno.test("shared tables: widening grants, extra permissive policies and altered policy are found", () => {
  const t = conformingTable();
  t.acl.push(pub("TRUNCATE"), { grantee: "tenant_b", privilege: "SELECT", grantable: false });
  t.policies[0] = { ...t.policies[0], using: "true" };
  t.policies.push({
    name: "see_all",
    permissive: true,
    roles: ["PUBLIC"],
    command: "r",
    using: "true",
    check: null,
  });
  t.policies.push({
    name: "narrow",
    permissive: false,
    roles: ["PUBLIC"],
    command: "*",
    using: "(v > 0)",
    check: null,
  });
  t.columnAcl.push({ column: "id", acl: [pub("REFERENCES")] });
  assert.deepEqual(sharedFindings([t], []), [
    "orders: column id: grant PUBLIC=REFERENCES",
    "orders: extra permissive policy see_all",
    "orders: grant PUBLIC=DELETE,INSERT,SELECT,TRUNCATE,UPDATE",
    "orders: grant tenant_b=SELECT",
    "orders: policy bulkhead_tenant_isolation altered",
  ]);
  assert.deepEqual(sharedRepairSql([t], []), [
    'DROP POLICY "see_all" ON "shared"."orders"',
    'DROP POLICY "bulkhead_tenant_isolation" ON "shared"."orders"',
    'CREATE POLICY "bulkhead_tenant_isolation" ON "shared"."orders" AS PERMISSIVE FOR ALL TO PUBLIC USING (tenant = CURRENT_USER) WITH CHECK (tenant = CURRENT_USER)',
    'REVOKE ALL ON TABLE "shared"."orders" FROM PUBLIC CASCADE',
    'REVOKE ALL ON TABLE "shared"."orders" FROM "tenant_b" CASCADE',
    'GRANT DELETE, INSERT, SELECT, UPDATE ON TABLE "shared"."orders" TO PUBLIC',
    'REVOKE ALL ("id") ON TABLE "shared"."orders" FROM PUBLIC CASCADE',
  ]);
});

Deno.test("shared tables: a table without the tenant column cannot be repaired automatically", () => {
  const t = { ...conformingTable("legacy"), hasTenantColumn: false };
  assert.deepEqual(sharedFindings([t], []), ["legacy: no column tenant of type text"]);
  assert.throws(() => sharedRepairSql([t], []), SharedTableError);
  assert.throws(() => sharedRepairSql([t], []), /shared\.legacy has no column tenant/);
});

Deno.test("shared tables: views, materialized views and definer functions reachable by tenants", () => {
  const view: SharedRelation = {
    ...conformingTable("v_orders"),
    kind: "v",
    policies: [],
    acl: [pub("SELECT")],
  };
  const invoker: SharedRelation = { ...view, name: "v_ok", securityInvoker: true };
  const matview: SharedRelation = { ...view, name: "m_orders", kind: "m" };
  const hidden: SharedRelation = { ...view, name: "m_admin", kind: "m", acl: [own("SELECT")] };
  const definer = {
    signature: "shared.leak()",
    securityDefiner: true,
    acl: [{ grantee: "PUBLIC", privilege: "EXECUTE", grantable: false }],
  };
  const invokerFn = { ...definer, signature: "shared.fine()", securityDefiner: false };
  assert.deepEqual(sharedFindings([view, invoker, matview, hidden], [definer, invokerFn]), [
    "m_orders: materialized view (no row security) readable by tenants",
    "shared.leak(): SECURITY DEFINER function executable by tenants",
    "v_orders: view without security_invoker readable by tenants",
  ]);
  assert.deepEqual(sharedRepairSql([view, invoker, matview, hidden], [definer, invokerFn]), [
    'ALTER VIEW "shared"."v_orders" SET (security_invoker = true)',
    'REVOKE ALL ON TABLE "shared"."m_orders" FROM PUBLIC CASCADE',
    "REVOKE ALL ON FUNCTION shared.leak() FROM PUBLIC CASCADE",
  ]);
});

Deno.test("shared tables: a table owned by a tenant role is handed back to the admin", () => {
  const t = { ...conformingTable(), owner: "tenant_a" };
  assert.deepEqual(sharedFindings([t], []), ["orders: owned by tenant role tenant_a"]);
  assert.deepEqual(sharedRepairSql([t], []), [
    'ALTER TABLE "shared"."orders" OWNER TO CURRENT_USER',
  ]);
});
