/**
 * The server's own command table, from `COMMAND INFO` and `COMMAND DOCS`, as plain data.
 * The command policy is derived from it, and ACL rules are evaluated against it, so
 * that Bulkhead decides from what the running server says rather than from memory.
 *
 * A "leaf" is what an ACL rule finally allows or denies: a command without
 * subcommands (`get`) or one subcommand of a container (`client|list`).
 */

export type BeginSearch =
  | { type: "index"; index: number }
  | { type: "keyword"; keyword: string; startfrom: number }
  | { type: "unknown" };

export type FindKeys =
  | { type: "range"; lastkey: number; keystep: number; limit: number }
  | { type: "keynum"; keynumidx: number; firstkey: number; keystep: number }
  | { type: "unknown" };

export interface KeySpec {
  /** As the server gives them, e.g. `RO`, `access`, `incomplete`, `not_key`. */
  flags: string[];
  beginSearch: BeginSearch;
  findKeys: FindKeys;
}

export interface ArgumentDoc {
  name: string;
  type: string;
  token?: string;
}

export interface CommandSpec {
  /** `get` or `client|list`. */
  id: string;
  name: string;
  subcommand?: string;
  /** Counts the command name (and the subcommand); negative means "at least". */
  arity: number;
  flags: string[];
  /** With the `@`, e.g. `@read`. */
  categories: string[];
  keySpecs: KeySpec[];
  /** From COMMAND DOCS: `generic`, `server`, `connection`, `cluster`, … */
  group?: string;
  summary?: string;
  /** Every argument, nested blocks flattened. */
  arguments: ArgumentDoc[];
}

export interface CommandTable {
  /** Leaves by id, sorted by id. */
  leaves: Map<string, CommandSpec>;
  /** Container name → its subcommand leaf ids. */
  containers: Map<string, string[]>;
}

type Reply = unknown;

/** A flat `[name, value, name, value…]` reply as an object. */
function pairs(reply: Reply): Record<string, Reply> {
  const out: Record<string, Reply> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

function strings(reply: Reply): string[] {
  return Array.isArray(reply) ? reply.map(String) : [];
}

function numberField(fields: Record<string, Reply>, name: string): number {
  return Number(fields[name] ?? 0);
}

function parseKeySpec(reply: Reply): KeySpec {
  const fields = pairs(reply);
  const begin = pairs(fields["begin_search"]);
  const beginSpec = pairs(begin["spec"]);
  const find = pairs(fields["find_keys"]);
  const findSpec = pairs(find["spec"]);
  let beginSearch: BeginSearch = { type: "unknown" };
  if (begin["type"] === "index") {
    beginSearch = { type: "index", index: numberField(beginSpec, "index") };
  } else if (begin["type"] === "keyword") {
    beginSearch = {
      type: "keyword",
      keyword: String(beginSpec["keyword"]),
      startfrom: numberField(beginSpec, "startfrom"),
    };
  }
  let findKeys: FindKeys = { type: "unknown" };
  if (find["type"] === "range") {
    findKeys = {
      type: "range",
      lastkey: numberField(findSpec, "lastkey"),
      keystep: numberField(findSpec, "keystep"),
      limit: numberField(findSpec, "limit"),
    };
  } else if (find["type"] === "keynum") {
    findKeys = {
      type: "keynum",
      keynumidx: numberField(findSpec, "keynumidx"),
      firstkey: numberField(findSpec, "firstkey"),
      keystep: numberField(findSpec, "keystep"),
    };
  }
  return { flags: strings(fields["flags"]), beginSearch, findKeys };
}

interface Docs {
  group?: string;
  summary?: string;
  arguments: ArgumentDoc[];
  subcommands: Map<string, Docs>;
}

function flattenArguments(reply: Reply): ArgumentDoc[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((entry) => {
    const fields = pairs(entry);
    const own: ArgumentDoc = {
      name: String(fields["name"]),
      type: String(fields["type"]),
      ...(fields["token"] !== undefined && { token: String(fields["token"]) }),
    };
    return [own, ...flattenArguments(fields["arguments"])];
  });
}

function parseDocs(reply: Reply): Map<string, Docs> {
  const out = new Map<string, Docs>();
  const fields = pairs(reply);
  for (const [name, value] of Object.entries(fields)) {
    const doc = pairs(value);
    out.set(name.toLowerCase(), {
      group: doc["group"] === undefined ? undefined : String(doc["group"]),
      summary: doc["summary"] === undefined ? undefined : String(doc["summary"]),
      arguments: flattenArguments(doc["arguments"]),
      subcommands: parseDocs(doc["subcommands"]),
    });
  }
  return out;
}

function parseInfoEntry(entry: Reply, docs: Docs | undefined): CommandSpec & { subs: Reply[] } {
  const [name, arity, flags, , , , categories, , keySpecs, subcommands] = Array.isArray(entry)
    ? entry
    : [];
  const id = String(name).toLowerCase();
  const [command, subcommand] = id.split("|");
  return {
    id,
    name: command,
    ...(subcommand !== undefined && { subcommand }),
    arity: Number(arity),
    flags: strings(flags).map((f) => f.toLowerCase()).sort(),
    categories: strings(categories).map((c) => c.toLowerCase()).sort(),
    keySpecs: Array.isArray(keySpecs) ? keySpecs.map(parseKeySpec) : [],
    ...(docs?.group !== undefined && { group: docs.group }),
    ...(docs?.summary !== undefined && { summary: docs.summary }),
    arguments: docs?.arguments ?? [],
    subs: Array.isArray(subcommands) ? subcommands : [],
  };
}

/** Builds the table from the raw replies of `COMMAND INFO` and `COMMAND DOCS` (RESP2). */
export function parseCommandTable(infoReply: Reply, docsReply: Reply): CommandTable {
  const docs = parseDocs(docsReply);
  const leaves: CommandSpec[] = [];
  const containers = new Map<string, string[]>();
  for (const entry of Array.isArray(infoReply) ? infoReply : []) {
    if (entry === null) continue;
    const { subs, ...spec } = parseInfoEntry(entry, docs.get(String(entry[0]).toLowerCase()));
    if (subs.length === 0) {
      leaves.push(spec);
      continue;
    }
    const children = subs.map((sub) => {
      const subName = String((sub as Reply[])[0]).toLowerCase();
      const { subs: _, ...child } = parseInfoEntry(
        sub,
        docs.get(spec.name)?.subcommands.get(subName),
      );
      return child;
    });
    leaves.push(...children);
    containers.set(spec.name, children.map((c) => c.id).sort());
  }
  leaves.sort((a, b) => a.id.localeCompare(b.id));
  return { leaves: new Map(leaves.map((l) => [l.id, l])), containers };
}

/** Leaf ids whose ACL categories include `category` (with the `@`). */
export function leavesInCategory(table: CommandTable, category: string): string[] {
  return [...table.leaves.values()].filter((l) => l.categories.includes(category)).map((l) => l.id);
}
