/**
 * What an answer of Qdrant means for a probe, strictly. Derived from qdrant/qdrant
 * v1.19.0:
 * - the access control refuses with StorageError::Forbidden, HTTP 403, `Forbidden: …`
 *   (`lib/storage/src/rbac/mod.rs`), as a JSON envelope `{status: {error}}`
 *   (`src/actix/helpers.rs`) or as plain text from an extractor (`ActixAccessManage`);
 * - the authentication layer (`src/actix/auth.rs`, `src/common/auth/`) answers a token
 *   it does not accept with 401 (malformed, revoked: "stateful validation failed") or
 *   with a plain-text 403 (`InvalidSignature`, `ExpiredSignature`, a missing registry).
 *   A 403 is therefore NOT a denial by itself: a wrong credential gets one too;
 * - a handler that got past the access check and then failed on the object answers
 *   with its storage error, e.g. 404 `Not found: …`, 409 `Wrong input: … already exists`.
 * Anything else — a network failure, a timeout, a 5xx, a malformed request (400/422 from
 * the extractors, which run before the handler's access check) — is an error, never a
 * pass.
 */
import type { Outcome } from "../../conformance/model.ts";
import { serverMessage } from "./rest.ts";
import { valuesEqual } from "../../plan/diff.ts";
import type { AttributeValue } from "../store.ts";
import { decodeJwtClaims } from "./jwt.ts";
import { TOKEN_REGISTRY, tokenClaims } from "./token.ts";

/** The reasons Qdrant's access control gives (`Forbidden: ` stripped). */
const RBAC_REASONS: readonly RegExp[] = [
  /^Access to collection .* is required$/s,
  /^Global access is required$/,
  /^Global manage access is required$/,
  /^Manage access for this operation is required$/,
  /^Write access to collection .* is required$/s,
  /^Only points access is allowed for collection .*$/s,
];

export type Answer =
  /** 2xx */
  | { kind: "ok"; status: number }
  /** The access control refused a valid token. */
  | { kind: "refused"; status: 403; message: string }
  /** Past the access check, the object was missing or already there. */
  | { kind: "past-access"; status: number; message: string }
  /** The token itself was not accepted: broken, wrong key, expired or revoked. */
  | { kind: "credential"; status: number; message: string }
  | { kind: "unexpected"; status: number; message: string };

/** An HTTP answer (status and body text) → what it means. `secrets` are masked in messages. */
export function classifyAnswer(status: number, body: string, secrets: readonly string[]): Answer {
  if (status >= 200 && status < 300) return { kind: "ok", status };
  const message = serverMessage(body, secrets);
  if (status === 403) {
    const reason = /^Forbidden: (.*)$/s.exec(message)?.[1];
    if (reason !== undefined && RBAC_REASONS.some((r) => r.test(reason))) {
      return { kind: "refused", status, message };
    }
    // Not the access control's wording: an auth-layer refusal (bad signature, expired,
    // revoked with the registry gone), a configuration refusal (e.g. URL recovery) or a
    // locked storage (StorageError::Locked is a 403 too).
    return reason === undefined && !/^Storage locked: /.test(message)
      ? { kind: "credential", status, message }
      : { kind: "unexpected", status, message };
  }
  if (status === 401) return { kind: "credential", status, message };
  if (status === 404 && /^Not found: /.test(message)) {
    return { kind: "past-access", status, message };
  }
  if (status === 409 && /^Wrong input: /.test(message)) {
    return { kind: "past-access", status, message };
  }
  return { kind: "unexpected", status, message };
}

/** The outcome of an attempt that expects `expect`, from the answer it got. */
export function outcomeOf(answer: Answer, expect: "denied" | "allowed"): Outcome {
  switch (answer.kind) {
    case "ok":
      return { kind: "allowed", detail: `HTTP ${answer.status}` };
    case "refused":
      return { kind: "denied", code: "403 Forbidden", message: answer.message };
    case "past-access":
      // For an attack, reaching the object at all is the leak; for the tenant's own
      // workload, a missing object is a broken tenant, not a success.
      return expect === "denied"
        ? {
          kind: "allowed",
          detail: `HTTP ${answer.status} after the access check let it through: ${answer.message}`,
        }
        : { kind: "error", message: `HTTP ${answer.status}: ${answer.message}` };
    case "credential":
      return {
        kind: "error",
        message:
          `the token was not accepted (HTTP ${answer.status}: ${answer.message}): a broken, expired or revoked credential is never a denial`,
      };
    case "unexpected":
      return {
        kind: "error",
        message: `unexpected answer HTTP ${answer.status}: ${answer.message}`,
      };
  }
}

