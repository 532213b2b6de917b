/**
 * Outcomes of probe attempts, classified strictly: "denied" only for the server's own
 * refusal of the very step under test (SQLSTATE 42501; 28P01 only when logging in as
 * another role is the attack; the server's warning that nothing was granted; rows that
 * row security hid while they demonstrably exist). A connection failure, a timeout, a
 * wrong password for the tenant's own credential, a failed setup step or any other
 * SQLSTATE is an "error", never a pass. Pure, so the rules are unit-tested.
 */
import type { Outcome } from "../../conformance/model.ts";
import type { Refusal } from "./probe_request.ts";

export const INSUFFICIENT_PRIVILEGE = "42501";
export const INVALID_PASSWORD = "28P01";
/** Warnings: "no privileges were granted", "no privileges could be revoked". */
export const PRIVILEGE_NOT_GRANTED = "01007";
export const PRIVILEGE_NOT_REVOKED = "01006";
/** The evidence code of a read or write whose victim rows row security hid. */
export const ROW_SECURITY = "row-security";

export interface Failure {
  /** SQLSTATE, or the client's code (ECONNREFUSED, CONNECT_TIMEOUT, …). */
  code?: string;
  message: string;
}

export interface Notice {
  code?: string;
  message: string;
}

export function failureOf(error: unknown): Failure {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { ...(typeof code === "string" && { code }), message };
}

export function describeFailure(failure: Failure): string {
  return failure.code ? `${failure.message} (${failure.code})` : failure.message;
}

/**
 * Connecting: to the tenant's own database any failure is an error (its credential or
 * the server is broken, which must never look like isolation); to another database only
 * 42501 is a refusal; logging in as another role, only 28P01.
 */
export function connectFailureOutcome(
  failure: Failure,
  target: "own" | "other" | "login",
  database: string,
): Outcome {
  const wanted = target === "login"
    ? INVALID_PASSWORD
    : target === "other"
    ? INSUFFICIENT_PRIVILEGE
    : undefined;
  if (wanted && failure.code === wanted) {
    return { kind: "denied", code: failure.code, message: failure.message };
  }
  const what = target === "own" ? "its own database" : `database ${database}`;
  return { kind: "error", message: `could not connect to ${what}: ${describeFailure(failure)}` };
}

/** The statement under test failed: a refusal only with one of `states`. */
export function statementFailureOutcome(
  failure: Failure,
  states: readonly string[] = [INSUFFICIENT_PRIVILEGE],
): Outcome {
  if (failure.code && states.includes(failure.code)) {
    return { kind: "denied", code: failure.code, message: failure.message };
  }
  return { kind: "error", message: `the server answered: ${describeFailure(failure)}` };
}

export interface StatementResult {
  command?: string;
  count?: number | null;
  rows: readonly Record<string, unknown>[];
}

function summary(result: StatementResult): string {
  const command = result.command ?? "statement";
  return `${command} succeeded (${result.count ?? result.rows.length} row(s))`;
}

/**
 * The statement under test succeeded: a leak, unless the refusal is a warning that
 * nothing was granted or revoked, or row security hid every row of the victim (which
 * holds `witnessRows` rows there, counted by its own session in the same attempt).
 * Never quotes returned values: they may be another tenant's data.
 */
export function statementSuccessOutcome(
  result: StatementResult,
  notices: readonly Notice[],
  refusal: Refusal,
  witnessRows?: number,
): Outcome {
  if (refusal.kind === "grant") {
    const refused = notices.find((n) =>
      (n.code === PRIVILEGE_NOT_GRANTED && /^no privileges were granted/.test(n.message)) ||
      (n.code === PRIVILEGE_NOT_REVOKED && /^no privileges could be revoked/.test(n.message))
    );
    if (refused) return { kind: "denied", code: refused.code!, message: refused.message };
    return { kind: "allowed", detail: summary(result) };
  }
  if (refusal.kind === "filtered") {
    if (witnessRows === undefined || witnessRows < 1) {
      return {
        kind: "error",
        message: `no row of ${refusal.role} in ${refusal.table} witnesses the filter`,
      };
    }
    const leaked = result.rows.filter((r) => r.tenant === refusal.role).length;
    if (leaked === 0) {
      return {
        kind: "denied",
        code: ROW_SECURITY,
        message: `${
          result.command ?? "statement"
        }: row security hid all ${witnessRows} row(s) of ${refusal.role} in ${refusal.table}`,
      };
    }
    return {
      kind: "allowed",
      detail: `${leaked} row(s) of ${refusal.role} in ${refusal.table} came back`,
    };
  }
  return { kind: "allowed", detail: summary(result) };
}

/** Items of a sweep and what became of each: denied only if every one was refused. */
export interface SweepItem {
  item: string;
  outcome: Outcome;
}

export function sweepOutcome(what: string, items: readonly SweepItem[]): Outcome {
  if (items.length === 0) {
    return { kind: "error", message: `${what}: nothing enumerated to attempt` };
  }
  const allowed = items.filter((i) => i.outcome.kind === "allowed");
  if (allowed.length > 0) {
    return {
      kind: "allowed",
      detail: `${what}: ${allowed.length} of ${items.length} allowed: ${
        allowed.slice(0, 5).map((i) => i.item).join(", ")
      }${allowed.length > 5 ? ", …" : ""}`,
    };
  }
  const errors = items.filter((i) => i.outcome.kind === "error");
  if (errors.length > 0) {
    const first = errors[0];
    return {
      kind: "error",
      message:
        `${what}: ${errors.length} of ${items.length} could not be decided; first: ${first.item}: ${
          first.outcome.kind === "error" ? first.outcome.message : ""
        }`,
    };
  }
  const codes = [
    ...new Set(items.map((i) => i.outcome.kind === "denied" ? i.outcome.code : "")),
  ].sort();
  const first = items[0].outcome;
  return {
    kind: "denied",
    code: codes.join(","),
    message: `${what}: all ${items.length} refused; first: ${items[0].item}: ${
      first.kind === "denied" ? first.message : ""
    }`,
  };
}

/** Removes every secret from a text bound for an outcome, a report or a log. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.replaceAll(secret, "(sensitive)");
  }
  return out;
}

export function scrubOutcome(outcome: Outcome, secrets: readonly string[]): Outcome {
  switch (outcome.kind) {
    case "denied":
      return { ...outcome, message: scrub(outcome.message, secrets) };
    case "error":
      return { ...outcome, message: scrub(outcome.message, secrets) };
    case "allowed":
      return outcome.detail ? { ...outcome, detail: scrub(outcome.detail, secrets) } : outcome;
  }
}
