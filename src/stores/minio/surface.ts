/**
 * MinIO's operation surface as the probes use it: every S3 request of the server's API
 * (object, bucket and bucket-configuration calls), its admin and KMS APIs, each as a
 * builder of a real request aimed at a target, with the IAM actions the server checks
 * for it and the answers it gives once its access check has let the request through.
 *
 * The IAM action set itself is the server's (action_set.json, validated against the
 * server by action_set_gen.ts); surface_test.ts verifies with the real server that
 * denying each S3 operation's actions refuses it and that allowing them lets it through
 * with one of the answers listed here.
 *
 * Requests are built so that an authorised one does no harm beyond what it proves:
 * writes of configuration carry documents the server rejects after its access check,
 * deletes aim at keys that do not exist, bucket deletion is guarded by an object, force
 * deletion only ever aims at buckets that do not exist, and admin calls create nothing
 * under a name that exists.
 */
import type { S3Call } from "./s3_call.ts";
import { keyPath } from "./s3_call.ts";
import { ADMIN_PREFIX } from "./admin_http.ts";

/** What a request is aimed at. All plain data, drawn by the probes' arbitraries. */
export interface Aim {
  /** The bucket aimed at (another tenant's, the tenant's own, or a look-alike). */
  bucket: string;
  /** An object key in it (decoded). */
  key: string;
  /** The acting tenant's own bucket, and a key there (copy destinations and sources). */
  ownBucket: string;
  ownKey: string;
  /** IAM user and canned policy of the tenant aimed at. */
  user: string;
  policy: string;
  /** A UUID (version ids, upload ids, job ids). */
  uuid: string;
  /** A name no tenant, user or policy has. */
  probeName: string;
}

export type OperationLevel = "object" | "bucket" | "bucket-config" | "service" | "admin";

export interface Operation {
  /** Stable name, e.g. `GetObject`, `admin:list-users`. */
  name: string;
  level: OperationLevel;
  /** IAM actions the server checks for this request (each one necessary, unless `alternatives`). */
  actions: readonly string[];
  /** Any one of `actions` lets the request through (the server falls back from one to the next). */
  alternatives?: boolean;
  /** Error codes the server answers only after its access check let the request through. */
  afterAccess: readonly string[];
  /**
   * Codes the server answers before its access check, to every caller alike, that refuse
   * the request outright (e.g. retention on a bucket without object lock).
   */
  refusals?: readonly string[];
  /** DeleteObjects: per-key errors inside a 200 answer. */
  inlineErrors?: boolean;
  /**
   * Aimed at the probe object the probe keeps in the target bucket: the server looks the
   * object up before its access check, so a missing key would answer NoSuchKey to anyone
   * (S3-R09) and prove nothing about access.
   */
  onProbeObject?: boolean;
  build(aim: Aim): S3Call;
  /** The check a request aimed at another tenant belongs to; none = never aimed there. */
  victimCheck?: string;
  /** The check a request on the tenant's own bucket belongs to (its policy must refuse it). */
  ownCheck?: string;
  /** May aim at a bucket that looks like the tenant's own but is not (S3-022). */
  lookalike?: boolean;
  /** Sent as a presigned URL (S3-015) and unsigned (S3-016) as well. */
  presignable?: boolean;
  /** Sent only once a guard object sits in the target bucket (bucket deletion). */
  needsGuard?: boolean;
  /** Not server-verified by surface_test.ts (admin calls: verifying would run them). */
  unverified?: boolean;
}

const XML_NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
/** A document the server cannot parse: rejected after the access check, so nothing changes. */
const BROKEN_XML = "<Configuration><Rule><Unclosed></Rule>";
const NO_SUCH_KEY = ["NoSuchKey", "NoSuchVersion"];

const bucketPath = (aim: Aim) => `/${aim.bucket}`;
const objectPath = (aim: Aim) => keyPath(aim.bucket, aim.key);

function objectCall(
  method: S3Call["method"],
  query: [string, string][] = [],
  extra: Partial<S3Call> = {},
): (aim: Aim) => S3Call {
  return (aim) => ({ method, path: objectPath(aim), query, auth: "signed", ...extra });
}

function bucketCall(
  method: S3Call["method"],
  query: [string, string][] = [],
  extra: Partial<S3Call> = {},
): (aim: Aim) => S3Call {
  return (aim) => ({ method, path: bucketPath(aim), query, auth: "signed", ...extra });
}

/**
 * A bucket policy making objects public, naming a bucket other than the one it is put
 * on: the server refuses such a policy after its access check, so it never takes effect.
 */
