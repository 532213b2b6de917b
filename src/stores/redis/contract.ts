/**
 * Redis's part of the isolation contract, as data, and its rendering as
 * spec/contract/redis.md: what a tenant's credentials reach, the command policy
 * derived from a server's command table (allowed set, and each excluded group with
 * its reason), the checks with stable ids, and the leaks the store cannot close.
 */
import type { CommandTable } from "./command_table.ts";
import { COMMAND_RULES, type CommandPolicy } from "./command_policy.ts";

export type Severity = "critical" | "high" | "medium" | "low";

export interface ContractCheck {
  id: string;
  severity: Severity;
  title: string;
  /** What the probe attempts with the tenant's real credentials. */
  attempt: string;
  /** What the store must answer for the check to pass. */
  expected: string;
}

export interface ResidualLeak {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
}

const NOPERM = "NOPERM (the server's denial; the rest of the wording differs by version)";

export const REDIS_CHECKS: readonly ContractCheck[] = [
  {
    id: "RD-001",
    severity: "critical",
    title: "Read another tenant's keys",
    attempt:
      "GET, HGETALL, LRANGE, SMEMBERS, ZRANGE, XRANGE, DUMP, OBJECT, MEMORY USAGE … on keys under `tenant:<victim>:`",
    expected: NOPERM,
  },
  {
    id: "RD-002",
    severity: "critical",
    title: "Write or delete another tenant's keys",
    attempt: "SET, HSET, DEL, UNLINK, EXPIRE, RENAME, XADD … on keys under `tenant:<victim>:`",
    expected: NOPERM,
  },
  {
    id: "RD-003",
    severity: "critical",
    title: "Multi-key commands mixing own and victim keys",
    attempt:
      "MGET, MSET, DEL, SMOVE, LMOVE, BITOP, SUNIONSTORE, ZUNIONSTORE, PFMERGE, XREAD STREAMS, GEORADIUS … STORE with one own and one victim key",
    expected: NOPERM,
  },
  {
    id: "RD-004",
    severity: "high",
    title: "Look-alike prefixes",
    attempt: "Tenant `t1` on keys and channels of tenant `t10` (and `t1-x`, `t1x`)",
    expected:
      `${NOPERM}; the prefix ends with \`:\`, so \`~tenant:t1:*\` never matches \`tenant:t10:\``,
  },
  {
    id: "RD-005",
    severity: "high",
    title: "Enumerate the keyspace",
    attempt: "KEYS, SCAN, RANDOMKEY, DBSIZE, CLUSTER GETKEYSINSLOT/COUNTKEYSINSLOT",
    expected: NOPERM,
  },
  {
    id: "RD-006",
    severity: "critical",
    title: "Destroy or swap the shared keyspace",
    attempt: "FLUSHALL, FLUSHDB, SWAPDB",
    expected: NOPERM,
  },
  {
    id: "RD-007",
    severity: "high",
    title: "Another tenant's channels",
    attempt:
      "PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE on `tenant:<victim>:…`; PSUBSCRIBE `*`, `tenant:*`, `tenant:<victim>:*`",
    expected: NOPERM,
  },
  {
    id: "RD-008",
    severity: "medium",
    title: "Pub/sub introspection",
    attempt: "PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB",
    expected: NOPERM,
  },
  {
    id: "RD-009",
    severity: "high",
    title: "Keyspace notifications of another tenant",
    attempt: "SUBSCRIBE `__keyspace@0__:tenant:<victim>:…`, PSUBSCRIBE `__keyevent@*`",
    expected: NOPERM,
  },
  {
    id: "RD-010",
    severity: "high",
    title: "Scripts and functions (shared server state)",
    attempt: "EVAL, EVALSHA, FCALL, SCRIPT LOAD/EXISTS/FLUSH/KILL, FUNCTION LOAD/LIST/DUMP/FLUSH",
    expected: NOPERM,
  },
  {
    id: "RD-011",
    severity: "critical",
    title: "Server administration",
    attempt:
      "CONFIG GET/SET, ACL SETUSER/LIST/GETUSER/LOG/SAVE/LOAD, DEBUG, MODULE, SAVE, BGSAVE, REPLICAOF, FAILOVER, SHUTDOWN",
    expected: NOPERM,
  },
  {
    id: "RD-012",
    severity: "high",
    title: "Other clients and server introspection",
    attempt:
      "CLIENT LIST/KILL/PAUSE/UNBLOCK/NO-EVICT, INFO, SLOWLOG, LATENCY, MONITOR, MEMORY STATS/DOCTOR/PURGE, ROLE, LASTSAVE, WAIT",
    expected: NOPERM,
  },
  {
    id: "RD-013",
    severity: "high",
    title: "Client-side caching that leaks key names",
    attempt: "CLIENT TRACKING ON BCAST (no prefix or a victim's prefix), REDIRECT, CLIENT CACHING",
    expected: NOPERM,
  },
  {
    id: "RD-014",
    severity: "medium",
    title: "Other logical databases",
    attempt: "SELECT 1, MOVE, COPY … DB 1, MIGRATE",
    expected: NOPERM,
  },
  {
    id: "RD-015",
    severity: "medium",
    title: "Keys the ACL cannot check",
    attempt: "SORT / SORT_RO with BY or GET patterns naming the victim's keys",
    expected: NOPERM,
  },
  {
    id: "RD-016",
    severity: "critical",
    title: "Positive control: the tenant's own workload works",
    attempt: "Every allowed command on the tenant's own keys and channels",
    expected: "Not NOPERM (a broken credential must never pass as isolation)",
  },
  {
    id: "RD-017",
    severity: "critical",
    title: "Suspended and deleted tenants cannot log in",
    attempt: "AUTH with the recorded credential after suspension or deletion; an open connection",
    expected: "WRONGPASS; connections opened before are closed",
  },
  {
    id: "RD-018",
    severity: "high",
    title: "The tenant's ACL user is exactly as declared",
    attempt:
      "Compare the live user with the declaration: one recorded password, no nopass, only its key and channel patterns, no selectors, the command policy exactly",
    expected: "`bulkhead plan` shows no change for the user",
  },
  {
    id: "RD-019",
    severity: "critical",
    title: "No access without credentials",
    attempt: "Connect without a username and run GET on a tenant key",
    expected:
      "NOAUTH or NOPERM when the default user is managed (off, no keys, no commands); otherwise plan reports the default user's power as a warning",
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
      "The default user and any user Bulkhead does not manage are outside tenant isolation. `plan` always reports the default user's rights (a warning when it is on); set BULKHEAD_REDIS_MANAGE_DEFAULT_USER=1 to have apply turn it off.",
  },
  {
    id: "RD-R05",
    severity: "low",
    title: "ACLs without an ACL file live in memory",
    detail:
      "Without an aclfile, ACL SAVE is impossible and a restart loses the tenant users (or restores older ones from redis.conf); `plan` warns. With an aclfile, apply runs ACL SAVE after every change.",
  },
];

function commandList(ids: readonly string[]): string {
  return ids.length === 0 ? "(none on this server)" : ids.map((id) => `\`${id}\``).join(", ");
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
    `<!-- Generated by \`deno run -A src/stores/redis/contract_gen.ts\` from the command table of Redis ${serverVersion} and the rules in src/stores/redis/command_policy.ts and contract.ts. contract_test.ts fails when this file is stale. -->`,
    "",
    `Derived from Redis ${serverVersion}: ${policy.allowed.length} of ${table.leaves.size} commands and subcommands are allowed.`,
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
    "| id | severity | check | attempted with the tenant's credentials | the store must answer |",
    "| --- | --- | --- | --- | --- |",
    ...REDIS_CHECKS.map((c) =>
      `| ${c.id} | ${c.severity} | ${c.title} | ${c.attempt} | ${c.expected} |`
    ),
    "",
    "## Residual leaks the store cannot close",
    "",
    ...REDIS_RESIDUAL_LEAKS.map((l) => `- **${l.id}** (${l.severity}) ${l.title}: ${l.detail}`),
    "",
  ];
  return lines.join("\n");
}
