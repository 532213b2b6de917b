/** Tenant keys and secrets: what apply, plan, conformance and the CLI use. */
export type { MasterKeys } from "./master.ts";
export { MasterKeyError, masterKeysFromEnv, requireMasterIdentity } from "./master.ts";
export type { TenantSecrets } from "./document.ts";
export { STORE_SECRET_FIELDS, storeSecretProblem, TenantDocumentError } from "./document.ts";
export {
  ensureTenantKeys,
  EXPORT_FILES,
  exportTenantKeys,
  KEY_ROTATION_INTERVAL_DAYS,
  rotateTenantKey,
  tenantIdentity,
} from "./tenant_keys.ts";
export type { ExportResult, RotationResult } from "./tenant_keys.ts";
export {
  readAllTenantSecrets,
  readAllTenantSecretsSettled,
  readTenantSecrets,
  recordStoreSecret,
  removeStoreSecret,
} from "./secrets.ts";
export { actorName } from "./actor.ts";