function publicPolicyFor(aim: Aim): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow",
      Principal: { AWS: ["*"] },
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${aim.probeName}`, `arn:aws:s3:::${aim.probeName}/*`],
    }],
  });
}

/** S3 object operations. */
const OBJECT_OPERATIONS: Operation[] = [
  {
    name: "GetObject",
    level: "object",
    actions: ["s3:GetObject"],
    afterAccess: NO_SUCH_KEY,
    build: objectCall("GET"),
    victimCheck: "S3-001",
    lookalike: true,
    presignable: true,
  },
  {
    name: "HeadObject",
    level: "object",
    actions: ["s3:GetObject"],
    afterAccess: NO_SUCH_KEY,
    build: objectCall("HEAD"),
    victimCheck: "S3-001",
    presignable: true,
  },
  {
    name: "GetObjectVersion",
    level: "object",
    actions: ["s3:GetObject"],
    afterAccess: NO_SUCH_KEY,
    build: (aim) => objectCall("GET", [["versionId", aim.uuid]])(aim),
    victimCheck: "S3-001",
  },
  {
    name: "GetObjectAttributes",
    level: "object",
    actions: ["s3:GetObjectAttributes"],
    afterAccess: NO_SUCH_KEY,
    build: objectCall("GET", [["attributes", ""]], {
      headers: { "x-amz-object-attributes": "ETag,ObjectSize" },
    }),
    victimCheck: "S3-001",
  },
  {
    name: "GetObjectVersionAttributes",
    level: "object",
    actions: ["s3:GetObjectVersionAttributes", "s3:GetObjectVersion"],
    afterAccess: NO_SUCH_KEY,
    build: (aim) =>
      objectCall("GET", [["attributes", ""], ["versionId", aim.uuid]], {
        headers: { "x-amz-object-attributes": "ETag" },
      })(aim),
    victimCheck: "S3-001",
  },
  {
    name: "GetObjectTagging",
    level: "object",
    actions: ["s3:GetObjectTagging"],
    afterAccess: [],
    onProbeObject: true,
    build: objectCall("GET", [["tagging", ""]]),
    victimCheck: "S3-001",
    presignable: true,
  },
  {
    name: "GetObjectRetention",
    level: "object",
    actions: ["s3:GetObjectRetention"],
    afterAccess: [...NO_SUCH_KEY, "InvalidRequest", "NoSuchObjectLockConfiguration"],
    build: objectCall("GET", [["retention", ""]]),
    victimCheck: "S3-001",
  },
  {
    name: "GetObjectLegalHold",
    level: "object",
    actions: ["s3:GetObjectLegalHold"],
    afterAccess: [...NO_SUCH_KEY, "InvalidRequest", "NoSuchObjectLockConfiguration"],
    build: objectCall("GET", [["legal-hold", ""]]),
    victimCheck: "S3-001",
  },
  {
    name: "GetObjectAcl",
    level: "object",
    actions: ["s3:GetBucketPolicy"],
    afterAccess: NO_SUCH_KEY,
    build: objectCall("GET", [["acl", ""]]),
    victimCheck: "S3-001",
  },
  {
    name: "SelectObjectContent",
    level: "object",
    actions: ["s3:GetObject"],
    afterAccess: NO_SUCH_KEY,
    build: objectCall("POST", [["select", ""], ["select-type", "2"]], {
      body: `<SelectObjectContentRequest${XML_NS}><Expression>SELECT * FROM S3Object</Expression>` +
        "<ExpressionType>SQL</ExpressionType><InputSerialization><CSV/></InputSerialization>" +
        "<OutputSerialization><CSV/></OutputSerialization></SelectObjectContentRequest>",
    }),
    victimCheck: "S3-001",
  },
  {
    name: "GetObjectLambda",
    level: "object",
    actions: ["s3:GetObject"],
    afterAccess: [...NO_SUCH_KEY, "LambdaARNNotFound"],
    build: objectCall("GET", [["lambdaArn", "arn:minio:s3-object-lambda::probe:webhook"]]),
    victimCheck: "S3-001",
  },
  {
    name: "PutObject",
    level: "object",
    actions: ["s3:PutObject"],
    afterAccess: [],
    build: objectCall("PUT", [], { body: "bulkhead isolation probe" }),
    victimCheck: "S3-002",
    lookalike: true,
    presignable: true,
  },
  {
    name: "PutObjectReplica",
    level: "object",
    actions: ["s3:PutObject", "s3:ReplicateObject"],
    afterAccess: [],
    build: objectCall("PUT", [], {
      body: "bulkhead isolation probe",
      headers: { "x-amz-replication-status": "REPLICA" },
    }),
    victimCheck: "S3-002",
  },
  {
    name: "PutObjectExtract",
    level: "object",
    actions: ["s3:PutObject"],
    afterAccess: ["BadRequest"],
    build: objectCall("PUT", [], {
      body: "not a tar archive",
      headers: { "x-amz-meta-snowball-auto-extract": "true" },
    }),
    victimCheck: "S3-002",
  },
  {
    name: "CopyObjectIntoOther",
    level: "object",
    actions: ["s3:PutObject", "s3:GetObject"],
    afterAccess: NO_SUCH_KEY,
    build: (aim) => ({
      method: "PUT",
      path: objectPath(aim),
      headers: { "x-amz-copy-source": keyPath(aim.ownBucket, aim.ownKey) },
      auth: "signed",
    }),
    victimCheck: "S3-002",
  },
  {
    name: "CreateMultipartUpload",
    level: "object",
    actions: ["s3:PutObject"],
    afterAccess: [],
    build: objectCall("POST", [["uploads", ""]]),
    victimCheck: "S3-002",
  },
  {
    name: "UploadPart",
    level: "object",
    actions: ["s3:PutObject"],
    afterAccess: ["NoSuchUpload"],
    build: (aim) =>
      objectCall("PUT", [["partNumber", "1"], ["uploadId", aim.uuid]], { body: "part" })(aim),
    victimCheck: "S3-002",
    presignable: true,
  },
  {
    name: "CompleteMultipartUpload",
    level: "object",
    actions: ["s3:PutObject"],
    afterAccess: ["NoSuchUpload", "InvalidPart"],
    build: (aim) =>
      objectCall("POST", [["uploadId", aim.uuid]], {
        body: `<CompleteMultipartUpload${XML_NS}><Part><PartNumber>1</PartNumber>` +
          '<ETag>"00000000000000000000000000000000"</ETag></Part></CompleteMultipartUpload>',
      })(aim),
    victimCheck: "S3-002",
  },
  {
    name: "PutObjectTagging",
    level: "object",
    actions: ["s3:PutObjectTagging"],
    afterAccess: NO_SUCH_KEY,
    build: objectCall("PUT", [["tagging", ""]], {
      body: "<Tagging><TagSet><Tag><Key>probe</Key><Value>1</Value></Tag></TagSet></Tagging>",
    }),
    victimCheck: "S3-002",
  },
  {
    name: "PutObjectRetention",
    level: "object",
    actions: ["s3:PutObjectRetention"],
    afterAccess: [...NO_SUCH_KEY, "MalformedXML"],
    refusals: ["InvalidRequest"],
    build: objectCall("PUT", [["retention", ""]], {
      body: `<Retention${XML_NS}><Mode>GOVERNANCE</Mode>` +
        "<RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>",
      contentMd5: true,
    }),
    victimCheck: "S3-002",
  },
  {
    name: "PutObjectLegalHold",
    level: "object",
    actions: ["s3:PutObjectLegalHold"],
    afterAccess: [...NO_SUCH_KEY, "InvalidRequest", "MalformedXML"],
    build: objectCall("PUT", [["legal-hold", ""]], {
      body: `<LegalHold${XML_NS}><Status>ON</Status></LegalHold>`,
      contentMd5: true,
    }),
    victimCheck: "S3-002",
  },
  {
    name: "PutObjectAcl",
    level: "object",
    actions: ["s3:PutBucketPolicy"],
    afterAccess: [...NO_SUCH_KEY, "NotImplemented"],
    build: objectCall("PUT", [["acl", ""]], { headers: { "x-amz-acl": "public-read" } }),
    victimCheck: "S3-002",
  },
  {
    name: "RestoreObject",
    level: "object",
    actions: ["s3:RestoreObject"],
    afterAccess: [...NO_SUCH_KEY, "InvalidObjectState", "MalformedXML"],
    build: objectCall("POST", [["restore", ""]], {
      body: `<RestoreRequest${XML_NS}><Days>1</Days></RestoreRequest>`,
    }),
    victimCheck: "S3-002",
  },
  {
    name: "PostObject",
    level: "object",
    actions: ["s3:PutObject"],
    afterAccess: [],
    build: (aim) => ({
      method: "POST",
      path: bucketPath(aim),
      auth: "post-policy",
      form: { key: aim.key },
    }),
    victimCheck: "S3-002",
  },
  {
    name: "PostObjectFanOut",
    level: "object",
    actions: ["s3:PutObjectFanOut"],
    afterAccess: [],
    build: (aim) => ({
      method: "POST",
      path: bucketPath(aim),
      auth: "post-policy",
      form: { key: aim.key, fanOut: [`${aim.key}.1`, `${aim.key}.2`] },
    }),
    victimCheck: "S3-002",
  },
  {
    name: "DeleteObject",
    level: "object",
    actions: ["s3:DeleteObject"],
    afterAccess: [],
    build: objectCall("DELETE"),
    victimCheck: "S3-003",
    lookalike: true,
    presignable: true,
  },
  {
    name: "DeleteObjectVersion",
    level: "object",
    actions: ["s3:DeleteObjectVersion"],
    afterAccess: NO_SUCH_KEY,
    build: (aim) => objectCall("DELETE", [["versionId", aim.uuid]])(aim),
    victimCheck: "S3-003",
  },
  {
    name: "DeleteObjectBypassGovernance",
    level: "object",
    actions: ["s3:DeleteObjectVersion"],
    afterAccess: NO_SUCH_KEY,
    build: (aim) =>
      objectCall("DELETE", [["versionId", aim.uuid]], {
        headers: { "x-amz-bypass-governance-retention": "true" },
      })(aim),
    victimCheck: "S3-003",
  },
  {
    name: "DeleteObjectReplica",
    level: "object",
    actions: ["s3:DeleteObject", "s3:ReplicateDelete"],
    afterAccess: [],
    build: objectCall("DELETE", [], { headers: { "x-amz-replication-status": "REPLICA" } }),
    victimCheck: "S3-003",
  },
  {
    name: "DeleteObjects",
    level: "object",
    actions: ["s3:DeleteObject"],
    afterAccess: [],
    inlineErrors: true,
    build: (aim) => ({
      method: "POST",
      path: bucketPath(aim),
      query: [["delete", ""]],
      body: `<Delete${XML_NS}><Quiet>false</Quiet><Object><Key>${xmlText(aim.key)}</Key></Object>` +
        `<Object><Key>${xmlText(aim.key)}.2</Key></Object></Delete>`,
      contentMd5: true,
      auth: "signed",
    }),
    victimCheck: "S3-003",
  },
  {
    name: "DeleteObjectTagging",
    level: "object",
    actions: ["s3:DeleteObjectTagging"],
    afterAccess: [],
    onProbeObject: true,
    build: objectCall("DELETE", [["tagging", ""]]),
    victimCheck: "S3-003",
  },
  {
    name: "AbortMultipartUpload",
    level: "object",
    actions: ["s3:AbortMultipartUpload"],
    afterAccess: ["NoSuchUpload"],
    build: (aim) => objectCall("DELETE", [["uploadId", aim.uuid]])(aim),
    victimCheck: "S3-003",
  },
  {
    name: "ListParts",
    level: "object",
    actions: ["s3:ListMultipartUploadParts"],
    afterAccess: ["NoSuchUpload"],
    build: (aim) => objectCall("GET", [["uploadId", aim.uuid]])(aim),
    victimCheck: "S3-004",
  },
  {
    name: "CopyObjectFromOther",
    level: "object",
    actions: ["s3:GetObject", "s3:PutObject"],
    afterAccess: NO_SUCH_KEY,
    build: (aim) => ({
      method: "PUT",
      path: keyPath(aim.ownBucket, aim.ownKey),
      headers: { "x-amz-copy-source": objectPath(aim) },
      auth: "signed",
    }),
    victimCheck: "S3-005",
  },
  {
    name: "UploadPartCopyFromOther",
    level: "object",
    actions: ["s3:GetObject", "s3:PutObject"],
    afterAccess: [...NO_SUCH_KEY, "NoSuchUpload"],
    build: (aim) => ({
      method: "PUT",
      path: keyPath(aim.ownBucket, aim.ownKey),
      query: [["partNumber", "1"], ["uploadId", aim.uuid]],
      headers: { "x-amz-copy-source": objectPath(aim) },
      auth: "signed",
    }),
    victimCheck: "S3-005",
  },
];

