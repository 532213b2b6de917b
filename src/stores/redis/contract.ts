/**
 * Redis's part of the isolation contract, as data, and its rendering as
 * spec/contract/redis.md: what a tenant's credentials reach, the command policy
 * derived from a server's command table (allowed set, and each excluded group with
 * its reason), the checks with stable ids and the commands each one attacks, and the
 * leaks the store cannot close.
 */
import type { AreaContract, ContractCheck, ResidualLeak } from "../../conformance/model.ts";
import type { CommandTable } from "./command_table.ts";
import { COMMAND_RULES, type CommandPolicy } from "./command_policy.ts";
import { type AttackSurface, attackSurface } from "./attack_surface.ts";

const NOPERM = "NOPERM (the server's denial; the rest of the wording differs by version)";

export const REDIS_CHECKS: readonly ContractCheck[] = [
  {
    id: "RD-001",
    severity: "critical",
    title: "Read another tenant's keys",
    attempt:
      "Every command of the table that reads keys (GET, HGETALL, LRANGE, XRANGE, DUMP, OBJECT, MEMORY USAGE, WATCH …) with keys under `tenant:<victim>:` in every key position its key specs name",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-002",
    severity: "critical",
    title: "Write or delete another tenant's keys",
    attempt:
      "Every command that writes or deletes keys (SET, HSET, DEL, UNLINK, EXPIRE, RENAME, XADD, GEORADIUS … STORE …) with keys under `tenant:<victim>:`",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-003",
    severity: "critical",
    title: "Multi-key commands mixing own and victim keys",
    attempt:
      "Every command that takes two or more keys (MGET, MSET, DEL, SMOVE, LMOVE, BITOP, SUNIONSTORE, ZUNIONSTORE, PFMERGE, XREAD STREAMS, GEORADIUS … STORE …) with own and victim keys mixed",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-004",
    severity: "high",
    title: "Look-alike names outside the prefix",
    attempt:
      "Key and channel commands on names that look like `tenant:<own>:` but are not inside it: look-alike ids (`t1` vs `t10`, `t1-x`, `t1x`, a shorter id), other case, other delimiters, percent-encoded, full-width and NUL bytes, glob characters in the name",
    expected:
      `${NOPERM}; the prefix ends with \`:\`, so \`~tenant:t1:*\` never matches \`tenant:t10:\``,
    kind: "isolation",
  },
  {
    id: "RD-005",
    severity: "high",
    title: "Enumerate the keyspace",
    attempt: "KEYS, SCAN, RANDOMKEY, DBSIZE, CLUSTER GETKEYSINSLOT/COUNTKEYSINSLOT",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-006",
    severity: "critical",
    title: "Destroy or swap the shared keyspace",
    attempt: "FLUSHALL, FLUSHDB, SWAPDB",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-007",
    severity: "high",
    title: "Another tenant's channels",
    attempt:
      "PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE on `tenant:<victim>:…` (alone or with own channels); PSUBSCRIBE `*`, `tenant:*`, `tenant:<victim>:*` and other patterns that match the victim's channels",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-008",
    severity: "medium",
    title: "Pub/sub introspection",
    attempt: "PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-009",
    severity: "high",
    title: "Keyspace notifications of another tenant",
    attempt:
      "SUBSCRIBE `__keyspace@0__:tenant:<victim>:…` and `__keyevent@0__:…`, PSUBSCRIBE `__key*__:*`, PUBLISH a forged notification",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-010",
    severity: "high",
    title: "Scripts and functions (shared server state)",
    attempt: "EVAL, EVALSHA, FCALL, SCRIPT LOAD/EXISTS/FLUSH/KILL, FUNCTION LOAD/LIST/DUMP/FLUSH",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-011",
    severity: "critical",
    title: "Server administration",
    attempt:
      "CONFIG GET/SET, ACL SETUSER/LIST/GETUSER/LOG/SAVE/LOAD, DEBUG, MODULE, SAVE, BGSAVE, REPLICAOF, FAILOVER, SHUTDOWN, RESTORE, cluster topology",
    expected:
      `${NOPERM}; DEBUG and MODULE LOAD/UNLOAD are refused by enable-debug-command / enable-module-command before the ACL is consulted (\`ERR … command not allowed\`), which counts as the server's refusal`,
    kind: "isolation",
  },
  {
    id: "RD-012",
    severity: "high",
    title: "Other clients and server introspection",
    attempt:
      "CLIENT LIST/KILL/PAUSE/UNBLOCK/NO-EVICT, INFO, SLOWLOG, LATENCY, MONITOR, MEMORY STATS/DOCTOR/PURGE, ROLE, LASTSAVE, WAIT",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-013",
    severity: "high",
    title: "Client-side caching that leaks key names",
    attempt: "CLIENT TRACKING ON BCAST (no prefix or a victim's prefix), REDIRECT, CLIENT CACHING",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-014",
    severity: "medium",
    title: "Other logical databases",
    attempt: "SELECT 1–15, MOVE, COPY … DB, MIGRATE",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-015",
    severity: "medium",
    title: "Keys the ACL cannot check",
    attempt: "SORT / SORT_RO on an own key with BY or GET patterns naming the victim's keys",
    expected: NOPERM,
    kind: "isolation",
  },
  {
    id: "RD-016",
    severity: "critical",
    title: "Positive control: the tenant's own workload works",
    attempt:
      "Every allowed command on the tenant's own keys and channels (queued in MULTI), and for real: SET/GET/DEL of an own probe key and ACL WHOAMI",
    expected:
      "Allowed (QUEUED, or the expected reply); a refused login, NOPERM or any other error fails: a broken credential must never pass as isolation",
    kind: "control",
  },
  {
    id: "RD-019",
    severity: "critical",
    title: "No access without credentials",
    attempt:
      "Any command of the surface, aimed at another tenant, on a connection that never logged in; AUTH and HELLO … AUTH as the default user",
    expected:
      "NOAUTH or NOPERM; WRONGPASS for the logins (the default user is off or has no rights)",
    kind: "isolation",
  },
  {
    id: "RD-020",
    severity: "critical",
    title: "Log in as another tenant's user",
    attempt:
      "AUTH and HELLO 3 AUTH with another tenant's user name and the attacker's own password, an empty, common or random one",
    expected: "WRONGPASS",
    kind: "isolation",
  },
  {
    id: "RD-021",
    severity: "low",
    title: "Other commands outside the tenant's policy",
    attempt: "HELP subcommands, LOLWUT, ACL GENPASS",
    expected: NOPERM,
    kind: "isolation",
  },
];

