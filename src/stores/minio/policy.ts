/**
 * The tenant's canned policy, and a semantic normal form for IAM and bucket policies so
 * that desired and observed documents compare with deep equality: statement order,
 * action and resource order, a single string vs a list, statements split or merged
 * differently, duplicates, Sid and Id all disappear; what a policy allows does not.
 */
import type { AttributeValue } from "../store.ts";

const POLICY_VERSION = "2012-10-17";

/** Bucket-level actions a workload needs on its own bucket. */
export const TENANT_BUCKET_ACTIONS = [
  "s3:GetBucketLocation",
  "s3:ListBucket",
  "s3:ListBucketMultipartUploads",
] as const;

/** Object-level actions a workload needs on its own objects. */
export const TENANT_OBJECT_ACTIONS = [
  "s3:AbortMultipartUpload",
  "s3:DeleteObject",
  "s3:GetObject",
  "s3:ListMultipartUploadParts",
  "s3:PutObject",
] as const;

/**
 * MinIO lets every user change its own secret key and mint access keys (service
 * accounts) for itself unless a policy denies it explicitly; those credentials would be
 * unrecorded and outlive a rotation, so the tenant policy denies them.
 */
export const TENANT_DENIED_SELF_SERVICE = [
  "admin:CreateServiceAccount",
  "admin:CreateUser",
  "admin:UpdateServiceAccount",
] as const;

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** The canned policy of a tenant: its own bucket and objects, nothing else. */
export function tenantPolicyDocument(bucket: string): Record<string, AttributeValue> {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Effect: "Allow", Action: [...TENANT_BUCKET_ACTIONS], Resource: [bucketArn(bucket)] },
      {
        Effect: "Allow",
        Action: [...TENANT_OBJECT_ACTIONS],
        Resource: [`${bucketArn(bucket)}/*`],
      },
      { Effect: "Deny", Action: [...TENANT_DENIED_SELF_SERVICE] },
    ],
  };
}

type Json = AttributeValue;
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return [...new Set(list.map((v) => String(v).trim()))].sort();
}

/** Canonical JSON text: object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    return `{${
      Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(
        ",",
      )
    }}`;
  }
  return JSON.stringify(value ?? null);
}

/** `"*"` and `{"AWS": "*"}` both become `{"AWS": ["*"]}`; every value list sorted. */
function normalisePrincipal(principal: unknown): JsonObject | undefined {
  if (principal === undefined || principal === null) return undefined;
  if (!isObject(principal)) return { AWS: stringList(principal) };
  const out: JsonObject = {};
  for (const key of Object.keys(principal).sort()) out[key] = stringList(principal[key]);
  return out;
}

/** Operators and keys sorted, values as sorted string lists (MinIO compares them as strings). */
function normaliseCondition(condition: unknown): JsonObject | undefined {
  if (!isObject(condition)) return undefined;
  const out: JsonObject = {};
  for (const operator of Object.keys(condition).sort()) {
    const entries = condition[operator];
    if (!isObject(entries)) continue;
    const keys: JsonObject = {};
    for (const key of Object.keys(entries).sort()) keys[key] = stringList(entries[key]);
    if (Object.keys(keys).length > 0) out[operator] = keys;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * One element of what a statement covers: a single action or resource, or a whole
 * NotAction / NotResource set (which cannot be split without changing its meaning).
 */
type Unit = { field: "Action" | "NotAction" | "Resource" | "NotResource"; values: string[] };

function units(statement: JsonObject, positive: "Action" | "Resource"): Unit[] {
  const negative = positive === "Action" ? "NotAction" : "NotResource";
  const result: Unit[] = stringList(statement[positive]).map((v) => ({
    field: positive,
    values: [v],
  }));
  const negated = stringList(statement[negative]);
  if (negated.length > 0) result.push({ field: negative, values: negated });
  return result;
}

interface Atom {
  context: JsonObject; // Effect, Principal, Condition
  action: Unit;
  resource: Unit | null;
}

/** Statements that cover exactly `actions` × `resources` in one context. */
function statementsFor(context: JsonObject, actions: Unit[], resources: Unit[]): JsonObject[] {
  const merge = (list: Unit[], field: Unit["field"]): Unit[] => {
    const plain = list.filter((u) => u.field === field).flatMap((u) => u.values);
    const rest = list.filter((u) => u.field !== field);
    return [...(plain.length > 0 ? [{ field, values: [...new Set(plain)].sort() }] : []), ...rest];
  };
  const actionGroups = merge(actions, "Action");
  const resourceGroups = resources.length > 0 ? merge(resources, "Resource") : [null];
  const out: JsonObject[] = [];
  for (const a of actionGroups) {
    for (const r of resourceGroups) {
      const statement: JsonObject = { ...context, [a.field]: a.values };
      if (r) statement[r.field] = r.values;
      out.push(statement);
    }
  }
  return out;
}

/**
 * The semantic normal form of an IAM or bucket policy document. Statements are cut into
 * (context, action, resource) atoms, regrouped deterministically (per action the set of
 * resources, then per resource set the actions) and sorted.
 */
export function normalisePolicy(document: unknown): Json {
  if (!isObject(document)) return null;
  const raw = document.Statement;
  const statements = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(isObject);
  const atoms = new Map<string, Atom>();
  for (const s of statements) {
    const context: JsonObject = { Effect: String(s.Effect ?? "").trim() };
    const principal = normalisePrincipal(s.Principal);
    if (principal) context.Principal = principal;
    const notPrincipal = normalisePrincipal(s.NotPrincipal);
    if (notPrincipal) context.NotPrincipal = notPrincipal;
    const condition = normaliseCondition(s.Condition);
    if (condition) context.Condition = condition;
    const resources = units(s, "Resource");
    for (const action of units(s, "Action")) {
      for (const resource of resources.length > 0 ? resources : [null]) {
        const atom = { context, action, resource };
        atoms.set(canonicalJson(atom), atom);
      }
    }
  }
  // Per (context, action): the set of resources it applies to.
  const byAction = new Map<string, { context: JsonObject; action: Unit; resources: Unit[] }>();
  for (const atom of atoms.values()) {
    const key = canonicalJson([atom.context, atom.action]);
    const entry = byAction.get(key) ??
      { context: atom.context, action: atom.action, resources: [] };
    if (atom.resource) entry.resources.push(atom.resource);
    byAction.set(key, entry);
  }
  // Per (context, resource set): the actions.
  const byResources = new Map<
    string,
    { context: JsonObject; resources: Unit[]; actions: Unit[] }
  >();
  for (const entry of byAction.values()) {
    const resources = [...entry.resources].sort((a, b) =>
      canonicalJson(a).localeCompare(canonicalJson(b))
    );
    const key = canonicalJson([entry.context, resources]);
    const group = byResources.get(key) ?? { context: entry.context, resources, actions: [] };
    group.actions.push(entry.action);
    byResources.set(key, group);
  }
  const normalised = [...byResources.values()]
    .flatMap((g) => statementsFor(g.context, g.actions, g.resources))
    .map((s) => ({ text: canonicalJson(s), s }))
    .sort((a, b) => a.text.localeCompare(b.text))
    .filter((entry, i, all) => i === 0 || all[i - 1].text !== entry.text)
    .map((entry) => entry.s);
  return { Version: String(document.Version ?? POLICY_VERSION), Statement: normalised };
}
