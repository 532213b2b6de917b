/**
 * PostgreSQL's part of the isolation contract, as data: the checks with stable ids
 * (PG-001 …), the positive controls (PG-C…), and the leaks no privilege closes (PG-R…).
 * spec/contract/postgres.md carries the same catalogue between generated markers
 * (contract_spec.ts renders it; contract_test.ts fails when the two differ).
 *
 * A check passes only when the server itself answers as `expected` says. How each
 * answer is told apart from a failure to connect or a wrong password is in
 * probe_outcome.ts; the attempts are in probe_attacks.ts.
 */
import type { AreaContract, ContractCheck, ResidualLeak } from "../../conformance/model.ts";

/** The sections of the spec's check tables. */
export type CheckGroup = "login" | "objects" | "roles" | "server" | "catalogs" | "control";

export interface PostgresCheck extends ContractCheck {
  kind: "isolation" | "control";
  group: CheckGroup;
  /** Store integration tests that also exercise it (`file "test name"`), beside the probes. */
  storeTests?: string;
  /**
   * Set when the conformance probes cannot attempt it with active tenants' credentials,
   * with the reason; such a check is proven by the store tests named in `storeTests`.
   */
  outsideProbes?: string;
  /** Set when the probes attempt it only where the server has what it needs. */
  onlyWhen?: string;
}

export interface PostgresResidualLeak extends ResidualLeak {
  /** The test that asserts the leak is still there (so the contract stays true). */
  test?: string;
}

const DENIED = "`42501` insufficient_privilege";

