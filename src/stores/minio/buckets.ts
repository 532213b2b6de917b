/**
 * The S3 calls Bulkhead makes on tenant buckets with the admin credentials, through the
 * same signed, counted requests as the admin API. Each one is idempotent: "already there"
 * and "already gone" count as done.
 */
import { utf8 } from "../../encoding.ts";
import { MinioServerError } from "./admin_http.ts";
import { hasCode, isNotFound, type MinioAdminClient } from "./admin.ts";
import {
  bucketNamesFromListXml,
  sseS3ConfigurationXml,
  tagsFromXml,
  tagsToXml,
} from "./bucket_settings.ts";

export async function listBuckets(client: MinioAdminClient): Promise<string[]> {
  return bucketNamesFromListXml(utf8.decode(await client.request({ method: "GET", path: "/" })));
}

export async function makeBucket(client: MinioAdminClient, bucket: string): Promise<void> {
  try {
    await client.request({ method: "PUT", path: `/${bucket}` });
  } catch (error) {
    if (!hasCode(error, "BucketAlreadyOwnedByYou")) throw error;
  }
}

/** Default encryption SSE-S3 (the server needs a KMS key; without one it answers 501). */
export async function setDefaultEncryption(
  client: MinioAdminClient,
  bucket: string,
): Promise<void> {
  await client.request({
    method: "PUT",
    path: `/${bucket}`,
    query: { encryption: "" },
    body: utf8.encode(sseS3ConfigurationXml()),
  });
}

export async function deleteBucketPolicy(client: MinioAdminClient, bucket: string): Promise<void> {
  try {
    await client.request({ method: "DELETE", path: `/${bucket}`, query: { policy: "" } });
  } catch (error) {
    if (!hasCode(error, "NoSuchBucketPolicy")) throw error;
  }
}

export async function bucketTags(
  client: MinioAdminClient,
  bucket: string,
): Promise<Map<string, string>> {
  try {
    const xml = utf8.decode(
      await client.request({ method: "GET", path: `/${bucket}`, query: { tagging: "" } }),
    );
    return tagsFromXml(xml);
  } catch (error) {
    if (hasCode(error, "NoSuchTagSet")) return new Map();
    throw error;
  }
}

export async function setBucketTags(
  client: MinioAdminClient,
  bucket: string,
  tags: Map<string, string>,
): Promise<void> {
  if (tags.size === 0) {
    await client.request({ method: "DELETE", path: `/${bucket}`, query: { tagging: "" } });
    return;
  }
  await client.request({
    method: "PUT",
    path: `/${bucket}`,
    query: { tagging: "" },
    body: utf8.encode(tagsToXml(tags)),
  });
}

/** A zero-byte object, e.g. the marker `raw/` of a prefix. */
export async function putEmptyObject(
  client: MinioAdminClient,
  bucket: string,
  key: string,
): Promise<void> {
  await client.request({ method: "PUT", path: `/${bucket}/${key}`, body: new Uint8Array() });
}

/**
 * Deletes the bucket with every object and version in it, in one request (MinIO's
 * `x-minio-force-delete`), so no half-emptied bucket is left between calls.
 */
export async function forceDeleteBucket(client: MinioAdminClient, bucket: string): Promise<void> {
  try {
    await client.request({
      method: "DELETE",
      path: `/${bucket}`,
      headers: { "x-minio-force-delete": "true" },
    });
  } catch (error) {
    if (!(error instanceof MinioServerError && (isNotFound(error)))) throw error;
  }
}
