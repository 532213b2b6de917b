/**
 * MinIO's part of the isolation contract as data — the checks the conformance probes
 * run, the checks the store's own integration tests cover, the residual leaks — and its
 * rendering as spec/contract/minio.md together with the operation surface and its
 * coverage of the server's IAM action set. contract_test.ts fails when the committed
 * document differs from what this renders.
 */
import type { AreaContract, ContractCheck, ResidualLeak } from "../../conformance/model.ts";
import { MINIO_ACTION_SET } from "./action_set.ts";
import { ALL_OPERATIONS, type Operation } from "./surface.ts";
import { NAME_REFUSALS } from "./outcome.ts";

const DENIED = "`AccessDenied` (HTTP 403; for HEAD, header `x-minio-error-code: AccessDenied`)";

export const MINIO_CHECKS: readonly ContractCheck[] = [
  {
    id: "S3-001",
    severity: "critical",
    title: "Read another tenant's objects",
    attempt:
      "GetObject (also with a versionId), HeadObject, GetObjectAttributes (and of a version), object tagging (on an object that exists: see S3-R09), retention, legal hold and ACL reads, SelectObjectContent, object-lambda GET on a victim object",
    expected: DENIED,
  },
  {
    id: "S3-002",
    severity: "critical",
    title: "Write another tenant's objects",
    attempt:
      "PutObject (plain, as a replica, as a snowball archive), copy into the victim bucket, multipart initiate / upload part / complete, object tagging, retention, legal hold and ACL writes, RestoreObject, browser form upload (POST policy, also with a fan-out list)",
    expected:
      `${DENIED}; PutObjectRetention is refused to every caller with \`InvalidRequest\` (tenant buckets have no object lock)`,
  },
  {
    id: "S3-003",
    severity: "critical",
    title: "Delete another tenant's objects or bucket",
    attempt:
      "DeleteObject (plain, a version, bypassing governance, as a replica), DeleteObjects, object tagging delete (on an object that exists), AbortMultipartUpload, DeleteBucket on the victim bucket (guarded by an object so an authorised delete removes nothing)",
    expected: `${DENIED}; for DeleteObjects, \`AccessDenied\` per key inside the answer`,
  },
  {
    id: "S3-004",
    severity: "high",
    title: "List or probe another tenant's bucket",
    attempt:
      "ListObjects v1/v2 (with metadata), ListObjectVersions, ListMultipartUploads, ListParts, HeadBucket, GetBucketLocation, ListenBucketNotification on the victim bucket; ListenNotification server-wide",
    expected:
      `${DENIED} — the same for an existing and a missing bucket (these calls are no existence oracle; others are: S3-R09)`,
  },
  {
    id: "S3-005",
    severity: "critical",
    title: "Copy another tenant's objects into the own bucket",
    attempt:
      "CopyObject and UploadPartCopy with the own bucket as destination and a victim object as `x-amz-copy-source`",
    expected: DENIED,
  },
  {
    id: "S3-006",
    severity: "medium",
    title: "Listings reveal only the own bucket",
    attempt:
      "ListBuckets with the tenant's keys and with temporary credentials minted from them; the admin `accountinfo` call (which every user may make for itself)",
    expected:
      "Answered, naming no bucket but the own one (a refusal passes too); any other name is a failure",
  },
  {
    id: "S3-007",
    severity: "critical",
    title: "Read or change another tenant's bucket configuration",
    attempt:
      "Get / put / delete of the victim bucket's policy, policy status, encryption, tagging, versioning, lifecycle, object lock, notification, replication (and its reset, status, metrics and credential check), ACL, CORS; reads of website, accelerate, request payment, logging",
    expected: DENIED,
  },
  {
    id: "S3-008",
    severity: "high",
    title: "Make the own bucket public",
    attempt:
      "PutBucketPolicy (a public-read document), DeleteBucketPolicy, PutBucketAcl `public-read` on the own bucket",
    expected: DENIED,
  },
  {
    id: "S3-009",
    severity: "high",
    title: "Remove or change the own bucket's encryption",
    attempt: "PutBucketEncryption / DeleteBucketEncryption on the own bucket",
    expected: DENIED,
  },
  {
    id: "S3-010",
    severity: "high",
    title: "Change the own bucket's other configuration",
    attempt:
      "Versioning, lifecycle, object lock, tagging, notification, replication (and its reset), CORS writes and deletes on the own bucket",
    expected: DENIED,
  },
  {
    id: "S3-011",
    severity: "high",
    title: "Create buckets or delete the own bucket",
    attempt:
      "CreateBucket (also with object lock) naming an existing bucket (the own, another tenant's), DeleteBucket on the own bucket (guarded by an object)",
    expected: DENIED,
  },
  {
    id: "S3-012",
    severity: "critical",
    title: "Admin and KMS APIs with tenant keys",
    attempt:
      "Admin API v3: users (list, info, add, status, remove), canned policies (list, info, add, remove, entities, attach, detach), groups, service accounts and access keys of another tenant, token revocation, IAM and bucket-metadata export / import, bucket quota and remote targets, configuration, batch jobs, tiers, site replication, locks, pools, heal status, trace, logs, metrics, KMS status and keys; KMS API v1 status and keys",
    expected:
      `${DENIED}; calls a single-node server does not serve (pools, rebalance, locks, remote targets, heal status) answer \`XMinioAdminVersionMismatch\` to everybody`,
  },
  {
    id: "S3-013",
    severity: "high",
    title: "Mint an access key for itself",
    attempt: "Admin `add-service-account` for the own user",
    expected: `${DENIED} (the tenant policy's explicit Deny; MinIO allows it otherwise)`,
  },
  {
    id: "S3-014",
    severity: "high",
    title: "Change its own secret key",
    attempt: "Admin `add-user` with the own access key",
    expected: `${DENIED} (the tenant policy's explicit Deny; MinIO allows it otherwise)`,
  },
  {
    id: "S3-015",
    severity: "critical",
    title: "Presigned URLs for another tenant's objects",
    attempt:
      "GET, HEAD, PUT, DELETE, tagging, upload-part and listing URLs for the victim bucket, presigned with the attacker's keys",
    expected: DENIED,
  },
  {
    id: "S3-016",
    severity: "critical",
    title: "Anonymous access",
    attempt:
      "Unsigned requests on any tenant's bucket and objects (read, write, delete, list), and an unsigned ListBuckets",
    expected: DENIED,
  },
  {
    id: "S3-018",
    severity: "high",
    title: "Path tricks",
    attempt:
      "Paths climbing from the own bucket into the victim's (`../`, `%2e%2e`, `..%2F`, backslashes, `//`, `./../`, fullwidth dots and solidus), `?prefix=../victim/` listings, copy sources with `../`, wildcard bucket names (`tenant-*`, `?`, `%2A`)",
    expected: `${DENIED}, the refusal of a malformed name before any access check (${
      [...NAME_REFUSALS, "BadRequest"].map((c) => `\`${c}\``).join(", ")
    }), or an answer that provably stayed out of the victim's bucket: the probe object placed there (with the victim's keys) was neither served, changed, deleted nor copied`,
  },
  {
    id: "S3-021",
    severity: "high",
    title: "Temporary credentials reach no further than the keys",
    attempt:
      "Credentials the attacker mints for itself with STS AssumeRole (which MinIO cannot refuse, S3-R01), used on the victim's objects, bucket and configuration",
    expected: DENIED,
  },
  {
    id: "S3-022",
    severity: "high",
    title: "Buckets that look like the own one",
    attempt:
      "Reads, writes, deletes, listings and a force delete on names next to the own bucket (`tenant-a-b`, `tenant-ab`, `tenant-a.b`, `tenant-a0`, one character shorter) whether they exist or not",
    expected: `${DENIED} (a policy written as a prefix, \`tenant-a*\`, would let them through)`,
  },
  {
    id: "S3-P01",
    severity: "high",
    title: "The tenant's own workload works",
    attempt:
      "On the own bucket, with awkward key names: put/get (content compared), head, list, delete, multi-delete, multipart (initiate, part, list parts, list uploads, complete or abort), copy within the bucket, a presigned GET, bucket location, ListBuckets naming the bucket; and put/get with temporary credentials minted from the keys",
    expected:
      "Allowed, with the content written read back — a positive control, so broken credentials never pass as isolation",
    kind: "control",
  },
];