const checks: PostgresCheck[] = [
  // Connecting and logging in.
  {
    id: "PG-001",
    severity: "critical",
    group: "login",
    kind: "isolation",
    title: "Connect to another tenant's database",
    attempt:
      "connect with its own credential to the database of another tenant: a tenant database, or another tier's shared database; every one `pg_database` lists (fixed sweep, enumerated from the tenant's own session) and the victim's (random)",
    expected: `${DENIED}: permission denied for database`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-002",
    severity: "high",
    group: "login",
    kind: "isolation",
    title: "Connect to a database Bulkhead did not give it",
    attempt:
      "connect to `postgres`, `template1`, the registry and every other database `pg_database` lists that is neither a tenant's nor a shared one",
    expected: `${DENIED}: permission denied for database`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-003",
    severity: "high",
    group: "login",
    kind: "isolation",
    title: "Log in while suspended, or keep a session across suspension",
    attempt: "log in with a suspended or decommissioned tenant's recorded credential",
    expected: "`28000` not permitted to log in; open sessions are terminated",
    storeTests: `store_database_test "suspension"`,
    outsideProbes:
      "conformance runs with active tenants only: no suspended tenant's credential takes part",
  },
  {
    id: "PG-004",
    severity: "high",
    group: "login",
    kind: "isolation",
    title: "Log in as another role with any password but the recorded one",
    attempt:
      "log in as the victim's role, the admin role or a predefined role with guesses: its own password, empty, the role's name, common words, injection strings, random text",
    expected: "`28P01` invalid_password",
    storeTests: "store_database_test, store_drift_test",
  },
  {
    id: "PG-005",
    severity: "medium",
    group: "login",
    kind: "isolation",
    title: "Open more sessions than its connection limit",
    attempt: "open `limits.max_connections` + 1 sessions",
    expected: "`53300` too many connections for role",
    storeTests: `store_database_test "connection limit"`,
    outsideProbes:
      "an audit does not open a tenant's whole connection allowance on a production server",
  },
  // Other tenants' objects.
  {
    id: "PG-010",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "Read, write, create or alter in another tenant's schema",
    attempt:
      "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, LOCK, ALTER, DROP, COMMENT, CREATE INDEX on the victim's tables, views, sequences (nextval, setval, currval) and types; CREATE in its schema; look-ups through `regclass` and `to_regclass`; names spelled quoted, case-folded, with `U&` escapes and comments around the dot",
    expected:
      `${DENIED}: permission denied for schema (or for database, when the victim's objects live in a database it cannot connect to)`,
    storeTests: `store_schema_test "closed to the others"`,
  },
  {
    id: "PG-011",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "Call or alter another tenant's function or procedure",
    attempt:
      "SELECT f(), CALL p(), `regprocedure` look-up, ALTER/DROP FUNCTION, a column default or view calling it",
    expected: `${DENIED}: permission denied for schema (or database)`,
    storeTests: `store_schema_test "closed to the others"`,
  },
  {
    id: "PG-012",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "Read other tenants' rows of a shared table",
    attempt:
      "SELECT from every shared table with any WHERE, CTE, FOR UPDATE or session setting (`app.tenant`, `application_name`, `search_path`, `RESET ROLE`); a fixed sweep reads every shared table for rows of any other tenant",
    expected:
      "rows filtered: none of the victim's rows come back, while the victim's own session sees its row in the same attempt (evidence code `row-security`)",
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-013",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "Insert a row for another tenant, or move one of its own rows to another tenant",
    attempt:
      "INSERT with `tenant` = the victim (spelled as plain, `E''`, dollar-quoted and computed literals), INSERT … SELECT, UPDATE of its own row to the victim",
    expected: `${DENIED}: new row violates row-level security policy`,
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-014",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "Update or delete other tenants' rows",
    attempt: "UPDATE and DELETE … RETURNING on shared tables, aimed at the victim's rows",
    expected:
      "no row of the victim affected: RETURNING shows none of its rows (evidence code `row-security`)",
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-015",
    severity: "high",
    group: "objects",
    kind: "isolation",
    title: "Turn row security off for its session",
    attempt: "`SET row_security = off` (or SET LOCAL, or `set_config`), then query a shared table",
    expected: `${DENIED}: query would be affected by row-level security policy`,
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-016",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "TRUNCATE a shared table",
    attempt: "TRUNCATE [ONLY] a shared table [CASCADE | RESTART IDENTITY]",
    expected: `${DENIED}: permission denied for table`,
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-017",
    severity: "high",
    group: "objects",
    kind: "isolation",
    title: "A trigger, rule or foreign key on a shared table",
    attempt:
      "CREATE TRIGGER with its own function, CREATE RULE, a foreign key referencing the table",
    expected: `${DENIED}: permission denied for table / must be owner of relation`,
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-018",
    severity: "high",
    group: "objects",
    kind: "isolation",
    title: "Change a shared table's row security, policies or definition",
    attempt:
      "DISABLE / NO FORCE ROW LEVEL SECURITY; CREATE, ALTER, DROP POLICY; ALTER TABLE (owner, columns, defaults); DROP TABLE; REINDEX",
    expected: `${DENIED}: must be owner of table`,
    storeTests: `store_schema_test "session trick"`,
  },
  {
    id: "PG-019",
    severity: "medium",
    group: "objects",
    kind: "isolation",
    title: "Planner statistics of shared tables",
    attempt: "read `pg_statistic` and `pg_statistic_ext_data` (the tables behind `pg_stats`)",
    expected:
      `${DENIED}: permission denied for table (the \`pg_stats\` view shows no rows for tables under row security)`,
    storeTests: `store_schema_test "session trick" (pg_stats)`,
  },
  {
    id: "PG-037",
    severity: "critical",
    group: "objects",
    kind: "isolation",
    title: "Read, write, re-own or delete another tenant's large objects",
    attempt:
      "lo_get, lo_put, loread(lo_open(…)), lo_unlink, ALTER LARGE OBJECT … OWNER, GRANT on it, COMMENT on it, `pg_largeobject` rows of its OID",
    expected: `${DENIED}: permission denied for large object / must be owner of large object`,
  },
  // Roles and privileges.
  {
    id: "PG-020",
    severity: "critical",
    group: "roles",
    kind: "isolation",
    title: "Become another role",
    attempt:
      "SET [LOCAL] ROLE, SET [LOCAL] SESSION AUTHORIZATION, `set_config('role', …)` to the victim's role, the admin or any role `pg_roles` lists (fixed sweep over every role, enumerated from the tenant's own session)",
    expected: `${DENIED}: permission denied to set role / session authorization`,
    storeTests: "store_database_test, store_schema_test",
  },
  {
    id: "PG-021",
    severity: "critical",
    group: "roles",
    kind: "isolation",
    title: "Give itself more privileges",
    attempt:
      "ALTER ROLE CURRENT_USER SUPERUSER | CREATEDB | CREATEROLE | REPLICATION | BYPASSRLS | CONNECTION LIMIT | VALID UNTIL; CREATE ROLE, USER, DATABASE, SCHEMA; GRANT predefined roles or database privileges to itself; take ownership of its schema or database",
    expected: `${DENIED}, or a warning \`01007\` no privileges were granted`,
    storeTests: "store_database_test, store_schema_test",
  },
  {
    id: "PG-022",
    severity: "high",
    group: "roles",
    kind: "isolation",
    title: "Open its own schema, objects or database to another tenant",
    attempt:
      "GRANT its schema, its tables, functions or sequences, its database or its role to the victim; the victim then tries to use what was granted",
    expected:
      `nothing granted (${DENIED} or a warning \`01007\`), and the victim is still refused (${DENIED})`,
    storeTests: `store_schema_test "closed to the others"`,
  },
  {
    id: "PG-023",
    severity: "high",
    group: "roles",
    kind: "isolation",
    title: "Create objects in schema public",
    attempt:
      "CREATE TABLE, VIEW, FUNCTION, PROCEDURE, OPERATOR, TYPE, DOMAIN, SEQUENCE, COLLATION, AGGREGATE, TEXT SEARCH objects in `public` of its database (its own, or the shared one)",
    expected: `${DENIED}: permission denied for schema public`,
    storeTests: "store_database_test, store_schema_test",
  },
  {
    id: "PG-024",
    severity: "critical",
    group: "roles",
    kind: "isolation",
    title: "Alter, drop, grant or revoke on another tenant's role or database",
    attempt:
      "ALTER ROLE (attributes, password, settings, name), DROP ROLE, COMMENT ON ROLE, GRANT its role to itself, REVOKE from it, REASSIGN / DROP OWNED BY it, ALTER DEFAULT PRIVILEGES FOR it; ALTER / COMMENT ON / GRANT / REVOKE on its database; give its own objects to the victim (ALTER … OWNER TO)",
    expected: `${DENIED}, or a warning \`01007\` / \`01006\` (nothing granted or revoked)`,
  },
  {
    id: "PG-025",
    severity: "high",
    group: "roles",
    kind: "isolation",
    title: "Create objects that other tenants or the admin could run or inherit",
    attempt:
      "CREATE in `pg_catalog`, `information_schema`, `shared` and every other non-tenant schema of its database; casts and transforms on built-in types; event triggers; operator classes, access methods, text search parsers and templates; procedural languages; ALTER or DROP of installed extensions, built-in types and functions",
    expected: `${DENIED}: permission denied for schema / must be owner / must be superuser`,
  },
  {
    id: "PG-026",
    severity: "high",
    group: "roles",
    kind: "isolation",
    title: "Create or change cluster-wide objects",
    attempt:
      "CREATE TABLESPACE; ALTER / COMMENT ON tablespaces; CREATE PUBLICATION, SUBSCRIPTION, FOREIGN DATA WRAPPER; replication slots; LOAD a server library; ALTER / COMMENT ON databases Bulkhead did not give it",
    expected: `${DENIED}`,
  },
  // The server itself.
  {
    id: "PG-030",
    severity: "critical",
    group: "server",
    kind: "isolation",
    title: "Read, list or write server files",
    attempt:
      "every function `pg_proc` lists as closed to PUBLIC that reads, lists or writes files (`pg_read_file`, `pg_read_binary_file`, `pg_ls_*dir`, `pg_stat_file`, `lo_import`, `lo_export`, `pg_current_logfile` …) with path tricks (absolute, data-directory relative, `..`, doubled slashes, other databases' directories); COPY … FROM / TO a file",
    expected:
      `${DENIED}: permission denied for function / pg_read_server_files / pg_write_server_files`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-031",
    severity: "critical",
    group: "server",
    kind: "isolation",
    title: "Run a program on the server",
    attempt: "COPY … TO PROGRAM and COPY … FROM PROGRAM (harmless commands only)",
    expected: `${DENIED}: pg_execute_server_program`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-032",
    severity: "high",
    group: "server",
    kind: "isolation",
    title: "Terminate or cancel another tenant's session",
    attempt:
      "pg_terminate_backend and pg_cancel_backend on the pid of a live session of the victim",
    expected: `${DENIED}: must be a member of the role whose process is being terminated`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-033",
    severity: "high",
    group: "server",
    kind: "isolation",
    title: "Install extensions or code in untrusted languages",
    attempt:
      "CREATE EXTENSION for every available extension that is not installed (trusted or not, with SCHEMA and CASCADE); functions in every untrusted language `pg_language` lists (`c`, `internal`); CREATE LANGUAGE",
    expected: `${DENIED}: permission denied to create extension / for language`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-034",
    severity: "medium",
    group: "server",
    kind: "isolation",
    title: "Change server configuration",
    attempt:
      "ALTER SYSTEM for every parameter `pg_settings` lists (to its current value); SET, SET LOCAL and `set_config` of every superuser-only parameter; ALTER ROLE CURRENT_USER SET of one",
    expected: `${DENIED}: permission denied to set parameter`,
    storeTests: `store_database_test "reaches its own"`,
  },
  {
    id: "PG-039",
    severity: "critical",
    group: "server",
    kind: "isolation",
    title: "Reach other databases through dblink or postgres_fdw",
    attempt:
      "dblink, dblink_connect, dblink_exec and dblink_connect_u (from the schema the extension is in) to the victim's and every other database, as the victim, the admin or itself, without a password; CREATE SERVER … FOREIGN DATA WRAPPER postgres_fdw pointing at the victim's database",
    expected:
      "`2F003` password is required (dblink's own refusal of a non-superuser), or `42501` (schema, dblink_connect_u, the foreign-data wrapper)",
    onlyWhen: "dblink or postgres_fdw is installed in a shared database",
  },
  {
    id: "PG-036",
    severity: "high",
    group: "server",
    kind: "isolation",
    title: "Call server administration functions",
    attempt:
      "every other function `pg_proc` lists as closed to PUBLIC: backups, WAL, recovery, replication origins, statistics resets, configuration reload, log rotation, memory contexts of other sessions …; CHECKPOINT",
    expected: `${DENIED}: permission denied for function`,
  },
  // What the catalogs reveal, where the server closes it.
  {
    id: "PG-035",
    severity: "high",
    group: "catalogs",
    kind: "isolation",
    title: "Read catalogs the server closes to PUBLIC",
    attempt:
      "every relation of `pg_catalog` and `information_schema` whose ACL gives PUBLIC no SELECT: `pg_authid` and `pg_shadow` (password verifiers), `pg_user_mapping`, `pg_subscription`, configuration files' views, memory and shared-memory views …",
    expected: `${DENIED}: permission denied for table / view`,
  },
  {
    id: "PG-038",
    severity: "medium",
    group: "catalogs",
    kind: "isolation",
    title: "Sizes of databases and tablespaces it cannot connect to",
    attempt:
      "`pg_database_size` of other tenants' databases and every other database that accepts connections (by name and by OID), `pg_tablespace_size('pg_global')`",
    expected: `${DENIED}: permission denied for database / tablespace`,
  },
  // Positive controls: what a tenant's workload needs must work.
  {
    id: "PG-C01",
    severity: "high",
    group: "control",
    kind: "control",
    title: "Work in its own schema",
    attempt:
      "in its own database and schema: CREATE, INSERT, UPDATE, SELECT, DELETE, ALTER and DROP of tables, views, indexes, sequences, types and functions (SQL and PL/pgSQL), with names spelled with quoting tricks",
    expected: "allowed, and the values written are read back",
  },
  {
    id: "PG-C02",
    severity: "high",
    group: "control",
    kind: "control",
    title: "Temporary tables, session settings, notifications and advisory locks",
    attempt:
      "CREATE TEMP TABLE; SET search_path, work_mem, statement_timeout, application_name; LISTEN / NOTIFY; advisory locks",
    expected: "allowed",
  },
  {
    id: "PG-C03",
    severity: "medium",
    group: "control",
    kind: "control",
    title: "Its own large objects",
    attempt: "lo_from_bytea, lo_get, lo_put, lo_unlink",
    expected: "allowed, and the bytes written are read back",
  },
  {
    id: "PG-C04",
    severity: "high",
    group: "control",
    kind: "control",
    title: "Its own rows in shared tables",
    attempt: "schema isolation: INSERT a row of its own, read it back, UPDATE and DELETE it",
    expected: "allowed, and its row is read back",
  },
];

