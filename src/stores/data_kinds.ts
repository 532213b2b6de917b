import type { Store } from "./store.ts";

/** Kinds whose deletion destroys tenant data in any store: deleted only with --allow-destroy. */
export const DATA_KINDS: readonly string[] = ["database", "schema", "bucket", "collection"];

/** The engine's data kinds plus the store's own (e.g. Redis keyspaces). */
export function dataKindsOf(store: Store | undefined): Set<string> {
  return new Set([...DATA_KINDS, ...(store?.dataKinds ?? [])]);
}