/** Listing and bucket-level reads. */
const LISTING_OPERATIONS: Operation[] = [
  {
    name: "ListObjects",
    level: "bucket",
    actions: ["s3:ListBucket"],
    afterAccess: [],
    build: (aim) => bucketCall("GET", [["prefix", aim.key.slice(0, 3)]])(aim),
    victimCheck: "S3-004",
    presignable: true,
  },
  {
    name: "ListObjectsV2",
    level: "bucket",
    actions: ["s3:ListBucket"],
    afterAccess: [],
    build: (aim) => bucketCall("GET", [["list-type", "2"], ["prefix", aim.key.slice(0, 2)]])(aim),
    victimCheck: "S3-004",
    lookalike: true,
    presignable: true,
  },
  {
    name: "ListObjectsV2WithMetadata",
    level: "bucket",
    actions: ["s3:ListBucket"],
    afterAccess: [],
    build: bucketCall("GET", [["list-type", "2"], ["metadata", "true"]]),
    victimCheck: "S3-004",
  },
  {
    name: "ListObjectVersions",
    level: "bucket",
    actions: ["s3:ListBucketVersions", "s3:ListBucket"],
    alternatives: true,
    afterAccess: [],
    build: bucketCall("GET", [["versions", ""]]),
    victimCheck: "S3-004",
  },
  {
    name: "ListObjectVersionsWithMetadata",
    level: "bucket",
    actions: ["s3:ListBucketVersions", "s3:ListBucket"],
    alternatives: true,
    afterAccess: [],
    build: bucketCall("GET", [["versions", ""], ["metadata", "true"]]),
    victimCheck: "S3-004",
  },
  {
    name: "ListMultipartUploads",
    level: "bucket",
    actions: ["s3:ListBucketMultipartUploads"],
    afterAccess: [],
    build: bucketCall("GET", [["uploads", ""]]),
    victimCheck: "S3-004",
  },
  {
    name: "HeadBucket",
    level: "bucket",
    actions: ["s3:HeadBucket", "s3:ListBucket"],
    alternatives: true,
    afterAccess: ["NoSuchBucket"],
    build: bucketCall("HEAD"),
    victimCheck: "S3-004",
    lookalike: true,
    presignable: true,
  },
  {
    name: "GetBucketLocation",
    level: "bucket",
    actions: ["s3:GetBucketLocation"],
    afterAccess: ["NoSuchBucket"],
    build: bucketCall("GET", [["location", ""]]),
    victimCheck: "S3-004",
    lookalike: true,
  },
  {
    name: "ListenBucketNotification",
    level: "bucket",
    actions: ["s3:ListenBucketNotification"],
    afterAccess: [],
    build: bucketCall("GET", [["events", "s3:ObjectCreated:*"], ["ping", "1"]], {
      stream: true,
    }),
    victimCheck: "S3-004",
  },
  {
    name: "ListenNotification",
    level: "service",
    actions: ["s3:ListenNotification"],
    afterAccess: [],
    build: () => ({
      method: "GET",
      path: "/",
      query: [["events", "s3:ObjectCreated:*"], ["ping", "1"]],
      auth: "signed",
      stream: true,
    }),
    victimCheck: "S3-004",
  },
];

