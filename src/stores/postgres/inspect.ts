import postgres from "postgres";
import { endpointOf, ENV } from "../../config.ts";
import { describeConnectionFailure, type ServerReport } from "../inspect.ts";

/**
 * Opens an admin connection pool; callers end it. Never logs notices or the URL.
 * `onQuery` is told of every query sent (it is given nothing of the query: statements
 * may carry password verifiers). `fetchTypes: false` skips the driver's query for array
 * types on each new connection (array results then stay text).
 */
export function adminSql(
  url: string,
  options: { max?: number; database?: string; onQuery?: () => void; fetchTypes?: boolean } = {},
) {
  const onQuery = options.onQuery;
  return postgres(url, {
    max: options.max ?? 1,
    database: options.database,
    fetch_types: options.fetchTypes ?? true,
    connect_timeout: 10,
    idle_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "bulkhead" },
    ...(onQuery && { debug: () => onQuery() }),
  });
}

export async function inspectPostgres(url: string): Promise<ServerReport> {
  const report: ServerReport = {
    store: "postgres",
    endpoint: endpointOf(url),
    reachable: false,
    checks: [],
  };
  const sql = adminSql(url);
  try {
    const [row] = await sql<
      {
        version: string;
        num: string;
        rolsuper: boolean;
        rolcreatedb: boolean;
        rolcreaterole: boolean;
        user: string;
      }[]
    >`
      select current_setting('server_version') as version,
             current_setting('server_version_num') as num,
             r.rolsuper, r.rolcreatedb, r.rolcreaterole, current_user as user
        from pg_roles r where r.rolname = current_user`;
    report.reachable = true;
    report.version = row.version;
    report.checks.push({
      name: "version >= 13",
      ok: Number(row.num) >= 130000,
      detail: `PostgreSQL ${row.version}`,
    });
    report.checks.push({
      name: "admin can create databases and roles",
      ok: row.rolsuper || (row.rolcreatedb && row.rolcreaterole),
      detail: row.rolsuper
        ? `role ${row.user} is superuser`
        : `role ${row.user}: createdb=${row.rolcreatedb}, createrole=${row.rolcreaterole}`,
    });
  } catch (error) {
    report.error = describeConnectionFailure(
      "postgres",
      report.endpoint,
      error,
      `the user and password in ${ENV.postgresUrl}`,
    );
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  return report;
}
