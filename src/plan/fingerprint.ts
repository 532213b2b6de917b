/** Fingerprints: SHA-256 over canonical JSON, so equal content gives equal hashes. */
import { sha256Hex } from "../encoding.ts";
import type { Resource } from "../stores/store.ts";
import type { Tenant } from "../tenant/model.ts";

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export async function resourcesFingerprint(resources: readonly Resource[]): Promise<string> {
  const sorted = [...resources].sort((a, b) => a.address.localeCompare(b.address));
  return await sha256Hex(
    canonicalJson(sorted.map((r) => [r.address, r.tenant ?? null, r.attributes])),
  );
}

export async function tenantsFingerprint(tenants: readonly Tenant[]): Promise<string> {
  const sorted = [...tenants].sort((a, b) => a.id.localeCompare(b.id));
  // The file path is where it was read from, not what it declares.
  return await sha256Hex(canonicalJson(sorted.map(({ file: _file, ...declared }) => declared)));
}