interface ConfigSpec {
  /** Query sub-resource, e.g. `policy`. */
  resource: string;
  get?: { name: string; actions: string[]; afterAccess: string[] };
  put?: {
    name: string;
    actions: string[];
    afterAccess: string[];
    call: (aim: Aim) => Partial<S3Call>;
  };
  del?: { name: string; actions: string[]; afterAccess: string[] };
  /** The check for a write on the tenant's own bucket (none: its own config is not guarded). */
  ownCheck?: string;
}

function xmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const broken = (extra: Partial<S3Call> = {}) => (): Partial<S3Call> => ({
  body: BROKEN_XML,
  ...extra,
});

/** Bucket configuration sub-resources: read, write and delete of each. */
const CONFIG_SPECS: ConfigSpec[] = [
  {
    resource: "policy",
    get: {
      name: "GetBucketPolicy",
      actions: ["s3:GetBucketPolicy"],
      afterAccess: ["NoSuchBucketPolicy"],
    },
    put: {
      name: "PutBucketPolicy",
      actions: ["s3:PutBucketPolicy"],
      afterAccess: ["MalformedPolicy"],
      call: (aim) => ({ body: publicPolicyFor(aim) }),
    },
    del: { name: "DeleteBucketPolicy", actions: ["s3:DeleteBucketPolicy"], afterAccess: [] },
    ownCheck: "S3-008",
  },
  {
    resource: "policyStatus",
    get: {
      name: "GetBucketPolicyStatus",
      actions: ["s3:GetBucketPolicyStatus"],
      afterAccess: ["NoSuchBucketPolicy"],
    },
  },
  {
    resource: "encryption",
    get: {
      name: "GetBucketEncryption",
      actions: ["s3:GetEncryptionConfiguration"],
      afterAccess: ["ServerSideEncryptionConfigurationNotFoundError"],
    },
    put: {
      name: "PutBucketEncryption",
      actions: ["s3:PutEncryptionConfiguration"],
      afterAccess: ["MalformedXML"],
      call: broken(),
    },
    del: {
      name: "DeleteBucketEncryption",
      actions: ["s3:PutEncryptionConfiguration"],
      afterAccess: ["ServerSideEncryptionConfigurationNotFoundError"],
    },
    ownCheck: "S3-009",
  },
  {
    resource: "tagging",
    get: {
      name: "GetBucketTagging",
      actions: ["s3:GetBucketTagging"],
      afterAccess: ["NoSuchTagSet"],
    },
    put: {
      name: "PutBucketTagging",
      actions: ["s3:PutBucketTagging"],
      afterAccess: ["MalformedXML"],
      call: broken(),
    },
    del: { name: "DeleteBucketTagging", actions: ["s3:PutBucketTagging"], afterAccess: [] },
    ownCheck: "S3-010",
  },
  {
    resource: "versioning",
    get: { name: "GetBucketVersioning", actions: ["s3:GetBucketVersioning"], afterAccess: [] },
    put: {
      name: "PutBucketVersioning",
      actions: ["s3:PutBucketVersioning"],
      afterAccess: ["MalformedXML", "IllegalVersioningConfigurationException"],
      call: () => ({
        body: `<VersioningConfiguration${XML_NS}><Status>Bogus</Status></VersioningConfiguration>`,
      }),
    },
    ownCheck: "S3-010",
  },
  {
    resource: "lifecycle",
    get: {
      name: "GetBucketLifecycle",
      actions: ["s3:GetLifecycleConfiguration"],
      afterAccess: ["NoSuchLifecycleConfiguration"],
    },
    put: {
      name: "PutBucketLifecycle",
      actions: ["s3:PutLifecycleConfiguration"],
      afterAccess: ["MalformedXML", "InvalidArgument", "InvalidRequest"],
      call: () => ({
        body: `<LifecycleConfiguration${XML_NS}><Rule><ID>probe</ID><Status>Bogus</Status>` +
          "</Rule></LifecycleConfiguration>",
        contentMd5: true,
      }),
    },
    del: {
      name: "DeleteBucketLifecycle",
      actions: ["s3:PutLifecycleConfiguration"],
      afterAccess: ["NoSuchLifecycleConfiguration"],
    },
    ownCheck: "S3-010",
  },
  {
    resource: "object-lock",
    get: {
      name: "GetObjectLockConfiguration",
      actions: ["s3:GetBucketObjectLockConfiguration"],
      afterAccess: ["ObjectLockConfigurationNotFoundError"],
    },
    put: {
      name: "PutObjectLockConfiguration",
      actions: ["s3:PutBucketObjectLockConfiguration"],
      afterAccess: ["MalformedXML", "InvalidArgument"],
      call: broken({ contentMd5: true }),
    },
    ownCheck: "S3-010",
  },
  {
    resource: "notification",
    get: {
      name: "GetBucketNotification",
      actions: ["s3:GetBucketNotification"],
      afterAccess: [],
    },
    put: {
      name: "PutBucketNotification",
      actions: ["s3:PutBucketNotification"],
      afterAccess: ["MalformedXML"],
      call: broken(),
    },
    ownCheck: "S3-010",
  },
  {
    resource: "replication",
    get: {
      name: "GetBucketReplication",
      actions: ["s3:GetReplicationConfiguration"],
      afterAccess: ["ReplicationConfigurationNotFoundError"],
    },
    put: {
      name: "PutBucketReplication",
      actions: ["s3:PutReplicationConfiguration"],
      afterAccess: ["MalformedXML", "InvalidRequest"],
      call: broken(),
    },
    del: {
      name: "DeleteBucketReplication",
      actions: ["s3:PutReplicationConfiguration"],
      afterAccess: [
        "ReplicationConfigurationNotFoundError",
        "XMinioAdminRemoteTargetNotFoundError",
      ],
    },
    ownCheck: "S3-010",
  },
  {
    resource: "replication-reset",
    put: {
      name: "ResetBucketReplicationStart",
      actions: ["s3:ResetBucketReplicationState"],
      afterAccess: ["ReplicationConfigurationNotFoundError", "InvalidArgument"],
      call: () => ({}),
    },
    ownCheck: "S3-010",
  },
  {
    resource: "replication-reset-status",
    get: {
      name: "ResetBucketReplicationStatus",
      actions: ["s3:ResetBucketReplicationState"],
      afterAccess: ["ReplicationConfigurationNotFoundError"],
    },
  },
  {
    resource: "replication-metrics",
    get: {
      name: "GetBucketReplicationMetrics",
      actions: ["s3:GetReplicationConfiguration"],
      afterAccess: ["ReplicationConfigurationNotFoundError"],
    },
  },
  {
    resource: "replication-check",
    get: {
      name: "ValidateBucketReplicationCreds",
      actions: ["s3:GetReplicationConfiguration"],
      afterAccess: ["ReplicationConfigurationNotFoundError", "InvalidRequest"],
    },
  },
  {
    resource: "acl",
    get: { name: "GetBucketAcl", actions: ["s3:GetBucketPolicy"], afterAccess: [] },
    put: {
      name: "PutBucketAcl",
      actions: ["s3:PutBucketPolicy"],
      afterAccess: ["NotImplemented"],
      call: () => ({ headers: { "x-amz-acl": "public-read" } }),
    },
    ownCheck: "S3-008",
  },
  {
    resource: "cors",
    get: {
      name: "GetBucketCors",
      actions: ["s3:GetBucketCors"],
      afterAccess: ["NoSuchCORSConfiguration"],
    },
    put: {
      name: "PutBucketCors",
      actions: ["s3:PutBucketCors"],
      afterAccess: ["MalformedXML", "NotImplemented"],
      call: broken({ contentMd5: true }),
    },
    del: {
      name: "DeleteBucketCors",
      actions: ["s3:DeleteBucketCors"],
      afterAccess: ["NotImplemented"],
    },
    ownCheck: "S3-010",
  },
  {
    resource: "website",
    get: {
      name: "GetBucketWebsite",
      actions: ["s3:GetBucketPolicy"],
      afterAccess: ["NoSuchWebsiteConfiguration"],
    },
  },
  {
    resource: "accelerate",
    get: { name: "GetBucketAccelerate", actions: ["s3:GetBucketPolicy"], afterAccess: [] },
  },
  {
    resource: "requestPayment",
    get: { name: "GetBucketRequestPayment", actions: ["s3:GetBucketPolicy"], afterAccess: [] },
  },
  {
    resource: "logging",
    get: { name: "GetBucketLogging", actions: ["s3:GetBucketPolicy"], afterAccess: [] },
  },
];

