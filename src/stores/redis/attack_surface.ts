/**
 * The Redis attack surface, enumerated from the server's own command table: every
 * command and subcommand is either an attack (mapped to the contract's check ids, with
 * arguments aimed at the victim or at state every tenant shares) or, when the contract
 * allows it and it reaches no one, a positive control only. From it come the
 * fast-check arbitraries of attacks and controls, and the fixed attempts.
 *
 * Which command is what comes from the contract's rules (command_policy.ts, the text of
 * spec/contract/redis.md) applied to the live table; what a tenant may really do is
 * then decided by the server, attempt by attempt.
 */
import fc from "fast-check";
import type { Attempt } from "../../conformance/model.ts";
import type { CommandSpec, CommandTable } from "./command_table.ts";
import { decideCommand } from "./command_policy.ts";
import {
  commandArgv,
  commandHead,
  keyCapacity,
  type KeySlot,
  keySlots,
  renderArgv,
} from "./command_args.ts";
import { lookAlikeNames, nameSuffix, namesUnder, widePatterns } from "./attack_names.ts";
import type { RespReply } from "./resp.ts";

/** The names a probe aims at or acts on for one tenant. */
export interface TenantNames {
  id: string;
  user: string;
  keyPrefix: string;
  channelPrefix: string;
}

export type LoginPassword = { own: true } | { text: string };

/**
 * What the probe sends, as plain JSON (replayable, never a secret: a login with the
 * tenant's own password says `{ own: true }` and the probe fills it in).
 */
export type RedisRequest =
  /** Inside MULTI on the tenant's connection, then discarded: never executed. */
  | { mode: "queue"; argv: string[] }
  /** On a fresh connection of the tenant in RESP2 subscribed mode: never executed. */
  | { mode: "subscribed"; argv: string[] }
  /** Inside MULTI on a connection that never logged in. */
  | { mode: "anonymous"; argv: string[] }
  /** AUTH (or HELLO 3 AUTH) on a fresh connection; no user = the default user. */
  | { mode: "login"; via: "auth" | "hello"; user?: string; password: LoginPassword }
  /** Run for real on the tenant's connection (positive controls on its own names). */
  | { mode: "execute"; steps: { argv: string[]; expect?: RespReply }[] };

/** Commands that change or end the connection's transaction or login state. */
const NOT_QUEUEABLE = new Set(["auth", "hello", "quit", "reset", "multi", "exec", "discard"]);

/** CLUSTER subcommands that list or count every tenant's keys. */
const KEYSPACE_REVEALING = new Set(["cluster|countkeysinslot", "cluster|getkeysinslot"]);

/** Containers and commands whose answers describe other clients or the server's state. */
const INTROSPECTION = new Set([
  "client",
  "info",
  "lastsave",
  "latency",
  "memory",
  "monitor",
  "role",
  "slowlog",
  "wait",
]);

/** Channel commands that reach keyspace notifications (`__keyspace@…`, `__keyevent@…`). */
const NOTIFICATION_CHANNELS = new Set(["psubscribe", "publish", "subscribe"]);

/** Policy rules whose commands all feed one check. */
const RULE_CHECK: Record<string, string> = {
  "help": "RD-021",
  "scripting": "RD-010",
  "other-databases": "RD-014",
  "unchecked-keys": "RD-015",
  "client-side-caching": "RD-013",
  "pubsub-introspection": "RD-008",
};

/** The check ids of the attacks on one command, or why it carries none. */
export function attackChecks(command: CommandSpec): string[] | { none: string } {
  const { rule } = decideCommand(command);
  if (RULE_CHECK[rule]) return [RULE_CHECK[rule]];
  switch (rule) {
    case "cluster":
      return [KEYSPACE_REVEALING.has(command.id) ? "RD-005" : "RD-011"];
    case "keyspace-wide":
      return [command.flags.includes("write") ? "RD-006" : "RD-005"];
    case "administration":
      return [INTROSPECTION.has(command.name) ? "RD-012" : "RD-011"];
    case "server-wide":
      return [INTROSPECTION.has(command.name) ? "RD-012" : "RD-021"];
    case "channel-scoped":
      return NOTIFICATION_CHANNELS.has(command.id)
        ? ["RD-007", "RD-009", "RD-004"]
        : ["RD-007", "RD-004"];
    case "own-subscriptions":
      return { none: "ends the caller's own subscriptions only" };
    case "key-scoped": {
      // RD-001 when the command can read without writing (optional STORE slots left
      // out), RD-002 when it can write or delete.
      const slots = keySlots(command);
      const mandatoryWrites = slots.some((s) => s.begin === "index" && s.writes) ||
        slots.every((s) => s.begin === "keyword" && s.writes);
      return [
        ...(mandatoryWrites ? [] : ["RD-001"]),
        ...(slots.some((s) => s.writes) ? ["RD-002"] : []),
        ...(keyCapacity(slots) >= 2 ? ["RD-003"] : []),
        "RD-004",
      ];
    }
    case "connection":
      return command.id === "auth" || command.id === "hello"
        ? ["RD-020"]
        : { none: "acts on the caller's own connection only" };
    case "static-metadata":
      return { none: "static server metadata, the same for every user" };
    default:
      throw new Error(`${command.id}: no attack mapping for policy rule ${rule}`);
  }
}

