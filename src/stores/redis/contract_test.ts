import assert from "node:assert/strict";
import { REDIS_CONTRACT_PATH, renderLiveContract } from "./contract_gen.ts";
import {
  REDIS_CHECKS,
  REDIS_RESIDUAL_LEAKS,
  REDIS_VERIFIED_ELSEWHERE,
  redisContract,
} from "./contract.ts";
import { COMMAND_RULES } from "./command_policy.ts";

const committed = await Deno.readTextFile(REDIS_CONTRACT_PATH);
const documentedVersion = /Derived from Redis (\S+):/.exec(committed)?.[1];

Deno.test("redis contract: check and leak ids are stable, unique and well-formed", () => {
  const ids = [...REDIS_CHECKS, ...REDIS_VERIFIED_ELSEWHERE, ...REDIS_RESIDUAL_LEAKS].map((c) =>
    c.id
  );
  assert.equal(new Set(ids).size, ids.length);
  assert.ok([...REDIS_CHECKS, ...REDIS_VERIFIED_ELSEWHERE].every((c) => /^RD-\d{3}$/.test(c.id)));
  assert.equal(redisContract.area, "redis");
  assert.equal(redisContract.checks, REDIS_CHECKS);
  assert.deepEqual(REDIS_CHECKS.filter((c) => c.kind === "control").map((c) => c.id), ["RD-016"]);
  assert.ok(REDIS_CHECKS.every((c) => c.kind === "isolation" || c.kind === "control"));
  for (const c of REDIS_CHECKS) {
    assert.match(committed, new RegExp(`\\| ${c.id} \\| ${c.severity} +\\| ${c.kind} +\\|`));
  }
  for (const l of REDIS_RESIDUAL_LEAKS) assert.ok(committed.includes(`**${l.id}**`), l.id);
  assert.ok(REDIS_RESIDUAL_LEAKS.every((l) => /^RD-R\d{2}$/.test(l.id)));
  for (const rule of COMMAND_RULES) assert.ok(committed.includes(`(\`${rule.id}\`,`), rule.id);
});

Deno.test("redis contract: spec/contract/redis.md is what the rules derive from the server (run contract_gen.ts if not)", async () => {
  const { text, version } = await renderLiveContract();
  assert.equal(
    version,
    documentedVersion,
    `the file documents Redis ${documentedVersion}, the server is ${version}: regenerate it`,
  );
  assert.equal(
    committed,
    text,
    "spec/contract/redis.md is stale: run src/stores/redis/contract_gen.ts",
  );
});
