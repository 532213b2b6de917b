/**
 * MinIO's admin API (v3) as Bulkhead needs it: IAM users, canned policies and their
 * attachments, groups' members, service accounts, bucket quotas and the two bulk exports
 * that observation reads. Bodies MinIO encrypts are encrypted and decrypted here
 * (admin_crypto.ts); every request is counted so observation can report its round trips.
 */
import type { MinioEndpoint } from "../../config.ts";
import { utf8 } from "../../encoding.ts";
import { ADMIN_PREFIX, type MinioRequest, minioRequest, MinioServerError } from "./admin_http.ts";
import { decryptAdminJson, encryptAdminJson } from "./admin_crypto.ts";
import { readZip } from "./zip.ts";

export type UserStatus = "enabled" | "disabled";

/** One entry of `list-users`. */
export interface UserSummary {
  policyName?: string;
  status: UserStatus;
  memberOf?: string[];
  updatedAt?: string;
}

export type PolicyJson = Record<string, unknown>;

export interface PolicyEntities {
  userMappings?: Array<{ user: string; policies: string[] }>;
  groupMappings?: Array<{ group: string; policies: string[] }>;
  policyMappings?: Array<{ policy: string; users?: string[]; groups?: string[] }>;
}

export interface BucketQuota {
  size?: number;
  quota?: number;
  quotatype?: string;
}

/** IAM state from `export-iam`: one round trip for users, secrets, mappings, groups, policies. */
export interface IamExport {
  users: Record<string, { secretKey?: string; status?: string }>;
  userMappings: Record<string, { policy?: string }>;
  groups: Record<string, { members?: string[] | null; status?: string }>;
  groupMappings: Record<string, { policy?: string }>;
  serviceAccounts: Record<string, { parent?: string; accessKey?: string; status?: string }>;
  policies: Record<string, PolicyJson>;
}

/** The admin error codes Bulkhead treats as "already done". */
export const ALREADY_APPLIED = "XMinioAdminPolicyChangeAlreadyApplied";

export function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof MinioServerError && codes.includes(error.code);
}

/** The thing to change or delete is not there (no such user, service account, bucket, …). */
export function isNotFound(error: unknown): boolean {
  return error instanceof MinioServerError && error.status === 404;
}

const OCTET_STREAM = { "content-type": "application/octet-stream" };

export class MinioAdminClient {
  /** Requests sent since construction (admin and S3). */
  requests = 0;

  constructor(readonly endpoint: MinioEndpoint) {}

  /** Any signed request to the server, counted. */
  request(request: MinioRequest): Promise<Uint8Array> {
    this.requests++;
    return minioRequest(this.endpoint, request);
  }

  private admin(
    method: MinioRequest["method"],
    call: string,
    query?: Record<string, string>,
    body?: Uint8Array,
    headers?: Record<string, string>,
  ): Promise<Uint8Array> {
    return this.request({ method, path: `${ADMIN_PREFIX}/${call}`, query, body, headers });
  }

  private async json<T>(call: string, query?: Record<string, string>): Promise<T> {
    return JSON.parse(utf8.decode(await this.admin("GET", call, query))) as T;
  }

  private async encryptedJson<T>(call: string, query?: Record<string, string>): Promise<T> {
    return decryptAdminJson<T>(this.endpoint.secretKey, await this.admin("GET", call, query));
  }

  /** Creates the user or, when it exists, sets its secret key and status. */
  async addUser(accessKey: string, secretKey: string, status: UserStatus): Promise<void> {
    await this.admin(
      "PUT",
      "add-user",
      { accessKey },
      encryptAdminJson(this.endpoint.secretKey, { secretKey, status }),
    );
  }

  async setUserStatus(accessKey: string, status: UserStatus): Promise<void> {
    await this.admin("PUT", "set-user-status", { accessKey, status });
  }

  async removeUser(accessKey: string): Promise<void> {
    await this.admin("DELETE", "remove-user", { accessKey });
  }

  /**
   * Revokes every temporary (STS) credential the user minted for itself. MinIO lets any
   * user call AssumeRole (for up to 365 days); such credentials survive a secret change
   * and come back to life when a user of the same name is created again.
   */
  async revokeTemporaryCredentials(user: string): Promise<void> {
    await this.admin("POST", "revoke-tokens/builtin", { user, fullRevoke: "true" });
  }

