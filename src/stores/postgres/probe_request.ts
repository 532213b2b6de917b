/**
 * What a PostgreSQL probe attempt executes: plain JSON, so that an attempt can be
 * printed, stored in a report and replayed; never a secret (a password guess that is the
 * attacker's own is the marker `{ kind: "own" }`, resolved when the attempt runs).
 *
 * SQL may name values known only when the attempt runs, as placeholders resolved from
 * the fixtures the probe made with each tenant's own credential: `{{victim.pid}}` (a live
 * session of the victim), `{{victim.lo}}` (its large object), `{{own.lo}}`,
 * `{{own.pid}}`, `{{own.oid}}` (the OID of the attacker's fixture table).
 */
import type { PasswordGuess } from "./probe_names.ts";

/** How the server's refusal shows. */
export type Refusal =
  /**
   * An error with SQLSTATE 42501 (insufficient_privilege), or one of `states` where an
   * extension refuses with its own (dblink: 2F003, a password is required).
   */
  | { kind: "error"; states?: string[] }
  /** 42501, or the warning that nothing was granted (01007) or revoked (01006). */
  | { kind: "grant" }
  /**
   * The statement succeeds and row security hides the victim's rows: no returned row
   * has `tenant` = `role`. Counted only while the victim's own session sees its row of
   * `table` (a fixture) in the same attempt.
   */
  | { kind: "filtered"; role: string; table: string };

export interface ConnectRequest {
  kind: "connect";
  database: string;
  /** Log in as another role with a guessed password (PG-004); otherwise as the tenant. */
  login?: { role: string; password: PasswordGuess };
}

export interface StatementRequest {
  kind: "statement";
  database: string;
  /** The tenant whose fixtures the SQL names through `{{victim.…}}`. */
  victim?: string;
  /** Statements that must succeed first (session tricks, objects of its own). */
  setup: string[];
  statement: string;
  /** Inside a transaction that is always rolled back, so that a leak changes nothing. */
  transaction: boolean;
  refusal: Refusal;
  /** After an allowed statement that cannot run in a transaction: what undoes it. */
  undo?: string[];
}

/** The attacker grants something of its own to the victim, then the victim tries it. */
export interface HandoffRequest {
  kind: "handoff";
  database: string;
  victim: string;
  grant: string;
  /** Always run afterwards, as the attacker. */
  undo: string[];
  /** Run as the victim in `database` (the attacker's): must be refused. */
  victimStatement: string;
}

/** A positive control: every statement must succeed, in a transaction rolled back. */
export interface WorkloadRequest {
  kind: "workload";
  database: string;
  statements: string[];
  /** The first column of the first row of statement `statement` must read `value`. */
  check: { statement: number; value: string };
}

export type SweepKind =
  | "tenant-databases"
  | "other-databases"
  | "roles"
  | "closed-catalogs"
  | "statistics"
  | "large-object-contents"
  | "file-functions"
  | "admin-functions"
  | "shared-rows";

/**
 * A fixed attempt over a whole enumeration, read from the tenant's own session when it
 * runs: passes only when the server refuses every item.
 */
export interface SweepRequest {
  kind: "sweep";
  sweep: SweepKind;
  /** shared-rows: tenants whose fixture rows must stay hidden (they witness the filter). */
  witnesses?: string[];
}

export type PostgresRequest =
  | ConnectRequest
  | StatementRequest
  | HandoffRequest
  | WorkloadRequest
  | SweepRequest;

/** The placeholders an SQL text names, e.g. `victim.pid`. */
export function placeholdersOf(sql: string): string[] {
  return [
    ...new Set(
      [...sql.matchAll(/\{\{(victim|own)\.(pid|lo|oid)\}\}/g)].map((m) => `${m[1]}.${m[2]}`),
    ),
  ];
}

/** Replaces placeholders with values; an unknown one is an error (never silently kept). */
export function resolvePlaceholders(sql: string, values: Record<string, string>): string {
  return sql.replaceAll(/\{\{(victim|own)\.(pid|lo|oid)\}\}/g, (_, who, what) => {
    const value = values[`${who}.${what}`];
    if (value === undefined) throw new Error(`no value for {{${who}.${what}}}`);
    return value;
  });
}
