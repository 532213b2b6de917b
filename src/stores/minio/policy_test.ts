import assert from "node:assert/strict";
import { canonicalJson, normalisePolicy, tenantPolicyDocument } from "./policy.ts";

const same = (a: unknown, b: unknown) => assert.deepEqual(normalisePolicy(a), normalisePolicy(b));
const differ = (a: unknown, b: unknown) =>
  assert.notDeepEqual(normalisePolicy(a), normalisePolicy(b));

const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });

Deno.test("policy normaliser: statement order, action order and duplicates do not matter", () => {
  const a = doc(
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::b/*"] },
    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::b"] },
  );
  const b = doc(
    { Effect: "Allow", Action: ["s3:ListBucket", "s3:ListBucket"], Resource: "arn:aws:s3:::b" },
    {
      Sid: "objects",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: ["arn:aws:s3:::b/*"],
    },
  );
  same(a, b);
});

Deno.test("policy normaliser: a single string equals a one-element list", () => {
  same(
    doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
    doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }),
  );
  same(
    {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
    },
    doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }),
  );
});

Deno.test("policy normaliser: statements split or merged differently are the same policy", () => {
  same(
    doc({
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"],
    }),
    doc(
      { Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::b/*"] },
      { Effect: "Allow", Action: "s3:PutObject", Resource: ["arn:aws:s3:::b/*"] },
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: ["arn:aws:s3:::c/*"] },
    ),
  );
});

Deno.test("policy normaliser: a widened policy is a different policy", () => {
  const tenant = tenantPolicyDocument("tenant-acme");
  const widened = structuredClone(tenant) as {
    Statement: Array<{ Resource?: string[]; Action: string[] }>;
  };
  widened.Statement[1].Resource = ["arn:aws:s3:::*"];
  differ(tenant, widened);
  const moreActions = structuredClone(tenant) as typeof widened;
  moreActions.Statement[0].Action.push("s3:PutBucketPolicy");
  differ(tenant, moreActions);
  differ(tenant, doc(...(tenant.Statement as unknown[]).slice(0, 2)));
});

Deno.test("policy normaliser: NotAction and NotResource sets stay whole and distinct", () => {
  differ(
    doc({
      Effect: "Deny",
      NotAction: ["s3:GetObject", "s3:PutObject"],
      Resource: "arn:aws:s3:::b/*",
    }),
    doc(
      { Effect: "Deny", NotAction: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
      { Effect: "Deny", NotAction: "s3:PutObject", Resource: "arn:aws:s3:::b/*" },
    ),
  );
  same(
    doc({
      Effect: "Deny",
      NotAction: ["s3:PutObject", "s3:GetObject"],
      NotResource: "arn:aws:s3:::b/*",
    }),
    doc({
      Effect: "Deny",
      NotAction: ["s3:GetObject", "s3:PutObject"],
      NotResource: ["arn:aws:s3:::b/*"],
    }),
  );
  differ(
    doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
    doc({ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::b/*" }),
  );
});

Deno.test("policy normaliser: principals and conditions are canonical; Effect and Condition matter", () => {
  same(
    doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
    doc({
      Effect: "Allow",
      Principal: { AWS: ["*"] },
      Action: ["s3:GetObject"],
      Resource: "arn:aws:s3:::b/*",
    }),
  );
  same(
    doc({
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::b",
      Condition: {
        StringLike: { "s3:prefix": ["raw/*", "parsed/*"] },
        Bool: { "aws:SecureTransport": true },
      },
    }),
    doc({
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::b",
      Condition: {
        Bool: { "aws:SecureTransport": "true" },
        StringLike: { "s3:prefix": ["parsed/*", "raw/*"] },
      },
    }),
  );
  differ(
    doc({ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" }),
    doc({
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::b",
      Condition: { StringLike: { "s3:prefix": "raw/*" } },
    }),
  );
  differ(
    doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
    doc({ Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
  );
});

Deno.test("policy normaliser: admin statements without Resource survive; output is stable", () => {
  const tenant = tenantPolicyDocument("tenant-acme");
  const once = normalisePolicy(tenant);
  assert.deepEqual(normalisePolicy(once), once, "normalising twice changes nothing");
  const text = canonicalJson(once);
  assert.match(
    text,
    /"Action":\["admin:CreateServiceAccount","admin:CreateUser","admin:UpdateServiceAccount"\],"Effect":"Deny"/,
  );
  assert.equal(normalisePolicy("not a policy"), null);
});

Deno.test("tenant policy: only the tenant's own bucket and objects, and a deny of self-service credentials", () => {
  const text = JSON.stringify(tenantPolicyDocument("tenant-acme"));
  const resources = [...text.matchAll(/arn:aws:s3:::[^"]*/g)].map((m) => m[0]).sort();
  assert.deepEqual(resources, ["arn:aws:s3:::tenant-acme", "arn:aws:s3:::tenant-acme/*"]);
  assert.doesNotMatch(
    text,
    /s3:\*|PutBucketPolicy|PutBucketEncryption|PutBucketAcl|PutObjectAcl|PutBucketVersioning|"admin:\*"/,
  );
});
