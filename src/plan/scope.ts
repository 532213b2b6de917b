/**
 * Which resources a plan looks at: those of the tenants in scope (all declared ones,
 * or `--target`/`--exclude`), plus the shared resources those tenants need.
 */
import type { Resource } from "../stores/store.ts";

export function inScope(
  resource: Resource,
  tenantIds: ReadonlySet<string>,
  desiredAddresses: ReadonlySet<string>,
): boolean {
  if (resource.tenant !== undefined) return tenantIds.has(resource.tenant);
  return desiredAddresses.has(resource.address);
}
