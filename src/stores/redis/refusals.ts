/**
 * What the server's replies to a probe mean, strictly. An attempt is "denied" only when
 * the server itself refused it with one of the refusals named here; anything unexpected
 * (a syntax error, a closed connection, a reply of the wrong shape) is an error, which
 * never passes a check.
 *
 * Attacks are never executed: they are sent inside MULTI (the server checks ACLs when it
 * queues a command, answering NOPERM or QUEUED) and the transaction is discarded; the
 * few commands that cannot be queued (SAVE, SYNC, PSYNC, SHUTDOWN, WATCH) are sent on a
 * connection in RESP2 subscribed mode, where the server checks ACLs first and then
 * refuses to run them in that context. Proven on Redis 7.0.15 (probes_test.ts); a
 * server that orders its checks differently answers with something else, which is an
 * error, never a pass.
 */
import type { Outcome } from "../../conformance/model.ts";
import { RespError, type RespReply } from "./resp.ts";

/** ACL denial (keys, channels or command); the wording after the code differs by version. */
const NOPERM = /^NOPERM\b/;
/**
 * DEBUG and MODULE LOAD/UNLOAD are refused by `enable-debug-command` and
 * `enable-module-command` (default `no`) before the ACL is consulted: the server's own
 * refusal, whatever the ACL says.
 */
const PROTECTED =
  /^ERR (DEBUG|MODULE) command not allowed\. If the enable-(debug|module)-command option/;
/** The ACL let a queued command through; MULTI queued it and nothing ran. */
const QUEUED = "QUEUED";
/** RESP2 subscribed context: only checked after the ACL let the command through. */
const NOT_IN_SUBSCRIBED_CONTEXT = /^ERR Can't execute '[^']*': only \(P\|S\)SUBSCRIBE/;

export type Refusal = "acl" | "protected" | "no_auth" | "wrong_pass";

function denied(error: RespError): Outcome {
  return { kind: "denied", code: error.code, message: error.message };
}

function unexpected(what: string, reply: RespReply): Outcome {
  return { kind: "error", message: `${what}: ${describeReply(reply)}` };
}

/** A reply as short text for evidence: errors as their message, values abbreviated. */
export function describeReply(reply: RespReply): string {
  if (reply instanceof RespError) return reply.message;
  const text = JSON.stringify(reply) ?? String(reply);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Is `reply` one of the refusals that count as the server's denial here? */
export function isRefusal(reply: RespReply, accepted: readonly Refusal[]): reply is RespError {
  if (!(reply instanceof RespError)) return false;
  const message = reply.message;
  return (accepted.includes("acl") && NOPERM.test(message)) ||
    (accepted.includes("protected") && PROTECTED.test(message)) ||
    (accepted.includes("no_auth") && /^NOAUTH\b/.test(message)) ||
    (accepted.includes("wrong_pass") && /^WRONGPASS\b/.test(message));
}

/**
 * The reply to a command queued after MULTI. `anonymous`: the connection has not
 * logged in, so NOAUTH is the server's refusal too.
 */
export function queuedOutcome(reply: RespReply, anonymous = false): Outcome {
  if (reply === QUEUED) {
    return {
      kind: "allowed",
      detail: "QUEUED: the server's ACL let it through (discarded, never executed)",
    };
  }
  const refusals: Refusal[] = anonymous ? ["acl", "protected", "no_auth"] : ["acl", "protected"];
  if (isRefusal(reply, refusals)) return denied(reply);
  return unexpected("unexpected reply in a transaction", reply);
}

/** The reply to a command sent on a connection in RESP2 subscribed mode. */
export function subscribedOutcome(reply: RespReply): Outcome {
  if (reply instanceof RespError && NOT_IN_SUBSCRIBED_CONTEXT.test(reply.message)) {
    return {
      kind: "allowed",
      detail: "the server's ACL let it through (refused only by the subscribed context)",
    };
  }
  if (isRefusal(reply, ["acl", "protected"])) return denied(reply);
  return unexpected("unexpected reply in subscribed mode", reply);
}

/** The reply to AUTH or HELLO … AUTH with another user's name: WRONGPASS is the refusal. */
export function loginOutcome(reply: RespReply): Outcome {
  if (isRefusal(reply, ["wrong_pass"])) return denied(reply);
  if (reply instanceof RespError) return unexpected("unexpected reply to the login", reply);
  return { kind: "allowed", detail: "logged in" };
}

/**
 * The replies to commands run for real (positive controls): allowed only when every
 * reply is the one expected; a NOPERM is a denial, anything else an error.
 */
export function executedOutcome(
  argvs: readonly (readonly string[])[],
  replies: readonly RespReply[],
  expected: readonly (RespReply | undefined)[],
): Outcome {
  for (let i = 0; i < argvs.length; i++) {
    const reply = replies[i];
    const command = argvs[i][0];
    if (isRefusal(reply, ["acl"])) return denied(reply);
    if (reply instanceof RespError) return unexpected(`${command} failed`, reply);
    const want = expected[i];
    if (want !== undefined && JSON.stringify(reply) !== JSON.stringify(want)) {
      return unexpected(`${command} answered ${describeReply(reply)}, expected`, want);
    }
  }
  return { kind: "allowed", detail: `${argvs.length} command(s) ran as expected` };
}