const CONFIG_OPERATIONS: Operation[] = CONFIG_SPECS.flatMap((spec): Operation[] => {
  const q: [string, string][] = [[spec.resource, ""]];
  const out: Operation[] = [];
  if (spec.get) {
    out.push({
      ...spec.get,
      level: "bucket-config",
      build: bucketCall("GET", q),
      victimCheck: "S3-007",
      lookalike: spec.resource === "policy",
    });
  }
  if (spec.put) {
    const put = spec.put;
    out.push({
      name: put.name,
      actions: put.actions,
      afterAccess: put.afterAccess,
      level: "bucket-config",
      build: (aim) => ({ ...bucketCall("PUT", q)(aim), ...put.call(aim) }),
      victimCheck: "S3-007",
      ownCheck: spec.ownCheck,
    });
  }
  if (spec.del) {
    out.push({
      ...spec.del,
      level: "bucket-config",
      build: bucketCall("DELETE", q),
      victimCheck: "S3-007",
      ownCheck: spec.ownCheck,
    });
  }
  return out;
});

/** Creating and deleting buckets. */
const BUCKET_OPERATIONS: Operation[] = [
  {
    // Aimed at buckets that exist (another tenant's, the own one): an authorised request
    // gets "already exists" and creates nothing.
    name: "CreateBucket",
    level: "bucket",
    actions: ["s3:CreateBucket"],
    afterAccess: ["BucketAlreadyOwnedByYou", "BucketAlreadyExists"],
    build: bucketCall("PUT"),
    victimCheck: "S3-011",
    ownCheck: "S3-011",
  },
  {
    name: "CreateBucketWithObjectLock",
    level: "bucket",
    actions: ["s3:CreateBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"],
    afterAccess: ["BucketAlreadyOwnedByYou", "BucketAlreadyExists"],
    build: bucketCall("PUT", [], { headers: { "x-amz-bucket-object-lock-enabled": "true" } }),
    victimCheck: "S3-011",
    ownCheck: "S3-011",
  },
  {
    // The probe puts a guard object in the bucket first, so an authorised delete answers
    // BucketNotEmpty and deletes nothing.
    name: "DeleteBucket",
    level: "bucket",
    actions: ["s3:DeleteBucket"],
    afterAccess: ["BucketNotEmpty"],
    build: bucketCall("DELETE"),
    victimCheck: "S3-003",
    ownCheck: "S3-011",
    needsGuard: true,
  },
  {
    // Only ever aimed at a bucket that does not exist (a look-alike name).
    name: "ForceDeleteBucket",
    level: "bucket",
    actions: ["s3:ForceDeleteBucket"],
    afterAccess: ["NoSuchBucket"],
    build: bucketCall("DELETE", [], { headers: { "x-minio-force-delete": "true" } }),
    lookalike: true,
  },
];