export interface AttackSurface {
  table: CommandTable;
  /** Check id → the commands its attacks draw from, sorted. */
  families: Map<string, string[]>;
  /** Commands that carry no attack, with why. */
  withoutAttack: Map<string, string>;
  /** The contract's allowed commands: what positive controls draw from. */
  allowed: string[];
}

export function attackSurface(table: CommandTable): AttackSurface {
  const families = new Map<string, string[]>();
  const withoutAttack = new Map<string, string>();
  const allowed: string[] = [];
  const add = (check: string, id: string) =>
    families.set(check, [...families.get(check) ?? [], id]);
  for (const command of table.leaves.values()) {
    if (decideCommand(command).verdict === "allow") allowed.push(command.id);
    const checks = attackChecks(command);
    if ("none" in checks) {
      withoutAttack.set(command.id, checks.none);
      continue;
    }
    for (const check of checks) add(check, command.id);
    // Without credentials every command must be refused; AUTH and HELLO are logins.
    if (!command.flags.includes("no_auth")) add("RD-019", command.id);
  }
  return { table, families, withoutAttack, allowed };
}

/** Where a command must be sent so that it is checked but never executed. */
export function unexecutedMode(command: CommandSpec): "queue" | "subscribed" {
  return command.flags.includes("no_multi") || command.id === "watch" ? "subscribed" : "queue";
}

// ---------------------------------------------------------------- argument builders

interface Aim {
  attacker: TenantNames;
  victim: TenantNames;
}

type KeySource = (position: number) => fc.Arbitrary<string>;

/** Whether an optional (keyword) slot is used: RD-001 reads only, RD-002 must write. */
type KeywordUse = (slot: KeySlot) => "always" | "never" | "maybe";

const maybe: KeywordUse = () => "maybe";
const readsOnly: KeywordUse = (slot) => slot.writes ? "never" : "maybe";
const mustWrite = (slots: readonly KeySlot[]): KeywordUse => {
  const indexWrites = slots.some((s) => s.begin === "index" && s.writes);
  return (slot) => slot.writes && !indexWrites ? "always" : "maybe";
};

/**
 * Keys for every slot of a command: variadic slots take 1–3 keys (at least `minimum`
 * in total), optional keyword slots as `use` says; a command whose only slots are
 * keyword slots always uses its first one.
 */
function keysForSlots(
  slots: readonly KeySlot[],
  source: KeySource,
  minimum = 1,
  use: KeywordUse = maybe,
): fc.Arbitrary<string[][]> {
  const onlyKeywords = slots.every((s) => s.begin === "keyword");
  const width = (slot: KeySlot) => slot.count === "many" ? 1 : slot.count;
  const counts = fc.tuple(
    ...slots.map((slot, i) => {
      if (slot.begin === "keyword" && !(onlyKeywords && i === 0)) {
        const how = use(slot);
        return how === "always"
          ? fc.constant(width(slot))
          : how === "never"
          ? fc.constant(0)
          : fc.oneof(fc.constant(0), fc.constant(width(slot)));
      }
      return slot.count === "many" ? fc.integer({ min: 1, max: 3 }) : fc.constant(slot.count);
    }),
  ).map((chosen) => {
    const total = chosen.reduce((n, c) => n + c, 0);
    if (total >= minimum) return chosen;
    // Widen the first variadic (or usable keyword) slot until there are enough keys.
    const out = [...chosen];
    const widen = slots.findIndex((s) =>
      s.count === "many" || (s.begin === "keyword" && use(s) !== "never")
    );
    if (widen >= 0) out[widen] += minimum - total;
    return out;
  });
  return counts.chain((chosen) => {
    const total = chosen.reduce((n, c) => n + c, 0);
    return fc.tuple(...Array.from({ length: total }, (_, i) => source(i))).map((flat) => {
      let at = 0;
      return chosen.map((n) => flat.slice(at, at += n));
    });
  });
}

