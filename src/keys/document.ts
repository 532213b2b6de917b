/**
 * A tenant's secrets document: the plaintext of its SOPS document is one mapping per
 * store plus `tenant: <id>`. The id is inside the encrypted, MAC-covered part so that a
 * document copied onto another tenant's registry row is refused instead of handing one
 * tenant another's credentials.
 */
import { STORE_NAMES, type StoreName } from "../tenant/model.ts";
import type { StoreSecret } from "../stores/store.ts";
import { decryptSops, encryptSops, SopsError, type SopsMap, type SopsValue } from "./sops.ts";

export type TenantSecrets = Partial<Record<StoreName, StoreSecret>>;

/** The fields each store's section must have (more string fields are allowed). */
export const STORE_SECRET_FIELDS: Record<StoreName, readonly string[]> = {
  postgres: ["role", "password"],
  redis: ["username", "password"],
  minio: ["access_key", "secret_key"],
  qdrant: ["token_id", "api_key"],
};

/** A tenant document that cannot be read or does not hold what it should. */
export class TenantDocumentError extends Error {
  constructor(readonly tenantId: string, detail: string, readonly kind?: SopsError["kind"]) {
    super(`tenant ${tenantId}: secrets document: ${detail}`);
    this.name = "TenantDocumentError";
  }
}

/** Why `secret` is not a valid section for `store`, or undefined. Never quotes a value. */
export function storeSecretProblem(store: StoreName, secret: StoreSecret): string | undefined {
  if (!STORE_NAMES.includes(store)) return `unknown store "${store}"`;
  for (const field of STORE_SECRET_FIELDS[store]) {
    if (typeof secret[field] !== "string" || secret[field] === "") {
      return `${store} secret needs a non-empty "${field}" (fields: ${
        STORE_SECRET_FIELDS[store].join(", ")
      })`;
    }
  }
  for (const [field, value] of Object.entries(secret)) {
    if (!/^[a-z][a-z0-9_]*$/.test(field)) return `${store} secret field "${field}" is not a name`;
    if (typeof value !== "string") return `${store} secret field "${field}" must be a string`;
  }
  return undefined;
}

export function encryptTenantDocument(
  tenantId: string,
  secrets: TenantSecrets,
  recipients: readonly string[],
): Promise<string> {
  const tree: SopsMap = new Map<string, SopsValue>([["tenant", tenantId]]);
  for (const store of STORE_NAMES) {
    const section = secrets[store];
    if (section) tree.set(store, new Map(Object.entries(section).sort(byKey)));
  }
  return encryptSops(tree, { recipients });
}

export async function decryptTenantDocument(
  tenantId: string,
  text: string,
  identities: readonly string[],
): Promise<TenantSecrets> {
  let tree: SopsMap;
  try {
    tree = await decryptSops(text, identities);
  } catch (error) {
    if (error instanceof SopsError) {
      throw new TenantDocumentError(tenantId, error.message, error.kind);
    }
    throw error;
  }
  const owner = tree.get("tenant");
  if (owner !== tenantId) {
    throw new TenantDocumentError(
      tenantId,
      typeof owner === "string"
        ? `it belongs to tenant ${owner}: refusing another tenant's credentials`
        : "it does not name its tenant",
      "tampered",
    );
  }
  const secrets: TenantSecrets = {};
  for (const [key, value] of tree) {
    if (key === "tenant") continue;
    if (!STORE_NAMES.includes(key as StoreName)) {
      throw new TenantDocumentError(tenantId, `unknown section "${key}"`, "format");
    }
    if (!(value instanceof Map)) {
      throw new TenantDocumentError(tenantId, `section ${key} is not a mapping`, "format");
    }
    const section: StoreSecret = {};
    for (const [field, v] of value) {
      if (typeof v !== "string") {
        throw new TenantDocumentError(tenantId, `${key}.${field} is not a string`, "format");
      }
      section[field] = v;
    }
    secrets[key as StoreName] = section;
  }
  return secrets;
}

/** Same stores, same fields, same values. */
export function sameSecrets(a: TenantSecrets, b: TenantSecrets): boolean {
  const canonical = (s: TenantSecrets) =>
    JSON.stringify(
      STORE_NAMES.filter((store) => s[store]).map((store) => [
        store,
        Object.entries(s[store]!).sort(byKey),
      ]),
    );
  return canonical(a) === canonical(b);
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