/**
 * Checks that need a tenant in another lifecycle state than conformance audits (only
 * active tenants take part): the store's integration tests cover them. Their ids stay
 * reserved.
 */
export const MINIO_LIFECYCLE_CHECKS: readonly (ContractCheck & { coveredBy: string })[] = [
  {
    id: "S3-017",
    severity: "high",
    title: "A suspended tenant's keys",
    attempt: "Any request with a suspended tenant's keys",
    expected: 'Refused: `InvalidAccessKeyId` "Your account is disabled"',
    coveredBy: "src/stores/minio/store_test.ts (suspended disables the user and keeps the data)",
  },
  {
    id: "S3-019",
    severity: "medium",
    title: "Old temporary credentials",
    attempt:
      "Temporary credentials (AssumeRole) minted before suspension, before a credential repair, or before the tenant was destroyed and created again",
    expected: "Refused (`InvalidAccessKeyId`): Bulkhead revokes them at those points",
    coveredBy: "src/stores/minio/store_test.ts (temporary credentials a tenant mints die with …)",
  },
  {
    id: "S3-020",
    severity: "medium",
    title: "Quota",
    attempt: "PUT beyond the hard quota",
    expected: "`XMinioAdminBucketQuotaExceeded` — eventually (see S3-R03)",
    coveredBy: "src/stores/minio/store_test.ts (quota applied in place); enforcement is eventual",
  },
];

