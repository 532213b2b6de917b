/**
 * The committed action set is the running server's: every action in it is accepted in a
 * canned policy, a made-up one is refused, and deriving the set afresh from the server's
 * executable and its policy sources gives the committed file.
 */
import assert from "node:assert/strict";
import { testStores } from "../../sandbox/testing.ts";
import { MinioAdminClient } from "./admin.ts";
import {
  candidatesInSource,
  candidatesInText,
  MINIO_ACTION_SET,
  moduleVersionIn,
  serverAcceptedActions,
} from "./action_set.ts";
import { deriveActionSet, renderActionSet } from "./action_set_gen.ts";
import { randomProbeName } from "./probes.ts";

const committed = Object.values(MINIO_ACTION_SET.actions).flat();

Deno.test("action set: candidates in packed Go strings include every prefix that could end an action", () => {
  const found = candidatesInText("xx s3:GetObjectAttributess3:PutObjectadmin:ServerInfoThe");
  for (const a of ["s3:GetObjectAttributes", "s3:GetObject", "s3:PutObject", "admin:ServerInfo"]) {
    assert.ok(found.has(a), a);
  }
  assert.ok(!found.has("s3:GetObjectAttribu" + "tess3"));
  assert.deepEqual([...candidatesInSource('X Action = "s3:GetObject"\nY = "admin:*"')], [
    "s3:GetObject",
  ]);
  assert.equal(
    moduleVersionIn("dep\tgithub.com/minio/pkg/v3\tv3.1.3\th1:abc", "github.com/minio/pkg/v3"),
    "v3.1.3",
  );
});

Deno.test("action set: the running server accepts every committed action and refuses a made-up one", async () => {
  const client = new MinioAdminClient((await testStores()).minio!);
  assert.ok(
    MINIO_ACTION_SET.actions.s3.length >= 50 && MINIO_ACTION_SET.actions.admin.length >= 50,
  );
  const made = ["s3:GetObjectx", "admin:ServerInfos", "s3:ListEverything"];
  const accepted = await serverAcceptedActions(
    client,
    [...committed, ...made],
    `bulkhead-action-test-${randomProbeName()}`,
  );
  assert.deepEqual([...accepted].sort(), [...committed].sort());
});

Deno.test("action set: derived afresh from the sandbox server, it is the committed file (run action_set_gen.ts if not)", async () => {
  const fresh = await deriveActionSet();
  if (!fresh.candidatesFrom.some((f) => f.includes("policy sources"))) {
    // Without the Go module cache only the executable's strings are candidates, which
    // miss actions; then the fresh set must at least lie within the committed one.
    const all = Object.values(fresh.actions).flat();
    assert.deepEqual(all.filter((a) => !committed.includes(a)), []);
    return;
  }
  assert.equal(
    renderActionSet(fresh),
    renderActionSet(MINIO_ACTION_SET),
    "stale: run src/stores/minio/action_set_gen.ts",
  );
});
