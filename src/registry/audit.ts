/**
 * The per-tenant audit chain: every event carries the hash of the previous event of the
 * same tenant, and its own hash over its content and that link. Editing, deleting or
 * reordering a row breaks the chain at that row; `audit_heads` (the last seq and hash of
 * each chain) also catches a chain cut short at its end.
 */
import { sha256Hex } from "../encoding.ts";

/** prev_hash of the first event of a chain. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * The chain of control-plane events that belong to no tenant (the apply lock). Its name
 * is a reserved tenant id, so it can never be a tenant's chain.
 */
export const SYSTEM_AUDIT_CHAIN = "bulkhead";

export type AuditDetails = Record<string, unknown>;

export interface AuditEventInput {
  tenant: string;
  actor: string;
  type: string;
  details: AuditDetails;
}

export interface AuditEvent extends AuditEventInput {
  seq: number;
  at: Date;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  tenant: string;
  seq: number;
  hash: string;
}

export interface ChainBreak {
  tenant: string;
  /** The first event that does not verify (or the first missing one). */
  seq: number;
  problem: string;
}

/** JSON with object keys sorted at every level, so the same content always hashes alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value as Record<string, unknown>).sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

export function auditHash(event: Omit<AuditEvent, "hash">): Promise<string> {
  return sha256Hex(canonicalJson([
    event.tenant,
    event.seq,
    event.at.toISOString(),
    event.actor,
    event.type,
    event.details,
    event.prevHash,
  ]));
}

// Defence in depth: details are written by code, but a credential must never become part
// of an append-only log that cannot be cleaned.
const SECRET_KEY =
  /(^|[_-])(password|passwd|secret|secret_key|token|api_key|apikey|private_key|identity)$/i;

/** Details as stored: plain JSON, checked to hold no secret-looking field or value. */
export function auditDetails(details: AuditDetails): AuditDetails {
  const plain = JSON.parse(JSON.stringify(details ?? {})) as AuditDetails;
  const check = (value: unknown, path: string) => {
    if (typeof value === "string" && /AGE-SECRET-KEY-|ENC\[AES256_GCM/.test(value)) {
      throw new Error(`audit details must not hold key material (at ${path})`);
    }
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (!Array.isArray(value) && SECRET_KEY.test(k)) {
          throw new Error(`audit details must not hold secrets: field "${path}${k}" is refused`);
        }
        check(v, `${path}${k}.`);
      }
    }
  };
  check(plain, "");
  return plain;
}

/**
 * Checks one tenant's events (ordered by seq) against each other and the chain head.
 * Returns the first broken link, or undefined when the chain is whole.
 */
export async function verifyChain(
  events: readonly AuditEvent[],
  head: ChainHead | undefined,
): Promise<ChainBreak | undefined> {
  const tenant = events[0]?.tenant ?? head?.tenant ?? "";
  let previous = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const expected = i + 1;
    if (event.seq !== expected) {
      return {
        tenant,
        seq: expected,
        problem:
          `event ${expected} is missing (deleted); the chain continues at event ${event.seq}`,
      };
    }
    if (await auditHash(event) !== event.hash) {
      return {
        tenant,
        seq: event.seq,
        problem:
          `event ${event.seq} (${event.type}) was modified: its content does not match its hash`,
      };
    }
    if (event.prevHash !== previous) {
      return {
        tenant,
        seq: event.seq,
        problem: `event ${event.seq} does not link to ${
          i === 0 ? "the start of the chain" : `event ${i}`
        }: prev_hash differs (an event before it was rewritten or removed)`,
      };
    }
    previous = event.hash;
  }
  const last = events.at(-1);
  if (!head && last) {
    return {
      tenant,
      seq: last.seq,
      problem: "the chain head was removed (audit_heads has no row)",
    };
  }
  if (head && (head.seq !== (last?.seq ?? 0) || head.hash !== (last?.hash ?? GENESIS_HASH))) {
    const seq = (last?.seq ?? 0) + 1;
    return head.seq > (last?.seq ?? 0)
      ? {
        tenant,
        seq,
        problem: `events ${seq}..${head.seq} are missing: the chain was cut short`,
      }
      : {
        tenant,
        seq: last?.seq ?? 0,
        problem: `the last event (${last?.seq}) does not match the recorded chain head`,
      };
  }
  return undefined;
}