export const MINIO_RESIDUAL_LEAKS: readonly ResidualLeak[] = [
  {
    id: "S3-R01",
    severity: "medium",
    title: "Self-minted temporary credentials",
    detail:
      "Any MinIO user may call STS AssumeRole with its own keys (no policy action governs it for built-in users) and get credentials valid for up to 365 days. They are limited to the tenant's own policy (S3-021), stop working while the user is disabled, but survive a change of its secret key. Bulkhead does not observe them (listing them costs an encrypted admin call with a 64 MiB Argon2id per plan); it revokes them whenever it suspends, re-creates, deletes or repairs the credential of a tenant user. A credential rotation made outside apply must revoke them too. The conformance probes themselves mint one such credential per tenant and run (900 s, the minimum).",
  },
  {
    id: "S3-R02",
    severity: "medium",
    title: "Service-account window",
    detail:
      "An access key minted for a tenant user by an administrator works until the next apply deletes it (it inherits the tenant's policy, so it reaches only the tenant's own bucket).",
  },
  {
    id: "S3-R03",
    severity: "low",
    title: "Quota is eventual",
    detail:
      "MinIO enforces the hard quota from usage data its scanner collects, so a tenant can exceed it for a while.",
  },
  {
    id: "S3-R04",
    severity: "medium",
    title: "Shared capacity",
    detail:
      "Community MinIO has no per-user request-rate or bandwidth limit: a tenant can slow the server down for the others (noisy neighbour).",
  },
  {
    id: "S3-R05",
    severity: "medium",
    title: "Disabled holders",
    detail:
      'MinIO refuses policy changes on a disabled user (it answers "no such user"). A disabled non-tenant user holding a tenant\'s policy cannot be detached; it cannot use the policy while disabled, plan keeps showing it, and it regains access if enabled. Bulkhead changes its own disabled tenant users under a throw-away secret nobody holds.',
  },
  {
    id: "S3-R06",
    severity: "medium",
    title: "Secret keys in observation",
    detail:
      "Observation reads every user's secret key in one call (`export-iam`) to check the recorded credential without a request per tenant. Over plain HTTP they cross the network in clear: the admin endpoint must be HTTPS outside loopback (plan prints a note otherwise).",
  },
  {
    id: "S3-R07",
    severity: "low",
    title: "Server-wide metadata",
    detail:
      "Unauthenticated health endpoints (`/minio/health/*`) and the `Server` header reveal that MinIO runs and its liveness; a tenant's own `accountinfo` reveals the server's mode and its own buckets' usage; nothing of another tenant.",
  },
  {
    id: "S3-R08",
    severity: "low",
    title: "A failed isolation check may leave a trace",
    detail:
      "Probe requests are built to change nothing when the server wrongly lets them through (documents it rejects after the access check, keys and names that do not exist, guarded deletes), but a few cannot be: a wrongly allowed PutObject or form upload writes a small `bulkhead isolation probe` object, a wrongly allowed multipart initiate leaves an upload, a wrongly allowed DeleteBucketEncryption / DeleteBucketTagging removes that setting. Each such case is an isolation failure in the report; plan shows the changed settings and apply restores them.",
  },
  {
    id: "S3-R09",
    severity: "medium",
    title: "Existence oracles before the access check",
    detail:
      "A few calls look their target up before MinIO checks access, so they answer differently for what exists — to anyone, even unsigned: object tagging GET / DELETE (NoSuchBucket, NoSuchKey or NoSuchVersion for what is missing, AccessDenied for what exists), PutObjectRetention (NoSuchBucket, or InvalidRequest for an existing bucket without object lock), and the admin `delete-service-account` (HTTP 204, changing nothing, for an existing user's access key; 404 for an unknown one). DeleteBucketWebsite answers 200 to anyone and changes nothing. So another tenant's bucket name, object keys and access key can be confirmed by guessing; their content, listings and configuration cannot. Bucket and user names follow the tenant id (not a secret); keep object keys free of secrets. residual_test.ts keeps these observations true.",
  },
];

