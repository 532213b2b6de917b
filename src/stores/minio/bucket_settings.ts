/**
 * A bucket's configuration documents (as MinIO exports them) read into canonical
 * attribute values, and the XML bodies Bulkhead writes. Pure: no I/O.
 */
import type { AttributeValue } from "../store.ts";
import { normalisePolicy } from "./policy.ts";

/** The bucket tag that records which object prefixes Bulkhead laid out. */
export const PREFIX_TAG = "bulkhead-prefixes";

export const SSE_S3 = "SSE-S3";

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

export function xmlUnescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (entity, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const found = Object.entries(XML_ENTITIES).find(([, v]) => v === entity);
    return found ? found[0] : entity;
  });
}

function elements(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g");
  return [...xml.matchAll(pattern)].map((m) => m[1]);
}

/** `SSE-S3`, `SSE-KMS:<key id>` or `none`. */
export function encryptionFromXml(xml: string | undefined): string {
  if (!xml) return "none";
  const algorithm = elements(xml, "SSEAlgorithm")[0]?.trim();
  if (algorithm === "AES256") return SSE_S3;
  if (algorithm === "aws:kms") {
    const key = elements(xml, "KMSMasterKeyID")[0]?.trim();
    return key ? `SSE-KMS:${key}` : "SSE-KMS";
  }
  return "none";
}

export function sseS3ConfigurationXml(): string {
  return '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>" +
    "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>";
}

export interface Quota {
  type: string;
  bytes: number;
}

/** `{ type, bytes }`, or null when no quota is set (MinIO keeps a zero-size document). */
export function quotaFromJson(json: string | undefined): Quota | null {
  if (!json) return null;
  const doc = JSON.parse(json) as { size?: number; quota?: number; quotatype?: string };
  // `quota` is the field older clients wrote; the server enforces the larger of the two.
  const bytes = Math.max(doc.size ?? 0, doc.quota ?? 0);
  if (bytes <= 0) return null;
  return { type: doc.quotatype || "hard", bytes };
}

/** Bytes of a quota given in GiB. */
export function quotaBytes(gib: number): number {
  return Math.round(gib * 1024 ** 3);
}

/** The bucket policy as a canonical document, or null when the bucket has none. */
export function bucketPolicyFromJson(json: string | undefined): AttributeValue {
  if (!json) return null;
  return normalisePolicy(JSON.parse(json));
}

export function tagsFromXml(xml: string | undefined): Map<string, string> {
  const tags = new Map<string, string>();
  for (const tag of elements(xml ?? "", "Tag")) {
    const key = elements(tag, "Key")[0];
    if (key === undefined) continue;
    tags.set(xmlUnescape(key), xmlUnescape(elements(tag, "Value")[0] ?? ""));
  }
  return tags;
}

export function tagsToXml(tags: Map<string, string>): string {
  const body = [...tags].sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`)
    .join("");
  return `<Tagging><TagSet>${body}</TagSet></Tagging>`;
}

/** Prefixes recorded in the bucket's tag, sorted. */
export function prefixesFromTags(tags: Map<string, string>): string[] {
  return (tags.get(PREFIX_TAG) ?? "").split(" ").filter((p) => p !== "").sort();
}

/** Tag value for a prefix set: space-separated, because S3 tag values allow no commas. */
export function prefixTagValue(prefixes: readonly string[]): string {
  return [...new Set(prefixes)].sort().join(" ");
}

export function bucketNamesFromListXml(xml: string): string[] {
  return elements(xml, "Bucket").map((b) => xmlUnescape(elements(b, "Name")[0] ?? "")).filter(
    (n) => n !== "",
  );
}
