import assert from "node:assert/strict";
import { executedOutcome, loginOutcome, queuedOutcome, subscribedOutcome } from "./refusals.ts";
import { RespError } from "./resp.ts";

const error = (message: string) => new RespError(message);
const DEBUG_REFUSED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

Deno.test("refusals: in a transaction, NOPERM and the protected-command refusal are denials, QUEUED is allowed", () => {
  assert.deepEqual(queuedOutcome(error("NOPERM this user has no permissions to run 'keys'")), {
    kind: "denied",
    code: "NOPERM",
    message: "NOPERM this user has no permissions to run 'keys'",
  });
  assert.equal(queuedOutcome(error(DEBUG_REFUSED)).kind, "denied");
  assert.equal(queuedOutcome("QUEUED").kind, "allowed");
});

Deno.test("refusals: anything unexpected is an error, never a denial", () => {
  for (
    const reply of [
      error("ERR wrong number of arguments for 'get' command"),
      error("ERR Command not allowed inside a transaction"),
      error("ERR unknown command 'NOSUCH'"),
      error("WRONGTYPE Operation against a key holding the wrong kind of value"),
      error("NOAUTH Authentication required."),
      error("ERR CONFIG SET failed - can't set protected config"),
      error("LOADING Redis is loading the dataset in memory"),
      "OK",
      null,
      1,
      ["subscribe", "x", 1],
    ]
  ) {
    assert.equal(queuedOutcome(reply).kind, "error", JSON.stringify(reply));
    assert.equal(subscribedOutcome(reply).kind, "error", JSON.stringify(reply));
  }
});

Deno.test("refusals: NOAUTH is the refusal only on a connection that never logged in", () => {
  assert.equal(queuedOutcome(error("NOAUTH Authentication required."), true).kind, "denied");
  assert.equal(queuedOutcome(error("NOAUTH Authentication required."), false).kind, "error");
});

Deno.test("refusals: in subscribed mode, the context refusal means the ACL let the command through", () => {
  const through = subscribedOutcome(
    error(
      "ERR Can't execute 'save': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    ),
  );
  assert.equal(through.kind, "allowed");
  assert.equal(subscribedOutcome(error("NOPERM this user has no permissions")).kind, "denied");
});

Deno.test("refusals: a login as another user is refused only by WRONGPASS", () => {
  assert.equal(
    loginOutcome(error("WRONGPASS invalid username-password pair or user is disabled.")).kind,
    "denied",
  );
  assert.equal(loginOutcome("OK").kind, "allowed");
  assert.equal(loginOutcome(["server", "redis"]).kind, "allowed");
  assert.equal(
    loginOutcome(error("ERR AUTH <password> called without any password")).kind,
    "error",
  );
  assert.equal(loginOutcome(error("NOPERM x")).kind, "error");
});

Deno.test("refusals: controls run for real pass only with the replies expected", () => {
  const argvs = [["SET", "k", "v"], ["GET", "k"], ["DEL", "k"]];
  assert.equal(executedOutcome(argvs, ["OK", "v", 1], ["OK", "v", 1]).kind, "allowed");
  assert.equal(executedOutcome(argvs, ["OK", "w", 1], ["OK", "v", 1]).kind, "error");
  assert.equal(
    executedOutcome(argvs, [error("NOPERM no"), "v", 1], ["OK", "v", 1]).kind,
    "denied",
  );
  assert.equal(
    executedOutcome(argvs, ["OK", error("OOM command not allowed"), 1], ["OK", "v", 1]).kind,
    "error",
  );
  assert.equal(executedOutcome([["PUBLISH", "c", "m"]], [0], [undefined]).kind, "allowed");
});