/** Keys that mix two owners; at least one of each. */
function mixedSource(
  mine: fc.Arbitrary<string>,
  theirs: fc.Arbitrary<string>,
): (total: number) => fc.Arbitrary<string[]> {
  return (total) =>
    fc.array(fc.boolean(), { minLength: total, maxLength: total }).map((owners) => {
      if (owners.every((o) => o)) owners[owners.length - 1] = false;
      if (owners.every((o) => !o)) owners[0] = true;
      return owners;
    }).chain((owners) => fc.tuple(...owners.map((own) => own ? mine : theirs)));
}

function keyedArgv(
  command: CommandSpec,
  source: KeySource,
  use: KeywordUse = maybe,
): fc.Arbitrary<string[]> {
  return keysForSlots(keySlots(command), source, 1, use).map((keys) => commandArgv(command, keys));
}

function mixedKeyedArgv(
  command: CommandSpec,
  mine: fc.Arbitrary<string>,
  theirs: fc.Arbitrary<string>,
): fc.Arbitrary<string[]> {
  const slots = keySlots(command);
  return keysForSlots(slots, () => fc.constant(""), 2).chain((shape) => {
    const total = shape.reduce((n, k) => n + k.length, 0);
    return mixedSource(mine, theirs)(total).map((flat) => {
      let at = 0;
      return commandArgv(command, shape.map((k) => flat.slice(at, at += k.length)));
    });
  });
}

function channelArgv(command: CommandSpec, channels: readonly string[]): string[] {
  const head = commandHead(command);
  return command.id === "publish" || command.id === "spublish"
    ? [...head, channels[0], "bulkhead-probe"]
    : [...head, ...channels];
}

const victimKeys = (aim: Aim) => namesUnder(aim.victim.keyPrefix);
const ownKeys = (aim: Aim) => namesUnder(aim.attacker.keyPrefix);
const eitherKeys = (aim: Aim) => fc.oneof(victimKeys(aim), ownKeys(aim));
const victimPattern = (aim: Aim) =>
  fc.constantFrom(...widePatterns(aim.victim.keyPrefix), `${aim.victim.keyPrefix}*`);
const database = fc.integer({ min: 1, max: 15 }).map(String);

/**
 * Arguments for commands outside the data and channel families, chosen so that the
 * command, if it ran, would reach the victim or state every tenant shares. Commands not
 * named here get arguments from COMMAND DOCS (see docsArgv).
 */
