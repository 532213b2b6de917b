/**
 * Server errors turned into messages with context. The driver attaches the statement
 * text to its errors (a password verifier, for ALTER ROLE … PASSWORD), so a server
 * error is never passed on as is: only its message, detail and SQLSTATE are kept, with
 * any secret scrubbed out.
 */

export interface ServerErrorFields {
  code?: string;
  message?: string;
  detail?: string;
}

export function sqlState(error: unknown): string | undefined {
  return (error as ServerErrorFields | undefined)?.code;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.replaceAll(secret, "(sensitive)");
  return out;
}

/** `<what>: <server message> (SQLSTATE x): <detail>`, without the statement or any secret. */
export function serverError(what: string, error: unknown, secrets: readonly string[] = []): Error {
  const fields = (error ?? {}) as ServerErrorFields;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  const state = fields.code && /^[0-9A-Z]{5}$/.test(fields.code)
    ? ` (SQLSTATE ${fields.code})`
    : "";
  const detail = fields.detail ? `: ${fields.detail}` : "";
  const wrapped = new Error(scrub(`${what}: ${message}${state}${detail}`, secrets));
  if (fields.code) Object.assign(wrapped, { code: fields.code });
  return wrapped;
}
