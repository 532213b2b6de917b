/**
 * An S3 client holding one tenant's keys, for isolation probes and tests: every request
 * the tenant could send (S3 or admin API), with the store's refusal surfaced as a typed
 * denial. Only the server's own AccessDenied counts as a denial; a wrong signature, an
 * unknown key or a network error is an error, so broken credentials never pass as
 * isolation.
 */
import { utf8 } from "../../encoding.ts";
import { endpointOf } from "../../config.ts";
import { type MinioRequest, minioRequest, MinioServerError } from "./admin_http.ts";
import { bucketNamesFromListXml, xmlUnescape } from "./bucket_settings.ts";

/** What `connectionDetails` hands a tenant's application. */
export interface TenantS3Details {
  endpoint: string;
  access_key: string;
  secret_key: string;
  /** Set for temporary (STS) credentials. */
  session_token?: string;
}

/** The store refused the request (S3 or admin `AccessDenied`). */
export class S3AccessDenied extends Error {
  constructor(
    readonly operation: string,
    readonly code: string,
    readonly serverMessage: string,
    readonly status: number,
  ) {
    super(`denied: ${operation}: ${code} (HTTP ${status}): ${serverMessage}`);
    this.name = "S3AccessDenied";
  }
}

export const DENIAL_CODES: ReadonlySet<string> = new Set(["AccessDenied"]);

export class TenantS3Client {
  constructor(private readonly details: TenantS3Details, private readonly region = "us-east-1") {}

  /** `scheme://host:port`, safe to print. */
  get endpoint(): string {
    return endpointOf(this.details.endpoint);
  }

  /** Any request, signed with the tenant's keys. Throws S3AccessDenied when the store refuses. */
  async send(request: MinioRequest): Promise<Uint8Array> {
    const token = this.details.session_token;
    const headers = token ? { ...request.headers, "x-amz-security-token": token } : request.headers;
    try {
      return await minioRequest({
        endpoint: this.details.endpoint.replace(/\/+$/, ""),
        accessKey: this.details.access_key,
        secretKey: this.details.secret_key,
        region: this.region,
      }, { ...request, headers });
    } catch (error) {
      if (error instanceof MinioServerError && DENIAL_CODES.has(error.code)) {
        throw new S3AccessDenied(error.operation, error.code, error.serverMessage, error.status);
      }
      throw error;
    }
  }

  async putObject(bucket: string, key: string, body: Uint8Array | string): Promise<void> {
    const bytes = typeof body === "string" ? utf8.encode(body) : body;
    await this.send({ method: "PUT", path: objectPath(bucket, key), body: bytes });
  }

  getObject(bucket: string, key: string): Promise<Uint8Array> {
    return this.send({ method: "GET", path: objectPath(bucket, key) });
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.send({ method: "DELETE", path: objectPath(bucket, key) });
  }

  /** Keys under `prefix` (first page of ListObjectsV2, up to 1000). */
  async listObjects(bucket: string, prefix = ""): Promise<string[]> {
    const xml = utf8.decode(
      await this.send({
        method: "GET",
        path: `/${bucket}`,
        query: { "list-type": "2", prefix },
      }),
    );
    return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlUnescape(m[1]));
  }

  /**
   * Temporary credentials minted with these keys (STS AssumeRole), as any MinIO user may
   * do for itself; they inherit the user's policy.
   */
  async assumeRole(durationSeconds = 3600): Promise<TenantS3Details> {
    const form = new URLSearchParams({
      Action: "AssumeRole",
      Version: "2011-06-15",
      DurationSeconds: String(durationSeconds),
    });
    const xml = utf8.decode(
      await this.send({
        method: "POST",
        path: "/",
        service: "sts",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: utf8.encode(form.toString()),
      }),
    );
    const field = (name: string) => {
      const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
      if (value === undefined) throw new Error(`AssumeRole answer without ${name}`);
      return xmlUnescape(value);
    };
    return {
      endpoint: this.details.endpoint,
      access_key: field("AccessKeyId"),
      secret_key: field("SecretAccessKey"),
      session_token: field("SessionToken"),
    };
  }

  async listBuckets(): Promise<string[]> {
    return bucketNamesFromListXml(utf8.decode(await this.send({ method: "GET", path: "/" })));
  }
}

function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${key}`;
}

/** Runs `attempt` and tells whether the store allowed or denied it; other failures throw. */
export async function probe(
  attempt: () => Promise<unknown>,
): Promise<{ outcome: "allowed" } | { outcome: "denied"; denial: S3AccessDenied }> {
  try {
    await attempt();
    return { outcome: "allowed" };
  } catch (error) {
    if (error instanceof S3AccessDenied) return { outcome: "denied", denial: error };
    throw error;
  }
}