const AIMED: Record<string, (aim: Aim) => fc.Arbitrary<string[]>> = {
  "keys": (aim) => victimPattern(aim).map((p) => ["KEYS", p]),
  "scan": (aim) =>
    victimPattern(aim).chain((p) =>
      fc.constantFrom(["SCAN", "0"], ["SCAN", "0", "MATCH", p], ["SCAN", "0", "COUNT", "1000"])
    ),
  "flushall": () => fc.constantFrom(["FLUSHALL"], ["FLUSHALL", "ASYNC"], ["FLUSHALL", "SYNC"]),
  "flushdb": () => fc.constantFrom(["FLUSHDB"], ["FLUSHDB", "ASYNC"]),
  "swapdb": () => database.map((db) => ["SWAPDB", "0", db]),
  "select": () => database.map((db) => ["SELECT", db]),
  "move": (aim) => fc.tuple(eitherKeys(aim), database).map(([k, db]) => ["MOVE", k, db]),
  "copy": (aim) =>
    fc.tuple(ownKeys(aim), eitherKeys(aim), database).map(([s, d, db]) => ["COPY", s, d, "DB", db]),
  "migrate": (aim) =>
    fc.tuple(eitherKeys(aim), database).map(([k, db]) => [
      "MIGRATE",
      "127.0.0.1",
      "6379",
      k,
      db,
      "1000",
    ]),
  "sort": (aim) =>
    fc.tuple(ownKeys(aim), victimKeys(aim)).map(([own, theirs]) => [
      "SORT",
      own,
      "BY",
      `${aim.victim.keyPrefix}*->f`,
      "GET",
      `${theirs}*`,
    ]),
  "sort_ro": (aim) =>
    ownKeys(aim).map((own) => ["SORT_RO", own, "BY", "nosort", "GET", `${aim.victim.keyPrefix}*`]),
  "eval": (aim) =>
    fc.oneof(
      victimKeys(aim).map((k) => ["EVAL", "return redis.call('GET', KEYS[1])", "1", k]),
      ownKeys(aim).map((
        k,
      ) => ["EVAL", `return redis.call('KEYS', '${aim.victim.keyPrefix}*')`, "1", k]),
      fc.constant<string[]>(["EVAL", "return redis.call('FLUSHALL')", "0"]),
    ),
  "eval_ro": (aim) =>
    victimKeys(aim).map((k) => ["EVAL_RO", "return redis.call('GET', KEYS[1])", "1", k]),
  "evalsha": (aim) =>
    eitherKeys(aim).map((k) => ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff831", "1", k]),
  "evalsha_ro": (aim) =>
    eitherKeys(aim).map((k) => ["EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff831", "1", k]),
  "fcall": (aim) => eitherKeys(aim).map((k) => ["FCALL", "bulkhead_probe", "1", k]),
  "fcall_ro": (aim) => eitherKeys(aim).map((k) => ["FCALL_RO", "bulkhead_probe", "1", k]),
  "function|load": () =>
    fc.constant([
      "FUNCTION",
      "LOAD",
      "REPLACE",
      "#!lua name=bulkhead_probe\nredis.register_function('bulkhead_probe', function(keys) return 1 end)",
    ]),
  "function|delete": (aim) => fc.constant(["FUNCTION", "DELETE", aim.victim.id]),
  "function|list": () => fc.constantFrom(["FUNCTION", "LIST"], ["FUNCTION", "LIST", "WITHCODE"]),
  "script|load": () => fc.constant(["SCRIPT", "LOAD", "return redis.call('FLUSHALL')"]),
  "script|exists": () =>
    fc.constant(["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff831"]),
  "pubsub|channels": (aim) =>
    fc.constantFrom(["PUBSUB", "CHANNELS"], ["PUBSUB", "CHANNELS", `${aim.victim.channelPrefix}*`]),
  "pubsub|numsub": (aim) =>
    namesUnder(aim.victim.channelPrefix).map((c) => ["PUBSUB", "NUMSUB", c]),
  "pubsub|shardchannels": (aim) =>
    fc.constantFrom(["PUBSUB", "SHARDCHANNELS"], [
      "PUBSUB",
      "SHARDCHANNELS",
      `${aim.victim.channelPrefix}*`,
    ]),
  "pubsub|shardnumsub": (aim) =>
    namesUnder(aim.victim.channelPrefix).map((c) => ["PUBSUB", "SHARDNUMSUB", c]),
  "client|kill": (aim) =>
    fc.constantFrom(
      ["CLIENT", "KILL", "USER", aim.victim.user],
      ["CLIENT", "KILL", "ID", "1"],
      ["CLIENT", "KILL", "TYPE", "normal"],
      ["CLIENT", "KILL", "SKIPME", "yes"],
    ),
  "client|list": () =>
    fc.constantFrom(["CLIENT", "LIST"], ["CLIENT", "LIST", "TYPE", "pubsub"], [
      "CLIENT",
      "LIST",
      "ID",
      "1",
    ]),
  "client|pause": () =>
    fc.constantFrom(["CLIENT", "PAUSE", "1", "WRITE"], ["CLIENT", "PAUSE", "1"]),
  "client|unblock": () => fc.constant(["CLIENT", "UNBLOCK", "1", "ERROR"]),
  "client|no-evict": () => fc.constant(["CLIENT", "NO-EVICT", "ON"]),
  "client|tracking": (aim) =>
    fc.constantFrom(
      ["CLIENT", "TRACKING", "ON", "BCAST"],
      ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", aim.victim.keyPrefix],
      ["CLIENT", "TRACKING", "ON", "REDIRECT", "1"],
      ["CLIENT", "TRACKING", "ON", "OPTIN"],
    ),
  "client|caching": () =>
    fc.constantFrom(["CLIENT", "CACHING", "YES"], ["CLIENT", "CACHING", "NO"]),
  "acl|getuser": (aim) => fc.constant(["ACL", "GETUSER", aim.victim.user]),
  "acl|setuser": (aim) =>
    fc.constantFrom(
      ["ACL", "SETUSER", aim.victim.user, "nopass"],
      ["ACL", "SETUSER", aim.attacker.user, "~*", "+@all"],
      ["ACL", "SETUSER", "bulkhead-probe", "on", "nopass", "~*", "+@all"],
    ),
  "acl|deluser": (aim) => fc.constant(["ACL", "DELUSER", aim.victim.user]),
  "acl|dryrun": (aim) => victimKeys(aim).map((k) => ["ACL", "DRYRUN", aim.victim.user, "GET", k]),
  "acl|log": () => fc.constantFrom(["ACL", "LOG"], ["ACL", "LOG", "RESET"]),
  "config|get": () =>
    fc.constantFrom(["CONFIG", "GET", "*"], ["CONFIG", "GET", "requirepass"], [
      "CONFIG",
      "GET",
      "aclfile",
    ]),
  "config|set": () =>
    fc.constantFrom(
      ["CONFIG", "SET", "maxmemory-policy", "allkeys-random"],
      ["CONFIG", "SET", "notify-keyspace-events", "KEA"],
      ["CONFIG", "SET", "acl-pubsub-default", "allchannels"],
    ),
  "info": () =>
    fc.constantFrom(["INFO"], ["INFO", "keyspace"], ["INFO", "clients"], ["INFO", "all"]),
  "shutdown": () => fc.constantFrom(["SHUTDOWN", "NOSAVE"], ["SHUTDOWN", "ABORT"]),
  "restore": (aim) =>
    eitherKeys(aim).map((k) => ["RESTORE", k, "0", "\x00\x01x\x0a\x00", "REPLACE"]),
  "cluster|getkeysinslot": () =>
    fc.integer({ min: 0, max: 16383 }).map((s) => ["CLUSTER", "GETKEYSINSLOT", String(s), "100"]),
  "cluster|countkeysinslot": () =>
    fc.integer({ min: 0, max: 16383 }).map((s) => ["CLUSTER", "COUNTKEYSINSLOT", String(s)]),
  "debug": () =>
    fc.constantFrom(["DEBUG", "OBJECT", "x"], ["DEBUG", "SLEEP", "0"], ["DEBUG", "RELOAD"]),
  "replicaof": () => fc.constant(["REPLICAOF", "127.0.0.1", "1"]),
  "slaveof": () => fc.constant(["SLAVEOF", "127.0.0.1", "1"]),
  "wait": () => fc.constant(["WAIT", "0", "1"]),
};

/** An argument for a documented parameter, aimed at the victim where its kind allows. */
function docsToken(aim: Aim, name: string, type: string, token?: string): string | undefined {
  if (type === "oneof" || type === "block") return undefined;
  if (type === "pure-token") return token;
  const value = type === "key"
    ? `${aim.victim.keyPrefix}k`
    : type === "pattern"
    ? `${aim.victim.keyPrefix}*`
    : type === "integer" || type === "double" || type === "unix-time"
    ? "1"
    : /user/.test(name)
    ? aim.victim.user
    : /channel/.test(name)
    ? `${aim.victim.channelPrefix}c`
    : `${aim.victim.keyPrefix}k`;
  return token === undefined ? value : undefined;
}

/** Arguments from COMMAND DOCS, up to the arity, for commands without their own builder. */
export function docsArgv(command: CommandSpec, aim: Aim): string[] {
  const argv = commandHead(command);
  const arity = Math.abs(command.arity);
  for (const arg of command.arguments) {
    if (argv.length >= arity) break;
    const token = docsToken(aim, arg.name, arg.type, arg.token);
    if (token !== undefined) argv.push(token);
  }
  while (argv.length < arity) argv.push(`${aim.victim.keyPrefix}k`);
  return argv;
}

/** Arguments for a command of a non-data family. */
function aimedArgv(command: CommandSpec, aim: Aim): fc.Arbitrary<string[]> {
  const own = AIMED[command.id];
  if (own) return own(aim);
  if (keySlots(command).length > 0) return keyedArgv(command, () => eitherKeys(aim));
  return fc.constant(docsArgv(command, aim));
}

/** Arguments for a channel command aimed at the victim's channels (RD-007). */
function victimChannelArgv(command: CommandSpec, aim: Aim): fc.Arbitrary<string[]> {
  const theirs = namesUnder(aim.victim.channelPrefix);
  if (command.id === "psubscribe") {
    return fc.oneof(fc.constantFrom(...widePatterns(aim.victim.channelPrefix)), theirs)
      .map((p) => channelArgv(command, [p]));
  }
  if (command.id === "publish" || command.id === "spublish") {
    return theirs.map((c) => channelArgv(command, [c]));
  }
  const own = namesUnder(aim.attacker.channelPrefix);
  return fc.integer({ min: 1, max: 3 }).chain((n) => mixedSource(own, theirs)(n + 1))
    .map((channels) => channelArgv(command, channels));
}

/** Keyspace notification channels about the victim's keys (RD-009). */
function notificationArgv(command: CommandSpec, aim: Aim): fc.Arbitrary<string[]> {
  const db = fc.constantFrom("0", "1", "*");
  const event = fc.constantFrom("set", "del", "expired", "hset", "*");
  if (command.id === "psubscribe") {
    return fc.constantFrom(
      `__keyspace@*__:${aim.victim.keyPrefix}*`,
      "__key*__:*",
      "__keyevent@0__:*",
      "__keyspace@0__:*",
    ).map((p) => channelArgv(command, [p]));
  }
  const keyspace = fc.tuple(db.filter((d) => d !== "*"), victimKeys(aim)).map(([d, k]) =>
    `__keyspace@${d}__:${k}`
  );
  const keyevent = fc.tuple(db.filter((d) => d !== "*"), event.filter((e) => e !== "*")).map((
    [d, e],
  ) => `__keyevent@${d}__:${e}`);
  return fc.oneof(keyspace, keyevent).map((c) => channelArgv(command, [c]));
}

/** Channels that look like the attacker's own prefix (RD-004). */
function lookAlikeChannelArgv(command: CommandSpec, aim: Aim): fc.Arbitrary<string[]> {
  const names = lookAlikeNames(aim.attacker.channelPrefix);
  return (command.id === "psubscribe" ? names.map((n) => `${n}*`) : names).map((c) =>
    channelArgv(command, [c])
  );
}

function isChannelCommand(command: CommandSpec): boolean {
  return decideCommand(command).rule === "channel-scoped";
}

/** The argument vector of an attack on `command` for `check`. */
function attackArgv(check: string, command: CommandSpec, aim: Aim): fc.Arbitrary<string[]> {
  const channel = isChannelCommand(command);
  switch (check) {
    case "RD-001":
      return keyedArgv(command, () => victimKeys(aim), readsOnly);
    case "RD-002":
      return keyedArgv(command, () => victimKeys(aim), mustWrite(keySlots(command)));
    case "RD-003":
      return mixedKeyedArgv(command, ownKeys(aim), victimKeys(aim));
    case "RD-004":
      return channel ? lookAlikeChannelArgv(command, aim) : fc.oneof(
        keyedArgv(command, () => lookAlikeNames(aim.attacker.keyPrefix)),
        keyCapacity(keySlots(command)) >= 2
          ? mixedKeyedArgv(command, ownKeys(aim), lookAlikeNames(aim.attacker.keyPrefix))
          : keyedArgv(command, () => lookAlikeNames(aim.attacker.keyPrefix)),
      );
    case "RD-007":
      return victimChannelArgv(command, aim);
    case "RD-009":
      return notificationArgv(command, aim);
    default:
      return channel ? victimChannelArgv(command, aim) : aimedArgv(command, aim);
  }
}

/** The attack every command carries for its first check (what RD-019 sends without credentials). */
function primaryArgv(command: CommandSpec, aim: Aim): fc.Arbitrary<string[]> {
  const checks = attackChecks(command);
  const first = "none" in checks ? "RD-021" : checks[0];
  return attackArgv(first, command, aim);
}

const loginPassword: fc.Arbitrary<LoginPassword> = fc.oneof(
  { arbitrary: fc.constant({ own: true as const }), weight: 3 },
  {
    arbitrary: fc.constantFrom("", "default", "nopass", "password").map((text) => ({ text })),
    weight: 1,
  },
  {
    arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 16 }).map((text) => ({ text })),
    weight: 1,
  },
);