function admin(
  name: string,
  actions: string[],
  method: S3Call["method"],
  call: string,
  query: (aim: Aim) => [string, string][] = () => [],
  extra: (aim: Aim) => Partial<S3Call> = () => ({}),
  afterAccess: string[] = [],
): Operation {
  return {
    name: `admin:${name}`,
    level: "admin",
    actions,
    afterAccess,
    build: (aim) => ({
      method,
      path: `${ADMIN_PREFIX}/${call}`,
      query: query(aim),
      auth: "signed",
      ...extra(aim),
    }),
    victimCheck: "S3-012",
    // Distributed-only calls (pools, rebalance, locks…) are not served by a single node.
    refusals: ["XMinioAdminVersionMismatch"],
    unverified: true,
  };
}

/**
 * The secret of an access key the probes ask to mint under a name that already exists
 * (a user's): the server refuses that after its access check, so no key is ever made.
 */
const UNUSABLE_SECRET = "bulkhead-probe-never-issued";

/** A call of MinIO's KMS API (v1) with tenant keys. */
function kms(
  name: string,
  action: string,
  method: S3Call["method"],
  call: string,
  query: [string, string][] = [],
): Operation {
  return {
    ...admin(name, [action], method, call),
    name: `kms:${name}`,
    build: () => ({ method, path: `/minio/kms/v1/${call}`, query, auth: "signed" }),
  };
}

const NO_SUCH = ["XMinioAdminNoSuchUser", "XMinioAdminNoSuchPolicy", "XMinioAdminNoSuchGroup"];
const GARBAGE = () => ({ body: "not an encrypted admin body" });

/**
 * The admin API (v3) and the KMS API with tenant keys: reads of server-wide and other
 * tenants' state, and changes aimed at names that do not exist or values that are
 * already set, so an authorised call changes nothing another tenant depends on.
 */
