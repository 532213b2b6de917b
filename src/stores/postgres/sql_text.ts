/**
 * Quoting for DDL, which takes no bind parameters. Names come from validated tenant ids
 * or from the server's own catalogs; both are quoted, never interpolated raw.
 */

function rejectNul(kind: string, text: string): void {
  if (text.includes("\0")) throw new Error(`${kind} contains a NUL character`);
}

/** `"name"` with embedded double quotes doubled: safe for any name without NUL. */
export function quoteIdent(name: string): string {
  rejectNul("identifier", name);
  if (name.length === 0) throw new Error("identifier is empty");
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `'text'` with quotes doubled; a text holding a backslash becomes an `E'…'` literal with
 * the backslash doubled, so it reads the same whatever standard_conforming_strings says.
 */
export function quoteLiteral(text: string): string {
  rejectNul("literal", text);
  const quoted = text.replaceAll("'", "''");
  return text.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/** A role name as a grantee: PUBLIC is the keyword, every other name is quoted. */
export function quoteGrantee(grantee: string): string {
  return grantee === "PUBLIC" ? "PUBLIC" : quoteIdent(grantee);
}