function loginOperation(request: Extract<RedisRequest, { mode: "login" }>): string {
  const password = "own" in request.password
    ? "<own password>"
    : renderArgv([request.password.text]);
  const who = request.user === undefined ? "" : `${renderArgv([request.user])} `;
  return request.via === "hello"
    ? `HELLO 3 AUTH ${who || "default "}${password}`
    : `AUTH ${who}${password}`;
}

/** How an attempt reads in a report. */
export function describeRequest(request: RedisRequest): string {
  switch (request.mode) {
    case "queue":
    case "subscribed":
      return renderArgv(request.argv);
    case "anonymous":
      return `(no credentials) ${renderArgv(request.argv)}`;
    case "login":
      return loginOperation(request);
    case "execute":
      return request.steps.map((s) => renderArgv(s.argv)).join("; ");
  }
}

function attempt(checkId: string, expect: Attempt["expect"], request: RedisRequest): Attempt {
  return { checkId, operation: describeRequest(request), expect, request };
}

/**
 * Attacks of `attacker` on `victim`: a check (drawn with `weight`, e.g. by severity),
 * a command of its family, arguments aimed at the victim.
 */
export function attackArbitrary(
  surface: AttackSurface,
  attacker: TenantNames,
  victim: TenantNames,
  weight: (checkId: string) => number = () => 1,
): fc.Arbitrary<Attempt> {
  const aim: Aim = { attacker, victim };
  const leaf = (id: string) => surface.table.leaves.get(id)!;
  const families = [...surface.families.entries()].sort(([a], [b]) => a.localeCompare(b));
  const arbitraries = families.map(([check, ids]) => {
    let arbitrary: fc.Arbitrary<Attempt>;
    if (check === "RD-020") {
      arbitrary = fc.tuple(fc.constantFrom("auth" as const, "hello" as const), loginPassword)
        .map(([via, password]) =>
          attempt(check, "denied", { mode: "login", via, user: victim.user, password })
        );
    } else if (check === "RD-019") {
      const anonymous = fc.constantFrom(...ids).chain((id) =>
        primaryArgv(leaf(id), aim).map((argv) =>
          attempt(check, "denied", { mode: "anonymous", argv })
        )
      );
      const asDefault = fc.tuple(
        fc.constantFrom("auth" as const, "hello" as const),
        fc.constantFrom(undefined, "default"),
        fc.string({ unit: "grapheme-ascii", maxLength: 16 }),
      ).map(([via, user, text]) =>
        attempt(check, "denied", {
          mode: "login",
          via,
          ...(user !== undefined && { user }),
          password: { text },
        })
      );
      arbitrary = fc.oneof({ arbitrary: anonymous, weight: 3 }, {
        arbitrary: asDefault,
        weight: 1,
      });
    } else {
      arbitrary = fc.constantFrom(...ids).chain((id) => {
        const command = leaf(id);
        const mode = unexecutedMode(command);
        return attackArgv(check, command, aim).map((argv) =>
          attempt(check, "denied", { mode, argv })
        );
      });
    }
    return { arbitrary, weight: weight(check) };
  });
  return fc.oneof(...arbitraries);
}

