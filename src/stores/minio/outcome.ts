/**
 * How a probe reads MinIO's answer. Only the server's own refusal is a denial; an answer
 * the server gives after its access check let the request through (a success, or an
 * error such as NoSuchKey that only an authorised caller gets) is "allowed"; anything
 * else — a wrong signature, an unknown key, a timeout, a connection failure, an answer
 * nobody expected — is an error, never a pass.
 */
import type { Outcome } from "../../conformance/model.ts";
import { type CallAnswer, inlineErrorCodes } from "./s3_call.ts";

/** The server's refusal of a request it authenticated but does not authorise. */
export const ACCESS_DENIED = "AccessDenied";

/**
 * Refusals of a malformed resource name, made before any access check (path tricks):
 * the request never reaches a bucket, so no tenant's data is at stake.
 */
export const NAME_REFUSALS = [
  "XMinioInvalidResourceName",
  "XMinioInvalidObjectName",
  "InvalidBucketName",
  "AllAccessDisabled",
] as const;

export interface AnswerRules {
  /** Codes that count as the store's own refusal (always including AccessDenied). */
  refusals: readonly string[];
  /** Codes the server answers only once its access check has let the request through. */
  afterAccess: readonly string[];
  /** Per-key errors come inside a 200 answer (DeleteObjects): read them. */
  inlineErrors?: boolean;
}

export function classifyAnswer(answer: CallAnswer, rules: AnswerRules): Outcome {
  let { status, code, message } = answer;
  if (status === 0) {
    return {
      kind: "allowed",
      detail: "the server held the event stream open instead of refusing it",
    };
  }
  if (status < 300 || status === 304) {
    const inline = rules.inlineErrors ? inlineErrorCodes(answer.body) : [];
    if (inline.length === 0) return { kind: "allowed", detail: `HTTP ${status}` };
    code = inline[0];
    message = `reported inside HTTP ${status} for the key`;
  }
  if (rules.refusals.includes(code) || code === ACCESS_DENIED) {
    return { kind: "denied", code, message };
  }
  if (rules.afterAccess.includes(code)) {
    return {
      kind: "allowed",
      detail: `passed the access check, then answered ${code} (HTTP ${status}): ${message}`,
    };
  }
  return {
    kind: "error",
    message: `unexpected answer ${code || "(no code)"} (HTTP ${status}): ${message}`.slice(0, 300),
  };
}

/** A request that got no answer from the server: an error of the run, never a denial. */
export function unanswered(error: unknown): Outcome {
  return {
    kind: "error",
    message: `no answer from the server: ${
      error instanceof Error ? error.message.split("\n")[0] : String(error)
    }`,
  };
}