/** Guarantees with an id that the probes do not test, and where they are verified instead. */
export const REDIS_VERIFIED_ELSEWHERE: readonly (ResidualLeak & { where: string })[] = [
  {
    id: "RD-017",
    severity: "critical",
    title: "Suspended and deleted tenants cannot log in",
    detail:
      "AUTH with the recorded credential after suspension or deletion answers WRONGPASS, and connections opened before are closed.",
    where:
      "src/stores/redis/store_test.ts on the real server; conformance only probes active tenants",
  },
  {
    id: "RD-018",
    severity: "high",
    title: "The tenant's ACL user is exactly as declared",
    detail:
      "One recorded password, no nopass, only its key and channel patterns, no selectors, the command policy exactly.",
    where:
      "the drift check of `bulkhead audit` (`plan` must be empty) and src/stores/redis/store_drift_test.ts",
  },
];

export const REDIS_RESIDUAL_LEAKS: readonly ResidualLeak[] = [
  {
    id: "RD-R01",
    severity: "medium",
    title: "No per-user resource limits",
    detail:
      "Redis cannot limit one ACL user's memory, connections or command rate. A tenant can fill memory (evicting other tenants' keys, or making their writes fail with OOM, under the shared maxmemory policy), take connections from the shared maxclients, or stall the single-threaded server with slow commands on its own large keys. Noisy neighbours and latency side channels remain; isolate tenants that need guarantees on their own server.",
  },
  {
    id: "RD-R02",
    severity: "low",
    title: "Server-wide counters and state in allowed answers",
    detail:
      "CLIENT ID and CLIENT INFO show a connection id from a server-wide counter (how many connections others opened), HELLO shows the server version and role, and OOM, BUSY or LOADING errors show server-wide state. No key, channel or value of another tenant is revealed.",
  },
  {
    id: "RD-R03",
    severity: "low",
    title: "Login attempts for other users",
    detail:
      "AUTH, HELLO, QUIT and RESET are flagged no_auth: the server lets every connection run them whatever its ACL, so a tenant can try passwords for other users. Tenant passwords carry 256 bits of randomness, and refused logins are recorded in ACL LOG.",
  },
  {
    id: "RD-R04",
    severity: "low",
    title: "Users outside Bulkhead",
    detail:
      "The default user and any user Bulkhead does not manage are outside tenant isolation. `plan` always reports the default user's rights (a warning when it is on), and conformance fails RD-019 while a connection without credentials can reach tenant keys; set BULKHEAD_REDIS_MANAGE_DEFAULT_USER=1 to have apply turn it off.",
  },
  {
    id: "RD-R05",
    severity: "low",
    title: "ACLs without an ACL file live in memory",
    detail:
      "Without an aclfile, ACL SAVE is impossible and a restart loses the tenant users (or restores older ones from redis.conf); `plan` warns. With an aclfile, apply runs ACL SAVE after every change.",
  },
];