/** Arguments for an allowed command on the tenant's own keys and channels. */
function ownArgv(command: CommandSpec, self: TenantNames): fc.Arbitrary<string[]> {
  if (isChannelCommand(command)) {
    // The server compares PSUBSCRIBE patterns with channel patterns literally.
    if (command.id === "psubscribe") {
      return fc.constant(channelArgv(command, [`${self.channelPrefix}*`]));
    }
    return fc.array(namesUnder(self.channelPrefix), { minLength: 1, maxLength: 3 }).map((cs) =>
      channelArgv(command, cs)
    );
  }
  if (keySlots(command).length > 0) {
    return keyedArgv(command, () => namesUnder(self.keyPrefix));
  }
  return fc.constant(commandArgv(command, []));
}

/**
 * Controls: what the tenant's workload needs, on its own names; the server must allow
 * it. Queued like attacks, except a SET/GET/DEL round trip on a probe key and ACL
 * WHOAMI, run for real to prove the credential works. Nothing is published for real: a
 * message on an own channel could reach the tenant's own subscribers.
 */
export function controlArbitrary(surface: AttackSurface, self: TenantNames): fc.Arbitrary<Attempt> {
  const check = "RD-016";
  const queueable = surface.allowed.filter((id) => !NOT_QUEUEABLE.has(id));
  const queued = fc.constantFrom(...queueable).chain((id) => {
    const command = surface.table.leaves.get(id)!;
    const mode = unexecutedMode(command);
    return ownArgv(command, self).map((argv) => attempt(check, "allowed", { mode, argv }));
  });
  const probeKey = nameSuffix.map((s) => `${self.keyPrefix}bulkhead-probe:${s}`);
  const value = fc.string({ unit: "binary-ascii", maxLength: 32 });
  const roundTrip = fc.tuple(probeKey, value).map(([key, v]) =>
    attempt(check, "allowed", {
      mode: "execute",
      steps: [
        { argv: ["SET", key, v, "PX", "60000"], expect: "OK" },
        { argv: ["GET", key], expect: v },
        { argv: ["DEL", key], expect: 1 },
      ],
    })
  );
  const whoami = fc.constant(attempt(check, "allowed", {
    mode: "execute",
    steps: [{ argv: ["ACL", "WHOAMI"], expect: self.user }],
  }));
  return fc.oneof(
    { arbitrary: queued, weight: 4 },
    { arbitrary: roundTrip, weight: 2 },
    { arbitrary: whoami, weight: 1 },
  );
}

