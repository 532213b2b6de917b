/** For tests of keys and secrets. */
import type { Registry } from "../registry/registry.ts";
import type { StoreName } from "../tenant/model.ts";
import type { StoreSecret } from "../stores/store.ts";
import { utf8 } from "../encoding.ts";
import { decryptArmored } from "./age.ts";
import type { MasterKeys } from "./master.ts";

/** A store secret with random values (`sv-…`), so that a leak of it can be searched for. */
export function randomSecret(store: StoreName): StoreSecret {
  const value = () => `sv-${crypto.randomUUID()}`;
  return {
    postgres: { role: "tenant_x", password: value() },
    redis: { username: "tenant-x", password: value() },
    minio: { access_key: "tenant-x", secret_key: value() },
    qdrant: { token_id: "tenant-x", api_key: value() },
  }[store];
}

/** Every identity the registry still holds for these tenants (unwrapped with the master). */
export async function identitiesInRegistry(
  registry: Registry,
  master: MasterKeys,
  tenants: string[],
): Promise<string[]> {
  const identities: string[] = [];
  for (const id of tenants) {
    for (const key of await registry.keyHistory(id)) {
      if (!key.wrappedIdentity) continue;
      identities.push(
        utf8.decode(await decryptArmored(key.wrappedIdentity, [master.identity!])).trim(),
      );
    }
  }
  return identities;
}
