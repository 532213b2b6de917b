/**
 * The operation surface against the real server: for every S3 operation the probes
 * send, a scratch user whose policy allows everything on a tenant's bucket gets past the
 * access check (a success, or one of the answers the operation lists), and the same
 * user with any one of the operation's IAM actions denied is refused with AccessDenied.
 * So the mapping from requests to actions, and the answers the probes read as "let
 * through", are the server's, not memory. Also: which of the server's S3 actions the
 * surface exercises.
 */
import assert from "node:assert/strict";
import { convergeStore } from "../testing.ts";
import { minioBucket, minioPolicy, minioUser } from "../../tenant/names.ts";
import { MinioAdminClient } from "./admin.ts";
import { randomSecretKey } from "./credentials.ts";
import { withMinioTenants } from "./testing.ts";
import { sendCall, type Signer } from "./s3_call.ts";
import { ACCESS_DENIED, classifyAnswer } from "./outcome.ts";
import { type Aim, S3_OPERATIONS } from "./surface.ts";
import { PROBE_OBJECT_KEY, randomProbeName } from "./probes.ts";
import { MINIO_ACTION_SET } from "./action_set.ts";
import { UNEXERCISED_S3_ACTIONS } from "./contract.ts";

const verified = S3_OPERATIONS.filter((o) => !o.unverified);

Deno.test("minio surface: every S3 action of the server is exercised by an operation or said why not", () => {
  const exercised = new Set(verified.flatMap((o) => o.actions));
  for (const action of MINIO_ACTION_SET.actions.s3) {
    assert.ok(
      exercised.has(action) || action in UNEXERCISED_S3_ACTIONS,
      `${action}: no probe request exercises it and no reason is given`,
    );
  }
  for (const action of Object.keys(UNEXERCISED_S3_ACTIONS)) {
    assert.ok(!exercised.has(action), `${action} is exercised after all`);
    assert.ok(MINIO_ACTION_SET.actions.s3.includes(action), `${action} is not in the action set`);
  }
  for (const o of S3_OPERATIONS) {
    for (const a of o.actions) {
      assert.ok(MINIO_ACTION_SET.actions.s3.includes(a), `${o.name}: ${a}`);
    }
  }
});

Deno.test("minio surface: each S3 operation needs exactly the actions it lists, and is let through with the answers it lists", async () => {
  await withMinioTenants("sv", 1, async ({ endpoint, store, secrets, ids: [id], ...f }) => {
    await convergeStore(store, [f.tenant(id)], secrets);
    const admin = new MinioAdminClient(endpoint);
    const bucket = minioBucket(id);
    const user = `bulkhead-surface-${randomProbeName()}`;
    const policy = `${user}-policy`;
    const signer: Signer = {
      accessKey: user,
      secretKey: randomSecretKey(),
      region: endpoint.region,
    };
    const allowAll = {
      Effect: "Allow",
      Action: ["s3:*"],
      Resource: [
        `arn:aws:s3:::${bucket}`,
        `arn:aws:s3:::${bucket}/*`,
        `arn:aws:s3:::${bucket}-*`,
        `arn:aws:s3:::${bucket}-*/*`,
      ],
    };
    // Server-wide event listening has no bucket to scope it to.
    const listen = {
      Effect: "Allow",
      Action: ["s3:ListenNotification"],
      Resource: ["arn:aws:s3:::*"],
    };
    const setPolicy = (deny?: readonly string[]) =>
      admin.addCannedPolicy(policy, {
        Version: "2012-10-17",
        Statement: [
          allowAll,
          listen,
          ...(deny ? [{ Effect: "Deny", Action: [...deny], Resource: ["arn:aws:s3:::*"] }] : []),
        ],
      });
    const owner = f.client(id);
    await owner.putObject(bucket, PROBE_OBJECT_KEY, "probe object");
    try {
      await setPolicy();
      await admin.addUser(signer.accessKey, signer.secretKey, "enabled");
      await admin.changePolicyAttachment("attach", [policy], { user: signer.accessKey });

      const problems: string[] = [];
      let n = 0;
      for (const op of verified) {
        n++;
        const aim: Aim = {
          bucket: op.name === "ForceDeleteBucket" ? `${bucket}-${randomProbeName()}` : bucket,
          key: op.onProbeObject ? PROBE_OBJECT_KEY : `bulkhead-probe/surface-${n} x*?é`,
          ownBucket: bucket,
          ownKey: `bulkhead-probe/own-${n}`,
          user: minioUser(id),
          policy: minioPolicy(id),
          uuid: crypto.randomUUID(),
          probeName: `bulkhead-probe-${randomProbeName()}`,
        };
        const rules = {
          refusals: [ACCESS_DENIED, ...(op.refusals ?? [])],
          afterAccess: op.afterAccess,
          inlineErrors: op.inlineErrors,
        };
        const call = op.build(aim);
        const allowed = await sendCall(endpoint.endpoint, call, signer).catch((error) => error);
        if (allowed instanceof Error) {
          problems.push(`${op.name}: allowed everything, no answer: ${allowed.message}`);
          continue;
        }
        const outcome = classifyAnswer(allowed, rules);
        const refusedToAll = allowed.code !== "" && (op.refusals ?? []).includes(allowed.code);
        if (outcome.kind !== "allowed" && !refusedToAll) {
          problems.push(
            `${op.name}: allowed everything, got ${allowed.status} ${allowed.code} ${allowed.message}`,
          );
          continue;
        }
        if (refusedToAll) continue; // refused before any access check: the actions cannot be told
        // Each action denied alone must refuse it; for alternatives, only all of them
        // together, while any one left allowed still lets it through.
        const denials = op.alternatives
          ? [op.actions, ...op.actions.map((a) => [a])]
          : op.actions.map((a) => [a]);
        for (const deny of denials) {
          await setPolicy(deny);
          const answer = await sendCall(endpoint.endpoint, op.build(aim), signer);
          const kind = classifyAnswer(answer, rules).kind;
          const mustRefuse = !op.alternatives || deny.length === op.actions.length;
          if (mustRefuse ? kind !== "denied" : kind !== "allowed") {
            problems.push(
              `${op.name}: with ${deny.join(" + ")} denied, got ${answer.status} ${answer.code}`,
            );
          }
        }
        await setPolicy();
      }
      assert.deepEqual(problems, []);
    } finally {
      await admin.removeUser(signer.accessKey).catch(() => {});
      await admin.removeCannedPolicy(policy).catch(() => {});
      // Objects and uploads the allowed requests left go with the bucket when the
      // fixture destroys the tenant.
    }
  });
});