/** The basic attacks of `self` on `next`. */
function ringAttempts(
  self: TenantNames,
  next: TenantNames,
  queue: (checkId: string, argv: string[]) => Attempt[],
): Attempt[] {
  const key = `${next.keyPrefix}k`;
  const channel = `${next.channelPrefix}c`;
  return [
    ...queue("RD-001", ["GET", key]),
    ...queue("RD-002", ["SET", key, "bulkhead-probe"]),
    ...queue("RD-003", ["MGET", `${self.keyPrefix}k`, key]),
    ...queue("RD-007", ["SUBSCRIBE", channel]),
    ...queue("RD-007", ["PSUBSCRIBE", `${next.channelPrefix}*`]),
    ...queue("RD-007", ["PUBLISH", channel, "bulkhead-probe"]),
    ...queue("RD-009", ["SUBSCRIBE", `__keyspace@0__:${key}`]),
    attempt("RD-020", "denied", {
      mode: "login",
      via: "auth",
      user: next.user,
      password: { own: true },
    }),
  ];
}

/**
 * Attempts that are not random, per tenant: listings that would reveal other tenants,
 * the widest channel patterns, no credentials at all, and the basic attacks on the next
 * tenant in id order (its key, its channels, its login with one's own password), so
 * that every tenant is attacked by another however sparse the random pairs are.
 */