const residualLeaks: PostgresResidualLeak[] = [
  {
    id: "PG-R01",
    severity: "medium",
    title: "Names of every database and role",
    detail:
      "`pg_database` and `pg_roles` are readable by all: every tenant id on the server, and which roles hold which attributes",
    test: "store_residual_test PG-R01/R02",
  },
  {
    id: "PG-R02",
    severity: "medium",
    title: "Who is connected where, and how big things are",
    detail:
      "other sessions in `pg_stat_activity`: user, database, client address, start times (query text is hidden: `<insufficient privilege>`); per-database activity counters in `pg_stat_database`; `pg_tablespace_size('pg_default')`, the size of every database in the default tablespace; the size of `template0` (it keeps PUBLIC's CONNECT, which `pg_database_size` asks for, while refusing every connection)",
    test: "store_residual_test PG-R01/R02 (activity only)",
  },
  {
    id: "PG-R03",
    severity: "medium",
    title: "Schema isolation: other tenants' object names, definitions and sizes",
    detail:
      "the shared database's catalogs show other tenants' table and column names, function bodies (`pg_proc.prosrc`), row estimates and statistics counters (`pg_class.reltuples`, `pg_stat_user_tables`), sizes — never their data",
    test: "store_residual_test PG-R03",
  },
  {
    id: "PG-R04",
    severity: "medium",
    title: "Schema isolation: notifications and advisory locks are per database",
    detail:
      "tenants of one shared database can message each other's listeners (`NOTIFY`) and contend for the same advisory locks",
    test: "store_residual_test PG-R04 (NOTIFY)",
  },
  {
    id: "PG-R05",
    severity: "medium",
    title: "Shared tables: unique keys, estimates and sequences see every tenant's rows",
    detail:
      "a duplicate-key error (`23505`) reveals that another tenant holds a value (unique and referential checks bypass row security); `EXPLAIN` row estimates and shared sequences count every tenant's rows",
    test: "store_residual_test PG-R05 (unique key)",
  },
  {
    id: "PG-R06",
    severity: "medium",
    title: "Schema isolation: every large object's OID and owner",
    detail:
      "`pg_largeobject_metadata` lists every large object's OID and owner in the shared database (contents stay private: PG-037)",
    test: "store_residual_test PG-R06",
  },
  {
    id: "PG-R07",
    severity: "medium",
    title: "One server's resources",
    detail:
      "CPU, memory, I/O, WAL, temporary space and `max_connections` are shared; a tenant can slow the others, and the sum of connection limits may exceed `max_connections`",
  },
  {
    id: "PG-R08",
    severity: "medium",
    title: "Schema isolation: a tenant can lock a shared table against all others",
    detail:
      "LOCK TABLE … IN ACCESS EXCLUSIVE MODE needs only UPDATE or DELETE, which the workload needs on shared tables: one tenant can block every other tenant's queries on a shared table until its transaction ends (`lock_timeout` and `idle_in_transaction_session_timeout` bound it)",
    test: "store_residual_test PG-R08",
  },
  {
    id: "PG-R09",
    severity: "medium",
    title: "Schema isolation: a tenant can share its own large objects",
    detail:
      "large objects belong to no schema, so a tenant may GRANT its own large objects to another tenant (or PUBLIC) of the same shared database: a channel between compartments, like PG-R04 — never access to another tenant's objects",
    test: "store_residual_test PG-R09",
  },
];

export interface PostgresAreaContract extends AreaContract {
  checks: readonly PostgresCheck[];
  residualLeaks: readonly PostgresResidualLeak[];
}

export const postgresContract: PostgresAreaContract = {
  area: "postgres",
  summary:
    "A tenant's role reaches its own database (database isolation) or its own schema in its tier's shared database, with its own rows of the shared tables under forced row security (schema isolation), and nothing else: other databases, schemas, rows, roles, large objects, server files, programs and configuration are refused by the server itself.",
  checks,
  residualLeaks,
  details: "spec/contract/postgres.md",
};

/** Isolation checks the probes attempt (every one but those proven by store tests only). */
export function probedIsolationChecks(): string[] {
  return checks.filter((c) => c.kind === "isolation" && !c.outsideProbes).map((c) => c.id);
}

/** Checks the probes attempt only where the server has what they need (`onlyWhen`). */
export function conditionalChecks(): string[] {
  return checks.filter((c) => c.onlyWhen).map((c) => c.id);
}

export function controlChecks(): string[] {
  return checks.filter((c) => c.kind === "control").map((c) => c.id);
}
