/**
 * ACL users as the server reports them (`ACL LIST`), parsed into plain data, and the
 * command rules evaluated against the command table into the set of commands the user
 * may really run. The server rewrites rule text (7.0 describes a user through
 * categories with exceptions, 7.2 keeps the rules as given), so users are compared by
 * what their rules allow, never by their text.
 */
import type { CommandTable } from "./command_table.ts";

export interface AclUser {
  name: string;
  enabled: boolean;
  nopass: boolean;
  /** SHA-256 hex of each password, as the server stores them. Never leaves this module's callers' memory. */
  passwordHashes: string[];
  /** Sorted, as the server prints them: `~p`, `%R~p`, `%W~p` (`allkeys` = `~*`). */
  keys: string[];
  /** Sorted, `&p` (`allchannels` = `&*`). */
  channels: string[];
  /** Command rules in order, e.g. `-@all`, `+get`, `+client|id`. */
  commandRules: string[];
  /** Raw text of each selector, without the parentheses. */
  selectors: string[];
  /** Other flags (`sanitize-payload`, …) and tokens this parser does not know. */
  otherFlags: string[];
}

/** Splits a rule line on spaces, keeping each `( … )` selector as one token. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let depth = 0;
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth = Math.max(0, depth - 1);
    if (ch === " " && depth === 0) {
      if (current) tokens.push(current);
      current = "";
    } else current += ch;
  }
  if (current) tokens.push(current);
  return tokens;
}

const KEY_PATTERN = /^(%(R|W|RW)~|~)/;

/** Applies rule tokens in order, as ACL SETUSER does, to an empty user. */
export function applyRules(name: string, tokens: string[]): AclUser {
  const user: AclUser = {
    name,
    enabled: false,
    nopass: false,
    passwordHashes: [],
    keys: [],
    channels: [],
    commandRules: [],
    selectors: [],
    otherFlags: [],
  };
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (lower === "on") user.enabled = true;
    else if (lower === "off") user.enabled = false;
    else if (lower === "nopass") {
      user.nopass = true;
      user.passwordHashes = [];
    } else if (lower === "resetpass") {
      user.nopass = false;
      user.passwordHashes = [];
    } else if (token.startsWith("#")) {
      user.nopass = false;
      user.passwordHashes.push(token.slice(1).toLowerCase());
    } else if (lower === "allkeys") user.keys.push("~*");
    else if (lower === "resetkeys") user.keys = [];
    else if (KEY_PATTERN.test(token)) user.keys.push(token.replace(/^%RW~/, "~"));
    else if (lower === "allchannels") user.channels.push("&*");
    else if (lower === "resetchannels") user.channels = [];
    else if (token.startsWith("&")) user.channels.push(token);
    else if (lower === "allcommands") user.commandRules.push("+@all");
    else if (lower === "nocommands") user.commandRules.push("-@all");
    else if (token.startsWith("+") || token.startsWith("-")) user.commandRules.push(lower);
    else if (token.startsWith("(") && token.endsWith(")")) {
      user.selectors.push(token.slice(1, -1).trim());
    } else if (lower === "clearselectors") user.selectors = [];
    else user.otherFlags.push(lower);
  }
  user.passwordHashes = [...new Set(user.passwordHashes)].sort();
  user.keys = [...new Set(user.keys)].sort();
  user.channels = [...new Set(user.channels)].sort();
  user.selectors.sort();
  user.otherFlags = [...new Set(user.otherFlags)].sort();
  return user;
}

/** One line of `ACL LIST`: `user <name> <rules…>`; undefined for anything else. */
export function parseAclListLine(line: string): AclUser | undefined {
  const tokens = tokenize(line.trim());
  if (tokens[0] !== "user" || tokens.length < 2) return undefined;
  return applyRules(tokens[1], tokens.slice(2));
}

/**
 * The leaf commands the rules allow, evaluated in order against the table. A
 * `+cmd|arg` rule on a command without subcommands (first-argument rule, 7.0) allows
 * the pseudo-leaf `cmd|arg`, so it shows as a difference rather than vanishing.
 * Commands flagged `no_auth` (AUTH, HELLO, QUIT, RESET) skip the ACL check on the
 * server: they are allowed whatever the rules say.
 */
export function allowedCommands(rules: readonly string[], table: CommandTable): string[] {
  const allowed = new Set<string>();
  const firstArgs = new Set<string>();
  const all = [...table.leaves.keys()];
  const leavesOf = (name: string): string[] =>
    table.containers.get(name) ?? (table.leaves.has(name) ? [name] : []);
  for (const rule of rules) {
    const add = rule.startsWith("+");
    const body = rule.slice(1).toLowerCase();
    let targets: string[];
    if (body === "@all") targets = all;
    else if (body.startsWith("@")) {
      targets = all.filter((id) => table.leaves.get(id)!.categories.includes(body));
    } else if (body.includes("|")) {
      const [name] = body.split("|");
      if (table.containers.has(name)) targets = table.leaves.has(body) ? [body] : [];
      else {
        if (add) firstArgs.add(body);
        else firstArgs.delete(body);
        continue;
      }
    } else {
      targets = leavesOf(body);
      for (const f of [...firstArgs]) if (f.startsWith(`${body}|`)) firstArgs.delete(f);
    }
    if (body === "@all") firstArgs.clear();
    for (const id of targets) add ? allowed.add(id) : allowed.delete(id);
  }
  for (const [id, command] of table.leaves) if (command.flags.includes("no_auth")) allowed.add(id);
  return [...allowed, ...firstArgs].sort();
}

/** Sorted elements of `a` not in `b`. */
export function difference(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x)).sort();
}