/** What a tenant's credentials reach here, in a few sentences (reports, the overall contract). */
const SUMMARY =
  "Each tenant has one ACL user, `tenant-<id>`, that reaches keys `tenant:<id>:*` and channels `tenant:<id>:*` of database 0 with a least-privilege command set derived from the server's own command table. Everything else — other tenants' keys and channels, the whole keyspace, other databases, scripts and functions, configuration, ACLs, other clients and server introspection — is refused by the server itself (NOPERM).";

export const redisContract: AreaContract = {
  area: "redis",
  summary: SUMMARY,
  checks: REDIS_CHECKS,
  residualLeaks: REDIS_RESIDUAL_LEAKS,
  details: "spec/contract/redis.md",
};

function commandList(ids: readonly string[]): string {
  return ids.length === 0 ? "(none on this server)" : ids.map((id) => `\`${id}\``).join(", ");
}

/** Checks whose command lists are too long to be useful in the document: counts only. */
const COUNT_ONLY = new Set(["RD-001", "RD-002", "RD-003", "RD-004", "RD-019"]);

function probeSection(table: CommandTable, surface: AttackSurface): string[] {
  const attacked = table.leaves.size - surface.withoutAttack.size;
  const lines = [
    "## How the probes attack",
    "",
    `Every attack is drawn from the server's own command table: ${attacked} of ${table.leaves.size} commands and subcommands carry attacks, with arguments aimed at another tenant (its keys in exactly the positions the key specs name, its channels, its user) or at state every tenant shares. The other ${surface.withoutAttack.size} are allowed to every tenant and reach no one; they are positive controls only.`,
    "",
    "- Attacks never execute. They are queued inside `MULTI` and discarded: the server checks ACLs when it queues a command, answering `NOPERM` or `QUEUED`. Commands that cannot be queued (`SAVE`, `SYNC`, `PSYNC`, `SHUTDOWN`, `WATCH`) are sent on a connection in RESP2 subscribed mode, where the server checks ACLs first and then refuses to run them in that context. So an ACL that lets an attack through changes nothing, and the probes are safe against a production server.",
    "- Every refusal is recorded in the server's `ACL LOG` (capped by `acllog-max-len`, 128 by default): an audit displaces older entries there, so read ACL LOG for intrusions before an audit, not after.",
    "- A check passes only on the server's own refusal (`NOPERM`; `NOAUTH` without credentials; `WRONGPASS` for logins; the `enable-debug-command` / `enable-module-command` refusal of DEBUG and MODULE). A refused login of the attacker, a timeout, a closed connection or any other reply is an error, never a pass.",
    "- Positive controls run every allowed command on the tenant's own names (queued), and for real a SET/GET/DEL round trip on an own probe key `tenant:<id>:bulkhead-probe:…` (with a 60 s expiry) and ACL WHOAMI. Nothing is published for real: a message on an own channel could reach the tenant's own subscribers.",
    "- Fixed attempts, once per tenant: KEYS, SCAN, RANDOMKEY, DBSIZE, PUBSUB CHANNELS/NUMPAT/SHARDCHANNELS, FUNCTION LIST, ACL LIST/USERS, CONFIG GET, CLIENT LIST, INFO keyspace, PSUBSCRIBE `*` and `__key*__:*`, GET and KEYS without credentials; and on the next tenant in id order (so that every tenant is attacked however sparse the random pairs): GET, SET and MGET of its key, SUBSCRIBE, PSUBSCRIBE and PUBLISH on its channels, SUBSCRIBE to its keyspace notifications, AUTH as its user with one's own password.",
    "",
    "Commands each check attacks on this server:",
    "",
    ...REDIS_CHECKS.filter((c) => c.kind !== "control").map((c) => {
      const ids = surface.families.get(c.id) ?? [];
      const list = COUNT_ONLY.has(c.id) ? "" : `: ${commandList(ids)}`;
      return `- **${c.id}** (${ids.length})${list}`;
    }),
    "",
    "Commands without an attack (allowed, reaching no one):",
    "",
    ...[...new Set(surface.withoutAttack.values())].map((why) => {
      const ids = [...surface.withoutAttack].filter(([, w]) => w === why).map(([id]) => id);
      return `- ${why}: ${commandList(ids)}`;
    }),
    "",
  ];
  return lines;
}