const ADMIN_OPERATIONS: Operation[] = [
  admin("info", ["admin:ServerInfo"], "GET", "info"),
  admin("storageinfo", ["admin:StorageInfo"], "GET", "storageinfo"),
  admin("datausageinfo", ["admin:DataUsageInfo"], "GET", "datausageinfo"),
  admin("list-users", ["admin:ListUsers"], "GET", "list-users"),
  admin(
    "list-users-of-bucket",
    ["admin:ListUsers"],
    "GET",
    "list-users",
    (a) => [["bucket", a.bucket]],
  ),
  admin("user-info", ["admin:GetUser"], "GET", "user-info", (a) => [["accessKey", a.user]]),
  admin(
    "add-user",
    ["admin:CreateUser"],
    "PUT",
    "add-user",
    (a) => [["accessKey", a.user]],
    GARBAGE,
    [
      "XMinioAdminConfigBadJSON",
    ],
  ),
  admin(
    "set-user-status",
    ["admin:EnableUser"],
    "PUT",
    "set-user-status",
    (a) => [["accessKey", a.user], ["status", "enabled"]],
  ),
  admin(
    "remove-user",
    ["admin:DeleteUser"],
    "DELETE",
    "remove-user",
    (a) => [[
      "accessKey",
      a.probeName,
    ]],
    undefined,
    NO_SUCH,
  ),
  admin("list-canned-policies", ["admin:ListUserPolicies"], "GET", "list-canned-policies"),
  admin(
    "list-bucket-policies",
    ["admin:ListUserPolicies"],
    "GET",
    "list-canned-policies",
    (a) => [["bucket", a.bucket]],
  ),
  admin("info-canned-policy", ["admin:GetPolicy"], "GET", "info-canned-policy", (a) => [
    ["name", a.policy],
    ["v", "2"],
  ]),
  admin(
    "add-canned-policy",
    ["admin:CreatePolicy"],
    "PUT",
    "add-canned-policy",
    (a) => [["name", a.policy]],
    () => ({ body: "{ not a policy" }),
    ["XMinioMalformedIAMPolicy"],
  ),
  admin(
    "remove-canned-policy",
    ["admin:DeletePolicy"],
    "DELETE",
    "remove-canned-policy",
    (a) => [["name", a.probeName]],
    undefined,
    NO_SUCH,
  ),
  admin(
    "policy-entities",
    ["admin:ListUserPolicies"],
    "GET",
    "idp/builtin/policy-entities",
    (a) => [["user", a.user], ["policy", a.policy]],
  ),
  admin(
    "policy-attach",
    ["admin:AttachUserOrGroupPolicy"],
    "POST",
    "idp/builtin/policy/attach",
    () => [],
    (a) => ({ sealedBody: { policies: [a.policy], user: a.probeName } }),
    NO_SUCH,
  ),
  admin(
    "policy-detach",
    ["admin:AttachUserOrGroupPolicy"],
    "POST",
    "idp/builtin/policy/detach",
    () => [],
    (a) => ({ sealedBody: { policies: [a.policy], user: a.probeName } }),
    [...NO_SUCH, "XMinioAdminPolicyChangeAlreadyApplied"],
  ),
  admin(
    "set-user-or-group-policy",
    ["admin:AttachUserOrGroupPolicy"],
    "PUT",
    "set-user-or-group-policy",
    (a) => [["policyName", a.policy], ["userOrGroup", a.probeName], ["isGroup", "false"]],
    undefined,
    NO_SUCH,
  ),
  admin("groups", ["admin:ListGroups"], "GET", "groups"),
  admin(
    "group",
    ["admin:GetGroup"],
    "GET",
    "group",
    (a) => [["group", a.probeName]],
    undefined,
    NO_SUCH,
  ),
  admin(
    "update-group-members",
    ["admin:AddUserToGroup"],
    "PUT",
    "update-group-members",
    () => [],
    (a) => ({ body: JSON.stringify({ group: a.probeName, members: [a.user], isRemove: true }) }),
    NO_SUCH,
  ),
  admin(
    "set-group-status",
    ["admin:EnableGroup"],
    "PUT",
    "set-group-status",
    (a) => [["group", a.probeName], ["status", "enabled"]],
    undefined,
    NO_SUCH,
  ),
  admin(
    "add-service-account-for-other",
    ["admin:CreateServiceAccount"],
    "PUT",
    "add-service-account",
    () => [],
    (a) => ({ sealedBody: { targetUser: a.user, accessKey: a.user, secretKey: UNUSABLE_SECRET } }),
    ["XMinioIAMActionNotAllowed"],
  ),
  admin(
    "list-service-accounts",
    ["admin:ListServiceAccounts"],
    "GET",
    "list-service-accounts",
    (a) => [["user", a.user]],
  ),
  admin(
    "info-service-account",
    ["admin:ListServiceAccounts"],
    "GET",
    "info-service-account",
    (a) => [["accessKey", a.user]],
    undefined,
    ["XMinioAdminServiceAccountNotFound", "XMinioInvalidIAMCredentials"],
  ),
  admin(
    "update-service-account",
    ["admin:UpdateServiceAccount"],
    "POST",
    "update-service-account",
    (a) => [["accessKey", a.user]],
    () => ({ sealedBody: { newStatus: "off" } }),
    ["XMinioAdminServiceAccountNotFound", "XMinioInvalidIAMCredentials"],
  ),
  admin(
    "temporary-account-info",
    ["admin:ListTemporaryAccounts"],
    "GET",
    "temporary-account-info",
    (a) => [["accessKey", a.probeName]],
    undefined,
    ["XMinioInvalidIAMCredentials", "XMinioAdminNoSuchUser"],
  ),
  admin(
    "list-access-keys-bulk",
    ["admin:ListServiceAccounts"],
    "GET",
    "list-access-keys-bulk",
    (a) => [["listType", "all"], ["users", a.user]],
  ),
  admin(
    "info-access-key",
    ["admin:ListServiceAccounts"],
    "GET",
    "info-access-key",
    (a) => [["accessKey", a.user]],
  ),
  admin(
    "revoke-tokens",
    ["admin:RemoveServiceAccount"],
    "POST",
    "revoke-tokens/builtin",
    (a) => [["user", a.user], ["tokenRevokeType", "bulkhead-probe"]],
  ),
  admin("export-iam", ["admin:ExportIAM"], "GET", "export-iam"),
  admin(
    "import-iam",
    ["admin:ImportIAM"],
    "PUT",
    "import-iam",
    () => [],
    () => ({ body: "not a zip archive" }),
    ["XMinioAdminInvalidArgument", "InvalidArgument"],
  ),
  admin(
    "export-bucket-metadata",
    ["admin:ExportBucketMetadata"],
    "GET",
    "export-bucket-metadata",
    (a) => [["bucket", a.bucket]],
  ),
  admin(
    "import-bucket-metadata",
    ["admin:ImportBucketMetadata"],
    "PUT",
    "import-bucket-metadata",
    (a) => [["bucket", a.bucket]],
    () => ({ body: "not a zip archive" }),
    ["XMinioAdminInvalidArgument", "InvalidArgument"],
  ),
  admin("get-bucket-quota", ["admin:GetBucketQuota"], "GET", "get-bucket-quota", (a) => [[
    "bucket",
    a.bucket,
  ]]),
  admin(
    "set-bucket-quota",
    ["admin:SetBucketQuota"],
    "PUT",
    "set-bucket-quota",
    (a) => [["bucket", a.bucket]],
    () => ({ body: "{ not json" }),
    ["XMinioAdminInvalidArgument", "InvalidArgument", "XMinioAdminConfigBadJSON"],
  ),
  admin("list-remote-targets", ["admin:GetBucketTarget"], "GET", "list-remote-targets", (a) => [[
    "bucket",
    a.bucket,
  ]]),
  admin(
    "set-remote-target",
    ["admin:SetBucketTarget"],
    "PUT",
    "set-remote-target",
    (a) => [["bucket", a.bucket]],
    GARBAGE,
    ["XMinioAdminConfigBadJSON"],
  ),
  admin(
    "remove-remote-target",
    ["admin:SetBucketTarget"],
    "DELETE",
    "remove-remote-target",
    (a) => [["bucket", a.bucket], ["arn", `arn:minio:replication::${a.uuid}:${a.bucket}`]],
    undefined,
    ["XMinioAdminRemoteTargetNotFoundError", "XMinioAdminRemoteArnInvalid"],
  ),
  admin("get-config", ["admin:ConfigUpdate"], "GET", "config"),
  admin(
    "get-config-kv",
    ["admin:ConfigUpdate"],
    "GET",
    "get-config-kv",
    () => [["key", "identity_openid"]],
  ),
  admin(
    "help-config-kv",
    ["admin:ConfigUpdate"],
    "GET",
    "help-config-kv",
    () => [["subSys", "api"], [
      "key",
      "",
    ]],
  ),
  admin(
    "list-config-history-kv",
    ["admin:ConfigUpdate"],
    "GET",
    "list-config-history-kv",
    () => [["count", "1"]],
  ),
  admin(
    "set-config-kv",
    ["admin:ConfigUpdate"],
    "PUT",
    "set-config-kv",
    () => [],
    GARBAGE,
    ["XMinioAdminConfigBadJSON"],
  ),
  admin(
    "del-config-kv",
    ["admin:ConfigUpdate"],
    "DELETE",
    "del-config-kv",
    () => [],
    GARBAGE,
    ["XMinioAdminConfigBadJSON"],
  ),
  admin("idp-config-list", ["admin:ConfigUpdate"], "GET", "idp-config/openid"),
  admin("list-users-of-own-bucket", ["admin:ListUsers"], "GET", "list-users", (a) => [[
    "bucket",
    a.ownBucket,
  ]]),
  admin("top-locks", ["admin:TopLocksInfo"], "GET", "top/locks"),
  admin("pools-list", ["admin:ServerInfo"], "GET", "pools/list"),
  admin("rebalance-status", ["admin:Rebalance"], "GET", "rebalance/status", undefined, undefined, [
    "XMinioAdminRebalanceNotStarted",
    "NotImplemented",
  ]),
  admin("background-heal-status", ["admin:Heal"], "POST", "background-heal/status"),
  admin("list-jobs", ["admin:ListBatchJobs"], "GET", "list-jobs"),
  admin(
    "describe-job",
    ["admin:DescribeBatchJob"],
    "GET",
    "describe-job",
    (a) => [["jobId", a.uuid]],
    undefined,
    [
      "XMinioAdminNoSuchJob",
      "InvalidRequest",
    ],
  ),
  admin(
    "start-job",
    ["admin:StartBatchJob"],
    "POST",
    "start-job",
    () => [],
    () => ({ body: "{ not a batch job" }),
    ["InvalidRequest", "XMinioAdminInvalidArgument"],
  ),
  admin(
    "cancel-job",
    ["admin:CancelBatchJob"],
    "DELETE",
    "cancel-job",
    (a) => [["id", a.uuid]],
    undefined,
    [
      "XMinioAdminNoSuchJob",
      "InvalidRequest",
    ],
  ),
  admin("tier-list", ["admin:ListTier"], "GET", "tier"),
  admin("tier-stats", ["admin:ListTier"], "GET", "tier-stats"),
  admin("site-replication-info", ["admin:SiteReplicationInfo"], "GET", "site-replication/info"),
  admin("site-replication-status", ["admin:SiteReplicationInfo"], "GET", "site-replication/status"),
  admin("trace", ["admin:ServerTrace"], "GET", "trace", undefined, () => ({ stream: true })),
  admin("log", ["admin:ConsoleLog"], "GET", "log", undefined, () => ({ stream: true })),
  admin("metrics", ["admin:ServerInfo"], "GET", "metrics", undefined, () => ({ stream: true })),
  admin("kms-status", ["admin:KMSKeyStatus"], "POST", "kms/status"),
  admin("kms-key-status", ["admin:KMSKeyStatus"], "GET", "kms/key/status"),
  admin(
    "kms-key-create",
    ["admin:KMSCreateKey"],
    "POST",
    "kms/key/create",
    (a) => [["key-id", a.probeName]],
    undefined,
    ["XMinioKMSNotConfigured", "NotImplemented", "XMinioKMSKeyExists", "InternalError"],
  ),
  kms("status", "kms:Status", "GET", "status"),
  kms("metrics", "kms:Metrics", "GET", "metrics"),
  kms("apis", "kms:API", "GET", "apis"),
  kms("version", "kms:Version", "GET", "version"),
  kms("key-list", "kms:ListKeys", "GET", "key/list", [["pattern", "*"]]),
  kms("key-status", "kms:KeyStatus", "GET", "key/status"),
];

