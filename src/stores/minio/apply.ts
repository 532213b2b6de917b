/**
 * Carries out one planned MinIO change. Every step is idempotent (already there / already
 * gone / already attached count as done), so a run cut short is completed by the next.
 * The tenant's secret key comes only from the ApplyContext, which records it first.
 */
import type { ApplyContext, Attributes, AttributeValue, Change } from "../store.ts";
import { StoreChangeError } from "../store.ts";
import { minioUser } from "../../tenant/names.ts";
import { isNotFound, type MinioAdminClient, type UserStatus } from "./admin.ts";
import {
  bucketTags,
  deleteBucketPolicy,
  forceDeleteBucket,
  makeBucket,
  putEmptyObject,
  setBucketTags,
  setDefaultEncryption,
} from "./buckets.ts";
import { PREFIX_TAG, prefixTagValue, SSE_S3 } from "./bucket_settings.ts";
import { KIND, RECORDED } from "./resources.ts";
import { randomSecretKey } from "./credentials.ts";

function strings(value: AttributeValue | undefined): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function attribute(attributes: Attributes | null, key: string): AttributeValue | undefined {
  return attributes?.[key];
}

async function ignoreNotFound(step: Promise<void>): Promise<void> {
  try {
    await step;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** `user:<name>` / `group:<name>` → the entity the attach API takes. */
function entityOf(holder: string): { user: string } | { group: string } {
  if (holder.startsWith("group:")) return { group: holder.slice("group:".length) };
  return { user: holder.replace(/^user:/, "") };
}

async function setBucketAttributes(
  client: MinioAdminClient,
  bucket: string,
  after: Attributes,
  keys: string[],
): Promise<void> {
  for (const key of keys) {
    const value = after[key];
    switch (key) {
      case "encryption":
        if (value !== SSE_S3) throw new Error(`unsupported bucket encryption ${String(value)}`);
        await setDefaultEncryption(client, bucket);
        break;
      case "quota": {
        const bytes = value && typeof value === "object" && !Array.isArray(value)
          ? Number(value.bytes)
          : 0;
        await client.setBucketQuota(bucket, bytes);
        break;
      }
      case "bucket_policy":
        if (value !== null) throw new Error("Bulkhead never sets a bucket policy");
        await deleteBucketPolicy(client, bucket);
        break;
      case "prefixes": {
        const prefixes = strings(value);
        // Markers first: the tag claims the layout only once it exists.
        for (const prefix of prefixes) await putEmptyObject(client, bucket, `${prefix}/`);
        const tags = await bucketTags(client, bucket);
        if (prefixes.length > 0) tags.set(PREFIX_TAG, prefixTagValue(prefixes));
        else tags.delete(PREFIX_TAG);
        await setBucketTags(client, bucket, tags);
        break;
      }
      default:
        throw new Error(`unknown bucket attribute ${key}`);
    }
  }
}

async function applyBucket(client: MinioAdminClient, change: Change): Promise<void> {
  switch (change.action) {
    case "create":
      await makeBucket(client, change.name);
      await setBucketAttributes(client, change.name, change.after!, Object.keys(change.after!));
      return;
    case "update":
      await setBucketAttributes(client, change.name, change.after!, change.changedAttributes);
      return;
    case "delete":
      await forceDeleteBucket(client, change.name);
      return;
    case "replace":
      throw new Error("a bucket is never replaced: that would destroy the tenant's data");
  }
}

/**
 * Detaches `policy` from each holder. MinIO refuses policy changes on a disabled user
 * (it answers "no such user"); a disabled user cannot use the policy, so that holder is
 * left, logged, and plan keeps showing it until the user is enabled or removed.
 */
async function detachFrom(
  client: MinioAdminClient,
  policy: string,
  holders: string[],
  context: ApplyContext,
) {
  for (const holder of holders) {
    try {
      await client.changePolicyAttachment("detach", [policy], entityOf(holder));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      context.log(
        `minio: ${holder} still holds ${policy}: MinIO refuses policy changes on a disabled or ` +
          "missing user; it cannot use the policy while disabled",
      );
    }
  }
}

async function applyPolicy(
  client: MinioAdminClient,
  change: Change,
  context: ApplyContext,
): Promise<void> {
  const before = change.before;
  if (change.action === "delete") {
    // MinIO refuses to delete a policy someone still holds.
    const holders = strings(attribute(before, "other_holders"));
    if (attribute(before, "held_by_own_user") === true && change.tenant) {
      holders.push(`user:${minioUser(change.tenant)}`);
    }
    await detachFrom(client, change.name, holders, context);
    await client.removeCannedPolicy(change.name);
    return;
  }
  const after = change.after!;
  const keys = change.action === "update" ? change.changedAttributes : Object.keys(after);
  if (keys.includes("document")) {
    await client.addCannedPolicy(change.name, after.document as Record<string, AttributeValue>);
  }
  if (keys.includes("other_holders") && before) {
    const keep = new Set(strings(after.other_holders));
    await detachFrom(
      client,
      change.name,
      strings(before.other_holders).filter((h) => !keep.has(h)),
      context,
    );
  }
}

async function setUserPolicies(
  client: MinioAdminClient,
  user: string,
  live: string[],
  wanted: string[],
): Promise<void> {
  // Detach first, so the user never holds more than either state allows.
  const extra = live.filter((p) => !wanted.includes(p));
  const missing = wanted.filter((p) => !live.includes(p));
  if (extra.length > 0) await client.changePolicyAttachment("detach", extra, { user });
  if (missing.length > 0) await client.changePolicyAttachment("attach", missing, { user });
}

/**
 * Changes a disabled user's policies. MinIO only changes the policies of an enabled
 * user, so the user is enabled under a throw-away secret key that never leaves this
 * function (no one can sign with it), changed, then given its recorded secret key and
 * final status. A crash in between leaves a user nobody can use, which the next plan
 * shows as an unrecorded credential and repairs.
 */
async function setPoliciesOfDisabledUser(
  client: MinioAdminClient,
  user: string,
  live: string[],
  wanted: string[],
  recordedSecretKey: string,
  status: UserStatus,
): Promise<void> {
  // Temporary credentials of a disabled user would work again while it is enabled.
  await ignoreNotFound(client.revokeTemporaryCredentials(user));
  await client.addUser(user, randomSecretKey(), "enabled");
  try {
    await setUserPolicies(client, user, live, wanted);
  } finally {
    await client.addUser(user, recordedSecretKey, status);
  }
}

async function applyUser(
  client: MinioAdminClient,
  change: Change,
  context: ApplyContext,
): Promise<void> {
  const user = change.name;
  if (change.action === "delete") {
    // Else a user created again under this name would revive them.
    await ignoreNotFound(client.revokeTemporaryCredentials(user));
    await ignoreNotFound(client.removeUser(user));
    return;
  }
  const tenant = change.tenant;
  if (!tenant) throw new Error(`user ${user} belongs to no tenant`);
  const after = change.after!;
  const status = (after.status === "disabled" ? "disabled" : "enabled") as UserStatus;
  const wanted = strings(after.policies);
  if (change.action === "create" || change.action === "replace") {
    // Recorded before the user exists, so no working credential is ever unrecorded.
    const secret = await context.credential(tenant);
    if (status === "enabled") {
      await client.addUser(user, secret.secret_key, status);
      // A user of this name removed by hand may have left temporary credentials behind.
      await client.revokeTemporaryCredentials(user);
      await setUserPolicies(client, user, [], wanted);
    } else {
      await setPoliciesOfDisabledUser(client, user, [], wanted, secret.secret_key, status);
    }
    return;
  }
  const before = change.before ?? {};
  const changed = new Set(change.changedAttributes);
  if (changed.has("policies")) {
    const live = strings(before.policies);
    if (before.status === "disabled" || status === "disabled") {
      const secret = await context.credential(tenant);
      await setPoliciesOfDisabledUser(client, user, live, wanted, secret.secret_key, status);
      // That also set the recorded secret key and the final status.
      changed.delete("credential");
      changed.delete("status");
    } else {
      await setUserPolicies(client, user, live, wanted);
    }
  }
  if (changed.has("credential") && after.credential === RECORDED) {
    const secret = await context.credential(tenant);
    await client.addUser(user, secret.secret_key, status);
    // Whatever was minted under the unrecorded secret goes with it.
    await client.revokeTemporaryCredentials(user);
    changed.delete("status");
  }
  if (changed.has("status")) {
    await client.setUserStatus(user, status);
    // Disabled users' temporary credentials would revive when the tenant is reactivated.
    if (status === "disabled") await client.revokeTemporaryCredentials(user);
  }
  if (changed.has("groups")) {
    const keep = new Set(strings(after.groups));
    for (const group of strings(before.groups).filter((g) => !keep.has(g))) {
      await ignoreNotFound(client.removeGroupMembers(group, [user]));
    }
  }
  const unknown = [...changed].filter(
    (k) => !["policies", "credential", "status", "groups"].includes(k),
  );
  if (unknown.length > 0) throw new Error(`unknown user attributes ${unknown.join(", ")}`);
}

async function applyAccessKey(client: MinioAdminClient, change: Change): Promise<void> {
  if (change.action !== "delete") {
    throw new Error("access keys of tenant users are never created by Bulkhead, only removed");
  }
  await ignoreNotFound(client.deleteServiceAccount(change.name));
}

export async function applyMinioChange(
  client: MinioAdminClient,
  change: Change,
  context: ApplyContext,
): Promise<void> {
  try {
    switch (change.kind) {
      case KIND.bucket:
        return await applyBucket(client, change);
      case KIND.policy:
        return await applyPolicy(client, change, context);
      case KIND.user:
        return await applyUser(client, change, context);
      case KIND.accessKey:
        return await applyAccessKey(client, change);
      default:
        throw new Error(`unknown MinIO resource kind ${change.kind}`);
    }
  } catch (error) {
    throw new StoreChangeError(change, error);
  }
}