export const minioContract: AreaContract = {
  area: "minio",
  summary:
    "Each tenant's MinIO keys reach its own bucket (objects, listing, multipart) and nothing else: other tenants' buckets, objects and configuration, the admin and KMS APIs, and changes to its own bucket's policy, encryption and configuration or to its own credentials are refused by MinIO itself (AccessDenied). Probes draw from the server's whole S3, admin and KMS surface, with the server-validated IAM action set.",
  checks: MINIO_CHECKS,
  residualLeaks: MINIO_RESIDUAL_LEAKS,
  details: "spec/contract/minio.md",
};

/** S3 actions no request of the surface exercises, and why. */
export const UNEXERCISED_S3_ACTIONS: Readonly<Record<string, string>> = {
  "s3:ReplicateTags":
    "the server checks it for no request (replication of tags runs inside the server)",
  "s3:GetObjectVersionForReplication":
    "the server checks it for no request (used by replication internally)",
  "s3:GetObjectVersionTagging":
    "checked only for an existing version id: tenant buckets are unversioned, and a made-up id is looked up before the access check (S3-R09)",
  "s3:PutObjectVersionTagging": "as s3:GetObjectVersionTagging",
  "s3:DeleteObjectVersionTagging": "as s3:GetObjectVersionTagging",
  "s3:BypassGovernanceRetention":
    "only checked when deleting a version locked in governance mode; tenant buckets have no object lock",
  "s3:ListAllMyBuckets": "ListBuckets is answered without it, filtered (S3-006, a fixed attempt)",
};

