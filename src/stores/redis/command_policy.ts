/**
 * The least-privilege command set of a tenant's ACL user, derived from the server's
 * own command table by an explicit, ordered rule set. The first rule that matches a
 * command decides it; a command that no allow rule vouches for is denied.
 *
 * The goal: no allowed command lets a tenant read, enumerate or change another
 * tenant's data or state that other tenants depend on. Key patterns (`~prefix*`)
 * constrain only the key arguments the server can find through key specs, and channel
 * patterns only channel arguments, so a command is allowed only when all it touches is
 * such an argument, or when it touches nothing beyond the caller's own connection.
 */
import type { CommandSpec, CommandTable } from "./command_table.ts";

export type Verdict = "allow" | "deny";

export interface CommandRule {
  /** Stable, used in the contract and in tests. */
  id: string;
  verdict: Verdict;
  title: string;
  /** Why, in one or two sentences: goes into spec/contract/redis.md. */
  reason: string;
  matches(command: CommandSpec): boolean;
}

/** Commands whose channel arguments the server checks against the user's channel patterns. */
export const CHANNEL_CHECKED = ["psubscribe", "publish", "spublish", "ssubscribe", "subscribe"];

/** Commands that end the caller's own subscriptions only. */
export const OWN_SUBSCRIPTIONS = ["punsubscribe", "sunsubscribe", "unsubscribe"];

/**
 * Reviewed: commands without key or channel arguments that act on the caller's own
 * connection only, or answer with data that is the same for every caller.
 */
export const CONNECTION_LOCAL = [
  "acl|whoami",
  "auth",
  "client|getname",
  "client|id",
  "client|info",
  "client|reply",
  "client|setname",
  "discard",
  "echo",
  "exec",
  "hello",
  "multi",
  "ping",
  "quit",
  "reset",
  "time",
  "unwatch",
];

/** Reviewed: static server metadata, identical for every user and naming no tenant. */
export const STATIC_METADATA = [
  "acl|cat",
  "command|count",
  "command|docs",
  "command|getkeys",
  "command|getkeysandflags",
  "command|info",
  "command|list",
];

/**
 * Reviewed: client-side caching. `CLIENT TRACKING … BCAST` delivers invalidation
 * messages for keys of every prefix (the server does not check BCAST prefixes against
 * key patterns: proven on 7.0.15), and REDIRECT sends them to other connections.
 */
export const CLIENT_SIDE_CACHING = [
  "client|caching",
  "client|getredir",
  "client|tracking",
  "client|trackinginfo",
];

/** Argument names (COMMAND DOCS) that select another logical database. */
const DATABASE_ARGUMENTS = new Set(["db", "destination-db"]);

function hasKeySpecs(c: CommandSpec): boolean {
  return c.keySpecs.some((k) => !k.flags.includes("not_key"));
}

function keySpecsIncomplete(c: CommandSpec): boolean {
  return c.keySpecs.some((k) =>
    k.beginSearch.type === "unknown" || k.findKeys.type === "unknown" ||
    k.flags.includes("incomplete")
  );
}

function namesDatabase(c: CommandSpec): boolean {
  if (c.arguments.some((a) => DATABASE_ARGUMENTS.has(a.name))) return true;
  // SELECT index, SWAPDB index1 index2: integer arguments of commands without keys.
  return !hasKeySpecs(c) &&
    c.arguments.some((a) => a.type === "integer" && /^index\d?$/.test(a.name));
}

