/**
 * The MinIO store: per tenant a bucket (SSE-S3, hard quota, no bucket policy, optional
 * prefix layout), a canned policy reaching only that bucket, and an IAM user holding
 * exactly that policy (resources.ts). Observation is three requests whatever the number
 * of tenants: ListBuckets, export-bucket-metadata (every bucket's policy, encryption,
 * quota and tags) and export-iam (users with status and secret key, policy mappings,
 * groups, service accounts, policies).
 */
import type { MinioEndpoint } from "../../config.ts";
import type { Tenant } from "../../tenant/model.ts";
import { minioBucket, minioUser } from "../../tenant/names.ts";
import type {
  ApplyContext,
  Change,
  Observation,
  ObserveContext,
  Resource,
  Store,
  StoreSecret,
} from "../store.ts";
import { MinioAdminClient } from "./admin.ts";
import { listBuckets } from "./buckets.ts";
import { applyMinioChange } from "./apply.ts";
import { desiredTenantResources, observedResources } from "./resources.ts";
import { randomSecretKey } from "./credentials.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Observation reads every tenant's secret key (export-iam): say so when that is in clear. */
export function transportNotes(endpoint: string): string[] {
  const url = new URL(endpoint);
  if (url.protocol === "https:" || LOOPBACK.has(url.hostname)) return [];
  return [
    `minio: the admin endpoint ${url.protocol}//${url.host} is plain HTTP: observation reads ` +
    "tenant secret keys (export-iam) and they cross the network unencrypted; use https",
  ];
}

export class MinioStore implements Store {
  readonly name = "minio" as const;
  private readonly client: MinioAdminClient;

  constructor(private readonly endpoint: MinioEndpoint) {
    this.client = new MinioAdminClient(endpoint);
  }

  desired(tenant: Tenant, _secret: StoreSecret | undefined, secretsAvailable: boolean): Resource[] {
    return desiredTenantResources(tenant, secretsAvailable);
  }

  /** Nothing shared: isolation lives in each tenant's own bucket, user and policy. */
  desiredShared(_tenants: readonly Tenant[]): Resource[] {
    return [];
  }

  async observe(context: ObserveContext): Promise<Observation> {
    // A client of its own, so concurrent applies do not inflate the count.
    const client = new MinioAdminClient(this.endpoint);
    const [buckets, bucketMetadata, iam] = await Promise.all([
      listBuckets(client),
      client.exportBucketMetadata(),
      client.exportIam(),
    ]);
    return {
      resources: observedResources({ buckets, bucketMetadata, iam }, context.secrets),
      roundTrips: client.requests,
      notes: transportNotes(this.endpoint.endpoint),
    };
  }

  newCredential(tenant: Tenant): Promise<StoreSecret> {
    return Promise.resolve({ access_key: minioUser(tenant.id), secret_key: randomSecretKey() });
  }

  apply(change: Change, context: ApplyContext): Promise<void> {
    return applyMinioChange(this.client, change, context);
  }

  connectionDetails(tenantId: string, secret: StoreSecret): Record<string, string> {
    const url = new URL(this.endpoint.endpoint);
    return {
      endpoint: `${url.protocol}//${url.host}`,
      access_key: secret.access_key,
      secret_key: secret.secret_key,
      bucket: minioBucket(tenantId),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function createMinioStore(endpoint: MinioEndpoint): MinioStore {
  return new MinioStore(endpoint);
}
