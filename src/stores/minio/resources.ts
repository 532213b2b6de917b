/**
 * MinIO resources of a tenant, desired (from the tenant file) and observed (from the
 * server's bulk exports), as plain data with canonical attribute values. Pure: no I/O.
 *
 * Per tenant: the bucket (encryption, quota, no bucket policy, prefix layout), the
 * canned policy (its document, and no holder but the tenant's user) and the IAM user
 * (status, exactly its policy, no groups, its recorded credential). Access keys
 * (service accounts) of tenant users are observed only: none is ever desired.
 *
 * Dependencies (on observed resources too, since deletes are ordered by them): user →
 * policy → bucket. Creation runs bucket, policy, user; deletion the
 * reverse, so a user goes before the policy it holds and the bucket goes last, when no
 * credential can reach it any more.
 */
import type { Attributes, AttributeValue, Resource, StoreSecret } from "../store.ts";
import { resourceAddress } from "../store.ts";
import type { Tenant } from "../../tenant/model.ts";
import { minioBucket, minioPolicy, minioUser, tenantIdFromName } from "../../tenant/names.ts";
import type { IamExport } from "./admin.ts";
import { normalisePolicy, tenantPolicyDocument } from "./policy.ts";
import {
  bucketPolicyFromJson,
  encryptionFromXml,
  prefixesFromTags,
  quotaBytes,
  quotaFromJson,
  SSE_S3,
  tagsFromXml,
} from "./bucket_settings.ts";

export const KIND = {
  bucket: "bucket",
  policy: "policy",
  user: "user",
  accessKey: "access_key",
} as const;

export const RECORDED = "recorded";
export const UNRECORDED = "unrecorded";

export function minioAddress(kind: string, name: string): string {
  return resourceAddress("minio", kind, name);
}

function resource(
  kind: string,
  name: string,
  tenant: string | undefined,
  attributes: Attributes,
  dependsOn: string[] = [],
): Resource {
  return {
    address: minioAddress(kind, name),
    store: "minio",
    kind,
    name,
    ...(tenant !== undefined && { tenant }),
    attributes,
    ...(dependsOn.length > 0 && { dependsOn }),
  };
}

/** What a tenant's bucket, policy and user must be. Empty when the tenant uses no MinIO. */
export function desiredTenantResources(tenant: Tenant, secretsAvailable: boolean): Resource[] {
  const layout = tenant.stores.minio;
  if (!layout) return [];
  const bucket = minioBucket(tenant.id);
  const policy = minioPolicy(tenant.id);
  const bucketAddress = minioAddress(KIND.bucket, bucket);
  const policyAddress = minioAddress(KIND.policy, policy);
  const userAttributes: Attributes = {
    status: tenant.status === "active" ? "enabled" : "disabled",
    policies: [policy],
    groups: [],
  };
  if (secretsAvailable) userAttributes.credential = RECORDED;
  return [
    resource(KIND.bucket, bucket, tenant.id, {
      encryption: SSE_S3,
      quota: { type: "hard", bytes: quotaBytes(tenant.limits.maxStorageGb) },
      bucket_policy: null,
      prefixes: [...new Set(layout.prefixes)].sort(),
    }),
    resource(KIND.policy, policy, tenant.id, {
      document: normalisePolicy(tenantPolicyDocument(bucket)),
      other_holders: [],
    }, [bucketAddress]),
    resource(KIND.user, minioUser(tenant.id), tenant.id, userAttributes, [
      policyAddress,
      bucketAddress,
    ]),
  ];
}

/** What observation read from the server, in the shape the exports give it. */
export interface MinioSnapshot {
  buckets: string[];
  /** Per bucket, its configuration documents by file name (export-bucket-metadata). */
  bucketMetadata: Map<string, Map<string, string>>;
  iam: IamExport;
}

function policyList(mapping: { policy?: string } | undefined): string[] {
  return [...new Set((mapping?.policy ?? "").split(",").map((p) => p.trim()).filter(Boolean))]
    .sort();
}

