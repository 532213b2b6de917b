/**
 * Writes action_set.json from the sandbox MinIO: candidates from its executable and the
 * policy sources it was built with, kept where the server accepts them.
 * `deno run -A src/stores/minio/action_set_gen.ts`; action_set_test.ts fails when the
 * committed file differs from what the running server accepts.
 */
import { testStores } from "../../sandbox/testing.ts";
import { toolPaths } from "../../sandbox/tools.ts";
import { MinioAdminClient } from "./admin.ts";
import {
  type ActionSet,
  candidateActions,
  groupActions,
  serverAcceptedActions,
} from "./action_set.ts";

export const ACTION_SET_PATH = new URL("./action_set.json", import.meta.url);

/** The action set of the sandbox server, derived afresh. */
export async function deriveActionSet(): Promise<ActionSet & { candidates: number }> {
  const endpoint = (await testStores()).minio;
  if (!endpoint) throw new Error("no MinIO in the sandbox");
  const { candidates, from, server } = await candidateActions(toolPaths().minio);
  const client = new MinioAdminClient(endpoint);
  const suffix = crypto.randomUUID().slice(0, 8);
  const accepted = await serverAcceptedActions(
    client,
    candidates,
    `bulkhead-action-check-${suffix}`,
  );
  return {
    server,
    candidatesFrom: from,
    actions: groupActions(accepted),
    candidates: candidates.size,
  };
}

export function renderActionSet(set: ActionSet): string {
  const { server, candidatesFrom, actions } = set;
  return JSON.stringify({ server, candidatesFrom, actions }, null, 2) + "\n";
}

if (import.meta.main) {
  const set = await deriveActionSet();
  await Deno.writeTextFile(ACTION_SET_PATH, renderActionSet(set));
  const counts = Object.entries(set.actions).map(([ns, list]) => `${ns} ${list.length}`).join(", ");
  console.log(`${set.candidates} candidates; the server accepts ${counts}`);
  Deno.exit(0);
}