/** A request that never got an answer (refused connection, DNS, TLS, timeout). */
export function failureOutcome(error: unknown, timeoutMs: number): Outcome {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return { kind: "error", message: `no answer within ${timeoutMs} ms (timeout)` };
  }
  const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { kind: "error", message: `request failed: ${text}` };
}

/**
 * A listing's answer (QD-010): it passes when it names none of `foreign` (other
 * tenants' collections, the registry) — Qdrant filtering it by the token — or when the
 * listing is refused outright.
 */
export function listingOutcome(answer: Answer, body: string, foreign: readonly string[]): Outcome {
  if (answer.kind === "refused") return outcomeOf(answer, "denied");
  if (answer.kind !== "ok") return outcomeOf(answer, "allowed");
  const revealed = foreign.filter((name) => mentions(body, name));
  return revealed.length > 0
    ? { kind: "allowed", detail: `the listing names ${revealed.join(", ")}` }
    : {
      kind: "denied",
      code: "filtered",
      message: "the listing names no other tenant's collection (filtered by the token)",
    };
}

/** True when `name` occurs in `text` as a whole name (not as part of a longer one). */
export function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![A-Za-z0-9_-])${escaped}(?![A-Za-z0-9_-])`).test(text);
}

/**
 * The answer to retrieving the victim's marker through the attacker's own collection
 * name (QD-011): the marker in it means the name reaches the victim's collection.
 */
export function markerOutcome(
  answer: Answer,
  body: string,
  markerId: string,
  victim: string,
): Outcome {
  if (answer.kind !== "ok") {
    // The own collection must answer: anything else says nothing about isolation.
    const outcome = outcomeOf(answer, "allowed");
    return outcome.kind === "denied"
      ? { kind: "error", message: `the own collection was refused: ${outcome.message}` }
      : outcome;
  }
  let points: unknown;
  try {
    points = JSON.parse(body)?.result;
  } catch {
    return { kind: "error", message: "answer is not JSON" };
  }
  if (!Array.isArray(points)) return { kind: "error", message: "answer holds no point list" };
  const found = points.some((p) => String((p as { id?: unknown })?.id) === markerId);
  return found
    ? {
      kind: "allowed",
      detail: `the own collection name reaches tenant ${victim}'s collection (its marker point)`,
    }
    : {
      kind: "denied",
      code: "not-reachable",
      message: `none of tenant ${victim}'s points is reachable through the own collection name`,
    };
}

/**
 * QD-012: the recorded token's claims against the contract's. Reads the claims without
 * the server key (the probe holds tenant credentials only): whether the server accepts
 * the signature is what the controls show. Findings name what is broader, never the token.
 */
export function claimsOutcome(token: string, tenantId: string, tokenId: string): Outcome {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwtClaims(token);
  } catch {
    return { kind: "error", message: "the recorded token is not a decodable JWT" };
  }
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    return { kind: "error", message: "the recorded token's claims are not an object" };
  }
  const wanted = tokenClaims(tenantId, tokenId);
  if (valuesEqual(claims as Record<string, AttributeValue>, wanted)) {
    return {
      kind: "denied",
      code: "contract-claims",
      message: `collection-scoped rw on ${
        (wanted.access as { collection: string }[])[0].collection
      }, revocable through ${TOKEN_REGISTRY}`,
    };
  }
  return { kind: "allowed", detail: claimsFindings(claims, wanted).join("; ") };
}

/** What makes claims differ from the contract's, in words (no claim values that could be secret). */
export function claimsFindings(
  claims: Record<string, unknown>,
  wanted: Record<string, AttributeValue>,
): string[] {
  const findings: string[] = [];
  const access = claims.access;
  if (access === undefined) findings.push("no `access` claim: full manage rights");
  else if (typeof access === "string") findings.push(`global access "${access}"`);
  else if (!Array.isArray(access)) findings.push("`access` is not a list");
  else {
    const own = (wanted.access as { collection: string }[])[0].collection;
    for (const entry of access as { collection?: unknown; access?: unknown }[]) {
      if (entry?.collection !== own) {
        findings.push(`access to collection ${String(entry?.collection)}`);
      } else if (entry.access !== "rw") findings.push(`access "${String(entry.access)}" on ${own}`);
    }
    if (!access.some((e) => (e as { collection?: unknown })?.collection === own)) {
      findings.push(`no access to ${own}`);
    }
  }
  if (claims.value_exists === undefined) findings.push("no `value_exists`: cannot be revoked");
  else if (!valuesEqual(claims.value_exists as AttributeValue, wanted.value_exists)) {
    findings.push("`value_exists` differs from the tenant's registry record");
  }
  for (const key of Object.keys(claims)) {
    if (!(key in wanted)) findings.push(`extra claim \`${key}\``);
  }
  if (claims.subject !== wanted.subject) findings.push("`subject` is not the tenant's");
  return findings.length > 0 ? findings : ["claims differ from the contract's"];
}