function bucketResource(name: string, tenant: string, files: Map<string, string>): Resource {
  const quota = quotaFromJson(files.get("quota.json"));
  return resource(KIND.bucket, name, tenant, {
    encryption: encryptionFromXml(files.get("bucket-encryption.xml")),
    quota: quota ? { type: quota.type, bytes: quota.bytes } : null,
    bucket_policy: bucketPolicyFromJson(files.get("policy.json")),
    prefixes: prefixesFromTags(tagsFromXml(files.get("tagging.xml"))),
  });
}

/** `user:<name>` / `group:<name>` holding each policy, from the mappings. */
function holdersByPolicy(iam: IamExport): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  const add = (policies: string[], holder: string) => {
    for (const p of policies) holders.set(p, [...(holders.get(p) ?? []), holder]);
  };
  for (const [user, mapping] of Object.entries(iam.userMappings)) {
    add(policyList(mapping), `user:${user}`);
  }
  for (const [group, mapping] of Object.entries(iam.groupMappings)) {
    add(policyList(mapping), `group:${group}`);
  }
  return holders;
}

function credentialState(
  accessKey: string,
  liveSecretKey: string | undefined,
  recorded: StoreSecret | undefined,
): string {
  const matches = recorded !== undefined && liveSecretKey !== undefined &&
    recorded.access_key === accessKey && recorded.secret_key === liveSecretKey;
  return matches ? RECORDED : UNRECORDED;
}

/**
 * Every live resource that is a tenant's or looks like one (name parsed back to a tenant
 * id, declared or not). Secret keys in the snapshot are only compared, never kept.
 */
export function observedResources(
  snapshot: MinioSnapshot,
  secrets: ReadonlyMap<string, StoreSecret>,
): Resource[] {
  const out: Resource[] = [];
  for (const bucket of [...snapshot.buckets].sort()) {
    const tenant = tenantIdFromName("kebab", bucket);
    if (tenant === undefined) continue;
    out.push(bucketResource(bucket, tenant, snapshot.bucketMetadata.get(bucket) ?? new Map()));
  }

  const holders = holdersByPolicy(snapshot.iam);
  for (const [name, document] of Object.entries(snapshot.iam.policies)) {
    const tenant = tenantIdFromName("policy", name);
    if (tenant === undefined) continue;
    const own = `user:${minioUser(tenant)}`;
    out.push(resource(KIND.policy, name, tenant, {
      document: normalisePolicy(document),
      other_holders: (holders.get(name) ?? []).filter((h) => h !== own).sort(),
      held_by_own_user: (holders.get(name) ?? []).includes(own),
    }, [minioAddress(KIND.bucket, minioBucket(tenant))]));
  }

  const groupsOf = new Map<string, string[]>();
  for (const [group, info] of Object.entries(snapshot.iam.groups)) {
    for (const member of info.members ?? []) {
      groupsOf.set(member, [...(groupsOf.get(member) ?? []), group]);
    }
  }
  for (const [name, user] of Object.entries(snapshot.iam.users)) {
    const tenant = tenantIdFromName("kebab", name);
    if (tenant === undefined) continue;
    out.push(resource(KIND.user, name, tenant, {
      status: user.status === "disabled" ? "disabled" : "enabled",
      policies: policyList(snapshot.iam.userMappings[name]),
      groups: [...(groupsOf.get(name) ?? [])].sort(),
      credential: credentialState(name, user.secretKey, secrets.get(tenant)),
    }, [
      minioAddress(KIND.policy, minioPolicy(tenant)),
      minioAddress(KIND.bucket, minioBucket(tenant)),
    ]));
  }

  for (const [accessKey, account] of Object.entries(snapshot.iam.serviceAccounts)) {
    const parent = account.parent ?? "";
    const tenant = tenantIdFromName("kebab", parent);
    if (tenant === undefined) continue;
    const attributes: Record<string, AttributeValue> = { parent, type: "service-account" };
    out.push(
      resource(KIND.accessKey, accessKey, tenant, attributes, [minioAddress(KIND.user, parent)]),
    );
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}