/** The contract for one server's command table, as Markdown. */
export function renderRedisContract(
  table: CommandTable,
  policy: CommandPolicy,
  serverVersion: string,
): string {
  const byRule = new Map<string, string[]>();
  for (const d of policy.decisions) byRule.set(d.rule, [...(byRule.get(d.rule) ?? []), d.id]);
  const section = (verdict: "allow" | "deny") =>
    COMMAND_RULES.filter((r) => r.verdict === verdict).map((r) =>
      [
        `### ${r.title} (\`${r.id}\`, ${byRule.get(r.id)?.length ?? 0})`,
        "",
        r.reason,
        "",
        commandList(byRule.get(r.id) ?? []),
        "",
      ].join("\n")
    ).join("\n");
  const lines = [
    "# Redis isolation contract",
    "",
    `<!-- Generated by \`deno run -A src/stores/redis/contract_gen.ts\` from the command table of Redis ${serverVersion} and the rules in src/stores/redis/command_policy.ts, contract.ts and attack_surface.ts. contract_test.ts fails when this file is stale. -->`,
    "",
    `Derived from Redis ${serverVersion}: ${policy.allowed.length} of ${table.leaves.size} commands and subcommands are allowed.`,
    "",
    SUMMARY,
    "",
    "## What a tenant's credentials reach",
    "",
    "- One ACL user, `tenant-<id>`, whose password is stored as its SHA-256 (`#…`) and never sent or logged in clear; `on` only while the tenant is active (suspending turns it `off` and closes its connections; deleting it closes them too).",
    "- Keys matching `~tenant:<id>:*` only. The prefix ends with `:`, so tenant `t1` never reaches `t10`'s keys. Key patterns ignore the database number: every command that names another database is denied, so tenants live in database 0.",
    "- Channels matching `&tenant:<id>:*` only. The server matches PSUBSCRIBE patterns literally against channel patterns: a tenant may PSUBSCRIBE exactly `tenant:<id>:*`, no narrower or wider pattern.",
    "- The commands allowed below and nothing else. The set is derived from the server's own command table (`COMMAND INFO`, `COMMAND DOCS`) by ordered rules; the first rule that matches a command decides it, and a command no allow rule vouches for is denied.",
    "- Every denial comes from the server itself: `NOPERM` on a tenant connection (the wording after it differs between versions); `ACL DRYRUN` answers 7.0's denials with a plain string, not an error.",
    "",
    "## Allowed commands",
    "",
    section("allow"),
    "## Denied commands, by reason",
    "",
    section("deny"),
    "## Checks",
    "",
    "| id | severity | kind | check | attempted with the tenant's credentials | the store must answer |",
    "| --- | --- | --- | --- | --- | --- |",
    ...REDIS_CHECKS.map((c) =>
      `| ${c.id} | ${c.severity} | ${
        c.kind ?? "isolation"
      } | ${c.title} | ${c.attempt} | ${c.expected} |`
    ),
    "",
    ...probeSection(table, attackSurface(table)),
    "## Verified outside the probes",
    "",
    ...REDIS_VERIFIED_ELSEWHERE.map((v) =>
      `- **${v.id}** (${v.severity}) ${v.title}: ${v.detail} Verified by ${v.where}.`
    ),
    "",
    "## Residual leaks the store cannot close",
    "",
    ...REDIS_RESIDUAL_LEAKS.map((l) => `- **${l.id}** (${l.severity}) ${l.title}: ${l.detail}`),
    "",
  ];
  return lines.join("\n");
}
