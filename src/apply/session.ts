/**
 * A session with everything plan and apply talk to: the registry, the master keys and
 * one connection per configured store. Owns those connections; close() ends them.
 */
import { ConfigError, type StoreEndpoints, storeEndpointsFromEnv } from "../config.ts";
import { Registry } from "../registry/registry.ts";
import { type MasterKeys, masterKeysFromEnv } from "../keys/mod.ts";
import { STORE_REGISTRATIONS, type StoreRegistration } from "../stores/registry.ts";
import type { Store } from "../stores/store.ts";

export interface OpenedStore {
  registration: StoreRegistration;
  /** Undefined when the store is not configured. */
  store?: Store;
}

export class Session {
  private constructor(
    readonly endpoints: StoreEndpoints,
    readonly registry: Registry,
    readonly master: MasterKeys,
    readonly stores: OpenedStore[],
  ) {}

  static async open(
    env: Record<string, string | undefined> = Deno.env.toObject(),
  ): Promise<Session> {
    const endpoints = storeEndpointsFromEnv(env);
    const master = await masterKeysFromEnv(env);
    const registry = await Registry.fromEnv();
    const stores: OpenedStore[] = [];
    try {
      for (const registration of STORE_REGISTRATIONS) {
        stores.push({ registration, store: registration.open(endpoints) });
      }
    } catch (error) {
      await Promise.all(stores.map((s) => s.store?.close()));
      await registry.close();
      throw error;
    }
    return new Session(endpoints, registry, master, stores);
  }

  store(name: string): Store | undefined {
    return this.stores.find((s) => s.registration.name === name)?.store;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.stores.map((s) => s.store?.close()), this.registry.close()]);
  }
}

export { ConfigError };
