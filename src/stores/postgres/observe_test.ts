import assert from "node:assert/strict";
import type { RawCluster, RawDatabaseContents } from "./catalog.ts";
import { clusterResources, databaseContentResources, defaultPrivilegeGrants } from "./observe.ts";

const row = (grantee: string, privilege: string, grantable = false) => ({
  grantee,
  privilege,
  grantable,
});

function cluster(): RawCluster {
  return {
    admin: "admin",
    databases: [
      {
        name: "postgres",
        owner: "admin",
        allow_connections: true,
        admin_can_connect: true,
        comment: null,
        acl: [row("PUBLIC", "CONNECT"), row("PUBLIC", "TEMPORARY"), row("admin", "CONNECT")],
      },
      {
        name: "template0",
        owner: "admin",
        allow_connections: false,
        admin_can_connect: false,
        comment: null,
        acl: [row("PUBLIC", "CONNECT")],
      },
      {
        name: "tenant_acme",
        owner: "admin",
        allow_connections: true,
        admin_can_connect: true,
        comment: "bulkhead:workspace=1",
        acl: [
          row("admin", "CREATE"),
          row("tenant_acme", "CONNECT"),
          row("tenant_acme", "TEMPORARY"),
          row("tenant_globex", "CONNECT"),
          row("reporting", "CONNECT"),
        ],
      },
      {
        name: "bulkhead_shared_standard",
        owner: "admin",
        allow_connections: true,
        admin_can_connect: true,
        comment: null,
        acl: [
          row("admin", "CONNECT"),
          row("tenant_globex", "CONNECT"),
          row("tenant_globex", "TEMPORARY"),
        ],
      },
      {
        name: "tenant_gone",
        owner: "admin",
        allow_connections: true,
        admin_can_connect: true,
        comment: null,
        acl: [],
      },
    ],
    roles: [
      {
        name: "tenant_acme",
        login: true,
        superuser: false,
        createdb: false,
        createrole: false,
        replication: false,
        bypassrls: false,
        connection_limit: 50,
        verifier: null,
        member_of: [],
        members: ["admin", "tenant_globex", "analyst"],
      },
      {
        name: "tenant_globex",
        login: false,
        superuser: false,
        createdb: true,
        createrole: false,
        replication: false,
        bypassrls: false,
        connection_limit: 10,
        verifier: null,
        member_of: ["tenant_acme", "pg_read_server_files"],
        members: [],
      },
    ],
    parameter_grants: [
      { parameter: "log_statement", ...row("tenant_acme", "SET") },
      { parameter: "log_statement", ...row("PUBLIC", "ALTER SYSTEM") },
    ],
  };
}

Deno.test("observe: each grant has one home; owners and tenant grantees leave database ACLs", () => {
  const resources = clusterResources(cluster(), new Map([["tenant_acme", "recorded"]]));
  const by = new Map(resources.map((r) => [r.address, r]));
  assert.deepEqual(by.get("postgres.database.tenant_acme")?.attributes, {
    owner: "admin",
    acl: ["reporting=CONNECT"],
    workspace: "1",
  });
  assert.equal(by.get("postgres.database.tenant_acme")?.tenant, "acme");
  assert.deepEqual(by.get("postgres.database.bulkhead_shared_standard")?.attributes, {
    owner: "admin",
    acl: [],
  });
  assert.equal(by.get("postgres.database.bulkhead_shared_standard")?.tenant, undefined);
  assert.deepEqual(by.get("postgres.grants.tenant_globex")?.attributes, {
    databases: ["bulkhead_shared_standard=CONNECT,TEMPORARY", "tenant_acme=CONNECT"],
  });
  assert.deepEqual(by.get("postgres.grants.tenant_globex")?.dependsOn, [
    "postgres.role.tenant_globex",
    "postgres.database.bulkhead_shared_standard",
    "postgres.database.tenant_acme",
  ]);
});

