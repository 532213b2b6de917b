import assert from "node:assert/strict";
import { utf8 } from "../../encoding.ts";
import { classifyAnswer, NAME_REFUSALS, unanswered } from "./outcome.ts";
import type { CallAnswer } from "./s3_call.ts";
import { RawHttpError } from "./raw_http.ts";

const answer = (status: number, code = "", body = ""): CallAnswer => ({
  status,
  code,
  message: code ? `${code} message` : "",
  body: utf8.encode(body),
  headers: new Headers(),
});
const rules = { refusals: ["AccessDenied"], afterAccess: ["NoSuchKey"] };

Deno.test("outcome: only the server's AccessDenied is a denial, with its code and message", () => {
  assert.deepEqual(classifyAnswer(answer(403, "AccessDenied"), rules), {
    kind: "denied",
    code: "AccessDenied",
    message: "AccessDenied message",
  });
});

Deno.test("outcome: wrong signatures, unknown keys and unlisted answers are errors, never passes", () => {
  for (
    const code of [
      "SignatureDoesNotMatch",
      "InvalidAccessKeyId",
      "InternalError",
      "XMinioInvalidResourceName",
    ]
  ) {
    const outcome = classifyAnswer(answer(code === "InternalError" ? 500 : 403, code), rules);
    assert.equal(outcome.kind, "error", code);
  }
  assert.equal(classifyAnswer(answer(400, "HTTP400"), rules).kind, "error");
});

Deno.test("outcome: success, and answers only an authorised caller gets, are 'allowed'", () => {
  assert.equal(classifyAnswer(answer(200), rules).kind, "allowed");
  assert.equal(classifyAnswer(answer(204), rules).kind, "allowed");
  const past = classifyAnswer(answer(404, "NoSuchKey"), rules);
  assert.equal(past.kind, "allowed");
  assert.match(
    past.kind === "allowed" ? past.detail ?? "" : "",
    /passed the access check, then answered NoSuchKey/,
  );
});

Deno.test("outcome: refusals of malformed names count only where the check lists them", () => {
  const tricks = { refusals: ["AccessDenied", ...NAME_REFUSALS], afterAccess: [] };
  assert.equal(classifyAnswer(answer(400, "XMinioInvalidResourceName"), tricks).kind, "denied");
  assert.equal(classifyAnswer(answer(400, "XMinioInvalidResourceName"), rules).kind, "error");
});

Deno.test("outcome: per-key errors inside a 200 (DeleteObjects) are read", () => {
  const body =
    "<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>";
  assert.equal(
    classifyAnswer(answer(200, "", body), { ...rules, inlineErrors: true }).kind,
    "denied",
  );
  assert.equal(
    classifyAnswer(
      answer(200, "", "<DeleteResult><Deleted><Key>k</Key></Deleted></DeleteResult>"),
      {
        ...rules,
        inlineErrors: true,
      },
    ).kind,
    "allowed",
  );
});

Deno.test("outcome: a stream held open is let through; no answer at all is an error", () => {
  assert.equal(classifyAnswer(answer(0), rules).kind, "allowed");
  const outcome = unanswered(new RawHttpError("no answer from 127.0.0.1:9 within 15000 ms"));
  assert.equal(outcome.kind, "error");
  assert.match(outcome.kind === "error" ? outcome.message : "", /no answer from the server/);
});