/**
 * Changes to the tenant's own credentials that its policy must deny explicitly (MinIO
 * allows them to every user unless denied): an authorised request still fails after the
 * access check (an undecryptable body; an access key that exists), so nothing is minted.
 */
export const SELF_SERVICE_OPERATIONS: Operation[] = [
  {
    name: "admin:add-service-account-for-self",
    level: "admin",
    actions: ["admin:CreateServiceAccount"],
    afterAccess: ["XMinioIAMActionNotAllowed"],
    build: (aim) => ({
      method: "PUT",
      path: `${ADMIN_PREFIX}/add-service-account`,
      sealedBody: { accessKey: aim.user, secretKey: UNUSABLE_SECRET },
      auth: "signed",
    }),
    ownCheck: "S3-013",
    unverified: true,
  },
  {
    name: "admin:add-user-for-self",
    level: "admin",
    actions: ["admin:CreateUser"],
    afterAccess: ["XMinioAdminConfigBadJSON"],
    build: (aim) => ({
      method: "PUT",
      path: `${ADMIN_PREFIX}/add-user`,
      query: [["accessKey", aim.user]],
      body: "not an encrypted admin body",
      auth: "signed",
    }),
    ownCheck: "S3-014",
    unverified: true,
  },
];

export const S3_OPERATIONS: readonly Operation[] = [
  ...OBJECT_OPERATIONS,
  ...LISTING_OPERATIONS,
  ...CONFIG_OPERATIONS,
  ...BUCKET_OPERATIONS,
];

export { ADMIN_OPERATIONS };

export const ALL_OPERATIONS: readonly Operation[] = [
  ...S3_OPERATIONS,
  ...ADMIN_OPERATIONS,
  ...SELF_SERVICE_OPERATIONS,
];

export function operationNamed(name: string): Operation {
  const found = ALL_OPERATIONS.find((o) => o.name === name);
  if (!found) throw new Error(`no MinIO operation ${name}`);
  return found;
}