Deno.test("observe: an orphan database without the workspace marker", () => {
  const gone = clusterResources(cluster(), undefined).find((r) => r.name === "tenant_gone")!;
  assert.equal(gone.tenant, "gone");
  assert.equal(gone.attributes.workspace, null);
});

Deno.test("observe: roles report flags, sorted memberships, non-tenant members and credential", () => {
  const resources = clusterResources(cluster(), new Map([["tenant_acme", "recorded"]]));
  const acme = resources.find((r) => r.address === "postgres.role.tenant_acme")!;
  assert.deepEqual(acme.attributes.members, ["analyst"]);
  assert.equal(acme.attributes.credential, "recorded");
  const globex = resources.find((r) => r.address === "postgres.role.tenant_globex")!;
  assert.deepEqual(globex.attributes.member_of, ["pg_read_server_files", "tenant_acme"]);
  assert.equal(globex.attributes.createdb, true);
  assert.equal(globex.attributes.login, false);
  assert.equal("credential" in globex.attributes, false);
});

Deno.test("observe: cluster hardening lists other databases open to PUBLIC and parameter grants", () => {
  const hardening = clusterResources(cluster(), undefined)
    .find((r) => r.address === "postgres.cluster.hardening")!;
  assert.deepEqual(hardening.attributes, {
    public_databases: ["postgres: PUBLIC=CONNECT,TEMPORARY"],
    parameter_grants: ["log_statement: PUBLIC=ALTER SYSTEM", "log_statement: tenant_acme=SET"],
  });
});

function contents(): RawDatabaseContents {
  return {
    schemas: [
      {
        name: "public",
        owner: "pg_database_owner",
        acl: [row("pg_database_owner", "USAGE"), row("PUBLIC", "USAGE")],
      },
      { name: "shared", owner: "admin", acl: [row("admin", "USAGE"), row("PUBLIC", "USAGE")] },
      {
        name: "tenant_globex",
        owner: "admin",
        acl: [row("admin", "USAGE"), row("tenant_globex", "USAGE"), row("tenant_globex", "CREATE")],
      },
      { name: "not_a_tenant", owner: "admin", acl: [] },
    ],
    default_privileges: [
      { role: "tenant_globex", schema: null, type: "f", acl: [row("tenant_globex", "EXECUTE")] },
      {
        role: "tenant_globex",
        schema: null,
        type: "T",
        acl: [row("tenant_globex", "USAGE"), row("PUBLIC", "USAGE")],
      },
      {
        role: "tenant_globex",
        schema: "tenant_globex",
        type: "r",
        acl: [row("tenant_acme", "SELECT")],
      },
      { role: "tenant_other", schema: null, type: "f", acl: [row("PUBLIC", "EXECUTE")] },
    ],
    relations: [],
    functions: [],
  };
}

Deno.test("observe: default privileges handed to others, per type and schema", () => {
  assert.deepEqual(defaultPrivilegeGrants(contents(), "tenant_globex"), [
    "tables in tenant_globex: tenant_acme=SELECT",
    "types: PUBLIC=USAGE",
  ]);
});

Deno.test("observe: schemas of a shared database, owner left out of their ACLs", () => {
  const resources = databaseContentResources("bulkhead_shared_standard", contents());
  assert.deepEqual(resources.map((r) => r.address), [
    "postgres.schema.bulkhead_shared_standard.public",
    "postgres.schema.bulkhead_shared_standard.shared",
    "postgres.schema.bulkhead_shared_standard.tenant_globex",
  ]);
  assert.deepEqual(resources[0].attributes, { owner: "pg_database_owner", acl: ["PUBLIC=USAGE"] });
  assert.deepEqual(resources[1].attributes, {
    owner: "admin",
    acl: ["PUBLIC=USAGE"],
    table_findings: [],
  });
  assert.equal(resources[2].tenant, "globex");
  assert.deepEqual(resources[2].attributes.acl, ["tenant_globex=CREATE,USAGE"]);
});
