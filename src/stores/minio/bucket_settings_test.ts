import assert from "node:assert/strict";
import {
  bucketNamesFromListXml,
  bucketPolicyFromJson,
  encryptionFromXml,
  prefixesFromTags,
  prefixTagValue,
  quotaBytes,
  quotaFromJson,
  sseS3ConfigurationXml,
  tagsFromXml,
  tagsToXml,
} from "./bucket_settings.ts";

Deno.test("bucket settings: encryption documents read as SSE-S3, SSE-KMS or none", () => {
  assert.equal(encryptionFromXml(sseS3ConfigurationXml()), "SSE-S3");
  assert.equal(encryptionFromXml(undefined), "none");
  assert.equal(
    encryptionFromXml(
      "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>",
    ),
    "SSE-KMS:k1",
  );
});

Deno.test("bucket settings: a cleared quota (size 0) is no quota; the older field counts too", () => {
  assert.deepEqual(
    quotaFromJson('{"quota":0,"size":1073741824,"rate":0,"requests":0,"quotatype":"hard"}'),
    {
      type: "hard",
      bytes: 1073741824,
    },
  );
  assert.equal(quotaFromJson('{"quota":0,"size":0,"rate":0,"requests":0}'), null);
  assert.equal(quotaFromJson(undefined), null);
  assert.deepEqual(quotaFromJson('{"quota":5,"quotatype":"hard"}'), { type: "hard", bytes: 5 });
  assert.equal(quotaBytes(10), 10 * 1024 ** 3);
  assert.equal(quotaBytes(0.5), 512 * 1024 ** 2);
});

Deno.test("bucket settings: an anonymous-download bucket policy is read canonically", () => {
  const exported =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::b"]},{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}';
  const policy = bucketPolicyFromJson(exported) as { Statement: unknown[] };
  assert.equal(policy.Statement.length, 2);
  assert.equal(bucketPolicyFromJson(undefined), null);
});

Deno.test("bucket settings: tags round-trip through XML with escaping; prefixes are sorted", () => {
  const tags = new Map([["bulkhead-prefixes", prefixTagValue(["raw", "exports", "raw"])], [
    "team",
    "a&b <c>",
  ]]);
  const back = tagsFromXml(tagsToXml(tags));
  assert.deepEqual(back, tags);
  assert.deepEqual(prefixesFromTags(back), ["exports", "raw"]);
  assert.deepEqual(prefixesFromTags(new Map()), []);
});

Deno.test("bucket settings: ListBuckets XML gives bucket names", () => {
  const xml =
    "<ListAllMyBucketsResult><Owner><ID>x</ID></Owner><Buckets><Bucket><Name>tenant-a</Name><CreationDate>d</CreationDate></Bucket><Bucket><Name>other</Name></Bucket></Buckets></ListAllMyBucketsResult>";
  assert.deepEqual(bucketNamesFromListXml(xml), ["tenant-a", "other"]);
});