  /** Every IAM user (not service accounts): the answer is encrypted (one Argon2id). */
  listUsers(): Promise<Record<string, UserSummary>> {
    return this.encryptedJson("list-users");
  }

  userInfo(accessKey: string): Promise<UserSummary> {
    return this.json("user-info", { accessKey });
  }

  async addCannedPolicy(name: string, document: PolicyJson): Promise<void> {
    await this.admin("PUT", "add-canned-policy", { name }, utf8.encode(JSON.stringify(document)));
  }

  /** MinIO refuses while a user or group holds the policy (XMinioAdminPolicyInUse). */
  async removeCannedPolicy(name: string): Promise<void> {
    await this.admin("DELETE", "remove-canned-policy", { name });
  }

  listCannedPolicies(): Promise<Record<string, PolicyJson>> {
    return this.json("list-canned-policies");
  }

  async cannedPolicyInfo(name: string): Promise<{ PolicyName: string; Policy: PolicyJson }> {
    return await this.json("info-canned-policy", { name, v: "2" });
  }

  /**
   * Attaches (or detaches) policies to a user or group. Returns false when the change was
   * already in effect, which MinIO answers with an error.
   */
  async changePolicyAttachment(
    operation: "attach" | "detach",
    policies: string[],
    entity: { user: string } | { group: string },
  ): Promise<boolean> {
    try {
      await this.admin(
        "POST",
        `idp/builtin/policy/${operation}`,
        undefined,
        encryptAdminJson(this.endpoint.secretKey, { policies, ...entity }),
        OCTET_STREAM,
      );
      return true;
    } catch (error) {
      if (hasCode(error, ALREADY_APPLIED)) return false;
      throw error;
    }
  }

  /** Who holds which policy, for one user and/or one policy (encrypted answer). */
  policyEntities(filter: { user?: string; policy?: string }): Promise<PolicyEntities> {
    const query: Record<string, string> = {};
    if (filter.user) query.user = filter.user;
    if (filter.policy) query.policy = filter.policy;
    return this.encryptedJson("idp/builtin/policy-entities", query);
  }

  async removeGroupMembers(group: string, members: string[]): Promise<void> {
    const body = { group, members, isRemove: true };
    await this.admin("PUT", "update-group-members", undefined, utf8.encode(JSON.stringify(body)));
  }

  async deleteServiceAccount(accessKey: string): Promise<void> {
    await this.admin("DELETE", "delete-service-account", { accessKey });
  }

  /** A hard quota of `bytes`; 0 clears it. */
  async setBucketQuota(bucket: string, bytes: number): Promise<void> {
    const body = bytes > 0 ? { size: bytes, quotatype: "hard" } : { size: 0 };
    await this.admin("PUT", "set-bucket-quota", { bucket }, utf8.encode(JSON.stringify(body)));
  }

  getBucketQuota(bucket: string): Promise<BucketQuota> {
    return this.json("get-bucket-quota", { bucket });
  }

  /**
   * All IAM state in one round trip. It carries every user's secret key (so credentials
   * can be checked without a request per tenant): use it over TLS or loopback only.
   */
  async exportIam(): Promise<IamExport> {
    const files = await readZip(await this.admin("GET", "export-iam"));
    const read = <T>(name: string): T => {
      const bytes = files.get(`iam-assets/${name}`);
      return ((bytes ? JSON.parse(utf8.decode(bytes)) : null) ?? {}) as T;
    };
    return {
      users: read("users.json"),
      userMappings: read("user_mappings.json"),
      groups: read("groups.json"),
      groupMappings: read("group_mappings.json"),
      serviceAccounts: read("svcaccts.json"),
      policies: read("policies.json"),
    };
  }

  /**
   * Every bucket's configuration documents in one round trip, by bucket then file name
   * (`policy.json`, `bucket-encryption.xml`, `quota.json`, `tagging.xml`, …). A bucket
   * without any configuration is absent.
   */
  async exportBucketMetadata(): Promise<Map<string, Map<string, string>>> {
    const files = await readZip(await this.admin("GET", "export-bucket-metadata"));
    const buckets = new Map<string, Map<string, string>>();
    for (const [path, bytes] of files) {
      const slash = path.indexOf("/");
      if (slash < 0) continue;
      const bucket = path.slice(0, slash);
      if (!buckets.has(bucket)) buckets.set(bucket, new Map());
      buckets.get(bucket)!.set(path.slice(slash + 1), utf8.decode(bytes));
    }
    return buckets;
  }
}
