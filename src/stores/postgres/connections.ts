/**
 * The admin's connections: one pool to the admin URL's database, and pools to the
 * other databases apply and observe must work inside (shared databases, a tenant
 * database while its workspace is laid out). Also the serialisation of catalog
 * updates that concurrent applies would otherwise race on.
 */
import type { Sql, TransactionSql } from "postgres";
import { endpointOf } from "../../config.ts";
import { serverError } from "./errors.ts";
import { adminSql } from "./inspect.ts";

/**
 * Advisory lock (two-int form) held while a database's ACL changes: concurrent GRANTs
 * on one pg_database row fail with "tuple concurrently updated". Advisory locks are per
 * database, so it is always taken on the admin pool.
 */
const DATABASE_ACL_LOCK = [0x62756c6b, 1] as const;

export class PostgresConnections {
  readonly admin: Sql;
  private readonly pools = new Map<string, Sql>();
  /** Queries sent on every pool, as the driver counts them: observe's round trips. */
  queriesSent = 0;
  private readonly counted = () => {
    this.queriesSent++;
  };

  constructor(private readonly url: string, poolSize = 8) {
    this.admin = adminSql(url, { max: poolSize, onQuery: this.counted, fetchTypes: false });
  }

  /** The admin's login role, from the URL (desired state needs it before any connection). */
  static adminRoleOf(url: string): string {
    const user = decodeURIComponent(new URL(url).username);
    if (!user) {
      throw new Error("the PostgreSQL admin URL must name its user (postgres://user:…@host/db)");
    }
    return user;
  }

  private serverInfo?: Promise<{ superuser: boolean; versionNum: number }>;

  /**
   * Superuser status and version, asked once per store (one query when it first
   * connects); what observe reads and apply may do depends on them.
   */
  server(): Promise<{ superuser: boolean; versionNum: number }> {
    this.serverInfo ??= (async () => {
      let row: { superuser: string; version: string };
      try {
        [row] = await this.admin<{ superuser: string; version: string }[]>`
          select current_setting('is_superuser') as superuser,
                 current_setting('server_version_num') as version`;
      } catch (error) {
        throw serverError(`postgres at ${endpointOf(this.url)}: connect as admin`, error);
      }
      return { superuser: row.superuser === "on", versionNum: Number(row.version) };
    })();
    this.serverInfo.catch(() => this.serverInfo = undefined);
    return this.serverInfo;
  }

  /** A pooled admin connection to another database of the cluster. */
  database(name: string): Sql {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = adminSql(this.url, {
        max: 4,
        database: name,
        onQuery: this.counted,
        fetchTypes: false,
      });
      this.pools.set(name, pool);
    }
    return pool;
  }

  /** Ends the pool of a database (before it is dropped, or after a one-off setup). */
  async release(name: string): Promise<void> {
    const pool = this.pools.get(name);
    this.pools.delete(name);
    await pool?.end({ timeout: 5 });
  }

  /** Runs `work` in an admin transaction that holds the database-ACL lock. */
  async withDatabaseAclLock<T>(work: (tx: TransactionSql) => Promise<T>): Promise<T> {
    return await this.admin.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${DATABASE_ACL_LOCK[0]}, ${DATABASE_ACL_LOCK[1]})`;
      return await work(tx);
    }) as T;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all([this.admin, ...pools].map((p) => p.end({ timeout: 5 })));
  }
}
