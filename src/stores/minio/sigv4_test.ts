import assert from "node:assert/strict";
import { canonicalPath, presignQuery, signRequest, uriEncode } from "./sigv4.ts";

Deno.test("sigv4: AWS's documented GET Object example signs to the published signature", async () => {
  // From the AWS S3 documentation, "Signature Calculations for the Authorization Header",
  // Example: GET Object.
  const headers = await signRequest(
    {
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      headers: { Range: "bytes=0-9" },
      body: new Uint8Array(),
    },
    {
      accessKey: "AKIAIOSFODNN7EXAMPLE",
      secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
    },
    new Date("2013-05-24T00:00:00Z"),
  );
  assert.equal(
    headers.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
});

Deno.test("sigv4: uriEncode keeps unreserved characters and encodes the rest", () => {
  assert.equal(uriEncode("a b/c~d.e_f-g"), "a%20b%2Fc~d.e_f-g");
  assert.equal(uriEncode("a b/c", true), "a%20b/c");
  assert.equal(uriEncode("é"), "%C3%A9");
});

Deno.test("sigv4: AWS's documented presigned GET signs to the published signature", async () => {
  // From the AWS S3 documentation, "Authenticating Requests: Using Query Parameters".
  const query = await presignQuery(
    { method: "GET", url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"), query: [] },
    {
      accessKey: "AKIAIOSFODNN7EXAMPLE",
      secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
    },
    86400,
    new Date("2013-05-24T00:00:00Z"),
  );
  assert.deepEqual(
    Object.fromEntries(query)["X-Amz-Signature"],
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
  );
});

Deno.test("sigv4: the canonical path is the decoded path encoded once, as the server computes it", () => {
  assert.equal(canonicalPath("/b/a%20b/c"), "/b/a%20b/c");
  assert.equal(canonicalPath("/b/..%2Fx"), "/b/../x");
  assert.equal(canonicalPath("/b/%2e%2e/x"), "/b/../x");
  assert.equal(canonicalPath("/b/%zz"), "/b/%25zz", "a malformed escape stays as sent");
});