/** Coverage of the server's IAM action set by the operation surface. */
export function actionCoverage(
  operations: readonly Operation[] = ALL_OPERATIONS,
): { namespace: string; total: number; covered: string[]; uncovered: string[] }[] {
  const exercised = new Set(operations.flatMap((o) => o.actions));
  return (["s3", "admin", "kms"] as const).map((namespace) => {
    const all = MINIO_ACTION_SET.actions[namespace];
    return {
      namespace,
      total: all.length,
      covered: all.filter((a) => exercised.has(a)),
      uncovered: all.filter((a) => !exercised.has(a)),
    };
  });
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

const PROVISIONING = `## What Bulkhead provisions per tenant

| resource | name (tenant \`acme\`) | state Bulkhead keeps |
| --- | --- | --- |
| bucket | \`tenant-acme\` | default encryption SSE-S3; hard quota = \`limits.max_storage_gb\`; **no bucket policy** (no anonymous access) |
| canned policy | \`tenant-acme-policy\` | the document below, held by no user or group but the tenant's user |
| IAM user (access key) | \`tenant-acme\` | enabled iff the tenant is active; holds exactly its policy; in no group; secret key = the recorded one |
| access keys (service accounts) | any, parent \`tenant-acme\` | none: any found is deleted |
| temporary (STS) credentials | any, parent \`tenant-acme\` | revoked when the user is suspended, its credential repaired, created or deleted (not observed; see S3-R01) |

The canned policy (normal form; \`minio.policy.*\` compares documents semantically):

| effect | actions | resource |
| --- | --- | --- |
| Allow | \`s3:GetBucketLocation\`, \`s3:ListBucket\`, \`s3:ListBucketMultipartUploads\` | \`arn:aws:s3:::tenant-acme\` |
| Allow | \`s3:GetObject\`, \`s3:PutObject\`, \`s3:DeleteObject\`, \`s3:AbortMultipartUpload\`, \`s3:ListMultipartUploadParts\` | \`arn:aws:s3:::tenant-acme/*\` |
| Deny | \`admin:CreateServiceAccount\`, \`admin:CreateUser\`, \`admin:UpdateServiceAccount\` | (admin statement) |

The Deny is needed because MinIO lets every user create access keys for itself and change its own
secret key unless a policy denies it explicitly (\`DenyOnly\` checks in the server): both would be
credentials Bulkhead has not recorded.

MinIO matches a resource by \`path.Clean\` equality or wildcard, so \`arn:aws:s3:::tenant-t1/*\` does
not reach \`tenant-t10/…\` and the bucket ARN reaches only that bucket (S3-022 checks it).`;

const DRIFT = `## Drift Bulkhead shows in plan and repairs in apply

| drift | shown as | repair |
| --- | --- | --- |
| tenant policy widened or changed by hand | \`~ minio.policy.<p>\` (document) | rewritten |
| extra policy on the tenant user (built-in, another tenant's, any) | \`~ minio.user.<u>\` (policies) | detached |
| tenant policy held by another user or any group | \`~ minio.policy.<p>\` (other_holders) | detached (a **disabled** holder cannot be changed: see S3-R05) |
| tenant user added to a group | \`~ minio.user.<u>\` (groups) | removed from the group |
| user disabled / enabled by hand | \`~ minio.user.<u>\` (status) | set back |
| secret key changed by hand | \`~ minio.user.<u>\` (credential: unrecorded) | recorded secret set again, temporary credentials revoked |
| access key (service account) of a tenant user | \`- minio.access_key.<key>\` | deleted |
| bucket policy / anonymous access on a tenant bucket | \`~ minio.bucket.<b>\` (bucket_policy) | bucket policy deleted |
| default encryption removed or changed | \`~ minio.bucket.<b>\` (encryption) | SSE-S3 set again |
| quota removed or changed | \`~ minio.bucket.<b>\` (quota) | hard quota set again |
| tenant-like bucket / user / policy without a tenant file (orphan) | withheld, "orphan: no tenant file" | deleted only with \`--allow-destroy\` |`;

const OUTCOMES = `## How answers are judged

A check passes only when **MinIO itself** answers as stated. For each request the probe knows the
answers the server gives once its access check has let a request through (e.g. \`NoSuchKey\`,
\`NoSuchUpload\`, \`MalformedXML\` for a document it rejects after authorising the call): those count as
**allowed** — an isolation failure. A wrong signature (\`SignatureDoesNotMatch\`), an unknown key
(\`InvalidAccessKeyId\`), a timeout, a connection failure or any answer not listed is an **error** of
the run, never a pass. Requests are sent byte for byte over HTTP/1.1 (no URL normalisation), so
\`..\` segments and encodings reach the server as written.`;

/** spec/contract/minio.md (before \`deno fmt\`). */
export function renderMinioContract(): string {
  const lines = [
    "# Isolation contract: MinIO (S3)",
    "",
    "<!-- Generated from src/stores/minio/contract.ts, surface.ts and action_set.json by `deno run -A src/stores/minio/contract_gen.ts`; contract_test.ts fails when it is stale. -->",
    "",
    "What a tenant's MinIO credentials can reach, what the server must refuse, and what it cannot close.",
    "The conformance suite (`S3-…` checks) attempts each row with the tenant's real keys, drawing",
    "operations at random from the server's whole surface (below) with arguments aimed at another",
    "tenant. Our own code is defence in depth only.",
    "",
    `IAM action set validated against \`${MINIO_ACTION_SET.server}\` (admin API v3) in the sandbox.`,
    "",
    PROVISIONING,
    "",
    "## Checks",
    "",
    "Severity: **critical** = another tenant's data or the server's administration; **high** =",
    "weakening of the tenant's own isolation; **medium** = metadata or enumeration.",
    "",
    ...table(
      [
        "id",
        "severity",
        "kind",
        "check",
        "attempted with the tenant's keys",
        "the store must answer",
      ],
      MINIO_CHECKS.map((c) => [
        c.id,
        c.severity,
        c.kind ?? "isolation",
        c.title,
        c.attempt,
        c.expected,
      ]),
    ),
    "",
    "Checked by the store's integration tests rather than by conformance (which audits active tenants",
    "only); their ids stay reserved:",
    "",
    ...table(
      ["id", "severity", "check", "attempted", "the store must answer", "covered by"],
      MINIO_LIFECYCLE_CHECKS.map((c) => [
        c.id,
        c.severity,
        c.title,
        c.attempt,
        c.expected,
        c.coveredBy,
      ]),
    ),
    "",
    OUTCOMES,
    "",
    "## Operation surface",
    "",
    "Every operation below is drawn at random by the probes. For S3 operations, the IAM actions",
    "listed are verified with the real server (`surface_test.ts`): denying any one of them refuses",
    "the request, allowing them lets it through with one of the listed answers. Admin and KMS",
    "operations are verified only to be refused to tenants (running them authorised would change",
    "the server); their actions are read from the server's handlers.",
    "",
    ...table(
      [
        "operation",
        "level",
        "IAM actions",
        "answers once authorised",
        "aimed at another tenant",
        "on its own bucket",
        "also",
      ],
      ALL_OPERATIONS.map((o) => [
        `\`${o.name}\``,
        o.level,
        o.actions.map((a) => `\`${a}\``).join(", "),
        o.afterAccess.length ? o.afterAccess.map((a) => `\`${a}\``).join(", ") : "2xx only",
        o.victimCheck ?? "—",
        o.ownCheck ?? "—",
        [
          o.presignable ? "presigned (S3-015), unsigned (S3-016)" : "",
          o.lookalike ? "look-alike buckets (S3-022)" : "",
          o.victimCheck ? "temporary credentials (S3-021)" : "",
          o.needsGuard ? "guarded by an object" : "",
        ].filter(Boolean).join("; ") || "—",
      ]),
    ),
    "",
    "## Coverage of the IAM action set",
    "",
    `The action set is the server's: candidates from ${
      MINIO_ACTION_SET.candidatesFrom.join(" and ")
    },`,
    "kept where the server accepts them in a canned policy (`action_set_gen.ts`, checked by",
    "`action_set_test.ts`).",
    "",
    ...table(
      ["namespace", "actions the server accepts", "exercised by a probe request", "not exercised"],
      actionCoverage().map((c) => [
        c.namespace,
        String(c.total),
        `${c.covered.length} (${Math.round((100 * c.covered.length) / c.total)} %)`,
        c.uncovered.map((a) => `\`${a}\``).join(", ") || "—",
      ]),
    ),
    "",
    "S3 actions no probe request exercises, and why:",
    "",
    ...table(
      ["action", "why"],
      Object.entries(UNEXERCISED_S3_ACTIONS).map(([a, why]) => [`\`${a}\``, why]),
    ),
    "",
    "Admin and KMS actions not exercised belong to calls that cannot be made harmless if a server",
    "wrongly allowed them (service restart / stop / freeze / update, decommission, rebalance start,",
    "profiling, speed tests, heal, site-replication changes, inspect-data, disabling users or groups,",
    "tier changes, KMS key creation), to identity providers Bulkhead does not configure (LDAP,",
    "OpenID), or to KMS policies and identities, which MinIO's KMS API does not route (they are KES's).",
    "A tenant policy grants no admin or KMS action, and S3-012's random draw shows what is exercised",
    "refused.",
    "",
    DRIFT,
    "",
    "## Residual leaks the store cannot close",
    "",
    ...table(
      ["id", "severity", "leak", "why it stays"],
      MINIO_RESIDUAL_LEAKS.map((l) => [l.id, l.severity, `**${l.title}**`, l.detail]),
    ),
    "",
  ];
  return lines.join("\n");
}