export const COMMAND_RULES: readonly CommandRule[] = [
  {
    id: "help",
    verdict: "deny",
    title: "HELP subcommands",
    reason: "Documentation only; no workload needs it, so least privilege leaves it out.",
    matches: (c) => c.subcommand === "help",
  },
  {
    id: "scripting",
    verdict: "deny",
    title: "Scripts and functions",
    reason:
      "The script cache and function libraries are shared by every user: SCRIPT FLUSH/KILL and FUNCTION FLUSH/DELETE/RESTORE change them for all tenants, FUNCTION LIST/DUMP and SCRIPT EXISTS reveal other tenants' code, and a long script blocks the whole server. Tenants use MULTI/EXEC for atomicity.",
    matches: (c) => c.categories.includes("@scripting"),
  },
  {
    id: "cluster",
    verdict: "deny",
    title: "Cluster commands",
    reason:
      "Cluster topology and slot commands: CLUSTER GETKEYSINSLOT and COUNTKEYSINSLOT enumerate every tenant's keys, the rest reveal or change the topology all tenants share.",
    matches: (c) => c.group === "cluster",
  },
  {
    id: "keyspace-wide",
    verdict: "deny",
    title: "Whole-keyspace commands",
    reason:
      "Keyspace commands without key arguments act on every tenant's keys at once (KEYS, SCAN and RANDOMKEY enumerate them, DBSIZE counts them, FLUSHDB/FLUSHALL/SWAPDB destroy or swap them); key patterns cannot constrain them.",
    matches: (c) => c.categories.includes("@keyspace") && !hasKeySpecs(c),
  },
  {
    id: "other-databases",
    verdict: "deny",
    title: "Other logical databases",
    reason:
      "Key patterns ignore the database number, so the ACL cannot confine a tenant to one database; Bulkhead keeps every tenant in database 0, where its audits look. SELECT, MOVE, COPY … DB, SWAPDB and MIGRATE name another database.",
    matches: namesDatabase,
  },
  {
    id: "unchecked-keys",
    verdict: "deny",
    title: "Key arguments the ACL cannot check",
    reason:
      "Key specs marked unknown or incomplete (SORT BY/GET patterns, MIGRATE KEYS) mean the server cannot check every key the command touches against the key patterns.",
    matches: keySpecsIncomplete,
  },
  {
    id: "client-side-caching",
    verdict: "deny",
    title: "Client-side caching",
    reason:
      "CLIENT TRACKING in BCAST mode delivers invalidation messages naming other tenants' keys (the server does not check BCAST prefixes against key patterns), and REDIRECT sends messages to other connections.",
    matches: (c) => CLIENT_SIDE_CACHING.includes(c.id),
  },
  {
    id: "pubsub-introspection",
    verdict: "deny",
    title: "Pub/sub introspection",
    reason:
      "PUBSUB CHANNELS, NUMSUB, NUMPAT and the SHARD variants list or count every tenant's channels and subscribers; the server does not filter them by channel patterns.",
    matches: (c) =>
      c.categories.includes("@pubsub") && !CHANNEL_CHECKED.includes(c.id) &&
      !OWN_SUBSCRIPTIONS.includes(c.id),
  },
  {
    id: "administration",
    verdict: "deny",
    title: "Administration and dangerous commands",
    reason:
      "Commands the server flags `admin` or files under @admin/@dangerous: configuration, ACLs, persistence, replication, modules, debugging, other clients' connections (CLIENT LIST/KILL/PAUSE), server introspection (INFO, SLOWLOG, LATENCY, MONITOR, ROLE, LASTSAVE) and RESTORE of crafted payloads. Each reads or changes state every tenant shares.",
    matches: (c) =>
      c.flags.includes("admin") || c.categories.includes("@admin") ||
      c.categories.includes("@dangerous"),
  },
  {
    id: "channel-scoped",
    verdict: "allow",
    title: "Channel-scoped pub/sub",
    reason:
      "The server checks every channel (and every PSUBSCRIBE pattern, literally) against the user's channel patterns.",
    matches: (c) => CHANNEL_CHECKED.includes(c.id),
  },
  {
    id: "own-subscriptions",
    verdict: "allow",
    title: "Ending own subscriptions",
    reason: "They end the caller's own subscriptions and touch no one else's.",
    matches: (c) => OWN_SUBSCRIPTIONS.includes(c.id),
  },
  {
    id: "key-scoped",
    verdict: "allow",
    title: "Key-scoped data commands",
    reason:
      "Every key the command touches is found through complete key specs, so the server checks each one against the user's key patterns (`~tenant:<id>:*`).",
    matches: hasKeySpecs,
  },
  {
    id: "connection",
    verdict: "allow",
    title: "The caller's own connection",
    reason:
      "Reviewed: authentication, protocol and transaction state, the connection's own name, id and info, and constant answers (PING, ECHO, TIME). None reads or changes another connection or server-wide state.",
    matches: (c) => CONNECTION_LOCAL.includes(c.id),
  },
  {
    id: "static-metadata",
    verdict: "allow",
    title: "Static server metadata",
    reason:
      "Reviewed: the server's command table and ACL categories, the same for every user; they name no tenant.",
    matches: (c) => STATIC_METADATA.includes(c.id),
  },
  {
    id: "server-wide",
    verdict: "deny",
    title: "Other commands without key or channel arguments",
    reason:
      "Denied by default: without key or channel arguments nothing confines them to the tenant, and they are not reviewed as connection-local. MEMORY STATS/DOCTOR/MALLOC-STATS reveal server-wide usage, MEMORY PURGE changes it, WAIT reveals the replica count; no workload needs the rest (LOLWUT, ACL GENPASS).",
    matches: () => true,
  },
];

export interface CommandDecision {
  id: string;
  verdict: Verdict;
  rule: string;
}

export interface CommandPolicy {
  /** Allowed leaf ids, sorted: the tenant user's allowlist. */
  allowed: string[];
  /** Every leaf of the table with the rule that decided it, sorted by id. */
  decisions: CommandDecision[];
}

export function decideCommand(
  command: CommandSpec,
  rules: readonly CommandRule[] = COMMAND_RULES,
): CommandDecision {
  const rule = rules.find((r) => r.matches(command));
  if (!rule) return { id: command.id, verdict: "deny", rule: "none" };
  return { id: command.id, verdict: rule.verdict, rule: rule.id };
}

export function deriveCommandPolicy(
  table: CommandTable,
  rules: readonly CommandRule[] = COMMAND_RULES,
): CommandPolicy {
  const decisions = [...table.leaves.values()].map((c) => decideCommand(c, rules));
  return {
    allowed: decisions.filter((d) => d.verdict === "allow").map((d) => d.id),
    decisions,
  };
}