export function fixedAttempts(
  surface: AttackSurface,
  tenants: readonly TenantNames[],
): { as: string; victim?: string; attempt: Attempt }[] {
  const has = (argv: string[]) => {
    const [name, sub] = argv.map((a) => a.toLowerCase());
    return surface.table.leaves.has(name) || surface.table.leaves.has(`${name}|${sub}`);
  };
  const queue = (checkId: string, argv: string[]) =>
    has(argv) ? [attempt(checkId, "denied", { mode: "queue", argv })] : [];
  return tenants.flatMap((self, i) => {
    const next = tenants[(i + 1) % tenants.length];
    const attempts: Attempt[] = [
      ...queue("RD-005", ["KEYS", "*"]),
      ...queue("RD-005", ["SCAN", "0", "MATCH", "*", "COUNT", "1000"]),
      ...queue("RD-005", ["RANDOMKEY"]),
      ...queue("RD-005", ["DBSIZE"]),
      ...queue("RD-008", ["PUBSUB", "CHANNELS"]),
      ...queue("RD-008", ["PUBSUB", "NUMPAT"]),
      ...queue("RD-008", ["PUBSUB", "SHARDCHANNELS"]),
      ...queue("RD-010", ["FUNCTION", "LIST"]),
      ...queue("RD-011", ["ACL", "LIST"]),
      ...queue("RD-011", ["ACL", "USERS"]),
      ...queue("RD-011", ["CONFIG", "GET", "*"]),
      ...queue("RD-012", ["CLIENT", "LIST"]),
      ...queue("RD-012", ["INFO", "keyspace"]),
      ...queue("RD-007", ["PSUBSCRIBE", "*"]),
      ...queue("RD-009", ["PSUBSCRIBE", "__key*__:*"]),
      attempt("RD-019", "denied", { mode: "anonymous", argv: ["GET", `${self.keyPrefix}k`] }),
      attempt("RD-019", "denied", { mode: "anonymous", argv: ["KEYS", "*"] }),
    ];
    const ring = next.id !== self.id ? ringAttempts(self, next, queue) : [];
    return [
      ...attempts.map((a) => ({ as: self.id, attempt: a })),
      ...ring.map((a) => ({ as: self.id, victim: next.id, attempt: a })),
    ];
  });
}
