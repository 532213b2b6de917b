/**
 * Reading and writing tenants' store credentials in their SOPS documents. Reads decrypt
 * with the master identity (every document is wrapped to the master recipients too);
 * writes are read-modify-write under the registry's row lock, with a fresh data key
 * each time, and leave one audit event that names the store and never a value.
 */
import type { Registry } from "../registry/registry.ts";
import type { StoreName } from "../tenant/model.ts";
import type { StoreSecret } from "../stores/store.ts";
import { type MasterKeys, requireMasterIdentity } from "./master.ts";
import {
  decryptTenantDocument,
  encryptTenantDocument,
  sameSecrets,
  storeSecretProblem,
  type TenantSecrets,
} from "./document.ts";

/** Every tenant's secrets: one registry query, then one decryption per document. */
export async function readAllTenantSecrets(
  registry: Registry,
  master: MasterKeys,
): Promise<Map<string, TenantSecrets>> {
  const { secrets, unreadable } = await readAllTenantSecretsSettled(registry, master);
  const [first] = unreadable;
  if (first) throw first[1];
  return secrets;
}

/**
 * Every tenant's secrets, with the documents that could not be decrypted (tampered,
 * or wrapped to another master) kept apart, so one bad document does not stop the
 * others from being planned and applied.
 */
export async function readAllTenantSecretsSettled(
  registry: Registry,
  master: MasterKeys,
): Promise<{ secrets: Map<string, TenantSecrets>; unreadable: Map<string, Error> }> {
  const identity = requireMasterIdentity(master, "reading tenant secrets");
  const records = await registry.allSecretDocuments();
  const settled = await Promise.allSettled(
    records.map((r) => decryptTenantDocument(r.tenantId, r.document, [identity])),
  );
  const secrets = new Map<string, TenantSecrets>();
  const unreadable = new Map<string, Error>();
  settled.forEach((result, i) => {
    if (result.status === "fulfilled") secrets.set(records[i].tenantId, result.value);
    else unreadable.set(records[i].tenantId, result.reason as Error);
  });
  return { secrets, unreadable };
}

/** One tenant's secrets; undefined when the tenant has no document (no keys yet, or shredded). */
export async function readTenantSecrets(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
): Promise<TenantSecrets | undefined> {
  const identity = requireMasterIdentity(master, "reading tenant secrets");
  const record = await registry.secretDocument(tenantId);
  if (!record) return undefined;
  return await decryptTenantDocument(tenantId, record.document, [identity]);
}

/** Sets one store's section (a no-op when it already holds exactly this secret). */
export async function recordStoreSecret(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  store: StoreName,
  secret: StoreSecret,
  actor: string,
): Promise<void> {
  const problem = storeSecretProblem(store, secret);
  if (problem) throw new Error(`tenant ${tenantId}: cannot record the secret: ${problem}`);
  await changeDocument(registry, master, tenantId, actor, (secrets) => {
    const replaced = secrets[store] !== undefined;
    return {
      secrets: { ...secrets, [store]: { ...secret } },
      audit: {
        type: "secrets.recorded",
        details: { store, fields: Object.keys(secret).sort(), replaced },
      },
    };
  });
}

/** Removes one store's section (deprovisioning); a no-op when there is none. */
export async function removeStoreSecret(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  store: StoreName,
  actor: string,
): Promise<void> {
  await changeDocument(registry, master, tenantId, actor, (secrets) => {
    const { [store]: _removed, ...rest } = secrets;
    return { secrets: rest, audit: { type: "secrets.removed", details: { store } } };
  });
}

async function changeDocument(
  registry: Registry,
  master: MasterKeys,
  tenantId: string,
  actor: string,
  change: (secrets: TenantSecrets) => {
    secrets: TenantSecrets;
    audit: { type: string; details: Record<string, unknown> };
  },
): Promise<void> {
  const identity = requireMasterIdentity(master, "changing tenant secrets");
  await registry.updateSecretDocument(tenantId, actor, async ({ key, document }) => {
    const before = await decryptTenantDocument(tenantId, document.document, [identity]);
    const { secrets, audit } = change(before);
    if (sameSecrets(before, secrets)) return undefined;
    const text = await encryptTenantDocument(tenantId, secrets, [
      key.publicKey,
      ...master.recipients,
    ]);
    if (!sameSecrets(await decryptTenantDocument(tenantId, text, [identity]), secrets)) {
      throw new Error(`tenant ${tenantId}: the re-encrypted document does not read back`);
    }
    return { document: text, audit };
  });
}
