/**
 * For Qdrant integration tests: the sandbox's real Qdrant (QDRANT_URL + QDRANT_API_KEY,
 * or a `qdrant` binary on PATH), or the reason there is none — in which case each test
 * is registered as ignored with that reason in its name, so nothing reports "passed"
 * that did not run. There is no fake Qdrant.
 */
import type { QdrantEndpoint } from "../../config.ts";
import { testStores } from "../../sandbox/testing.ts";
import { type QdrantRequest } from "./requests.ts";
import type { StoreSecret } from "../store.ts";
import type { Tenant } from "../../tenant/model.ts";
import { convergeStore } from "../testing.ts";
import { createQdrantStore, type QdrantStore } from "./store.ts";

export type ReachableQdrant = Required<QdrantEndpoint>;

async function qdrantForTests(): Promise<ReachableQdrant | string> {
  const endpoint = (await testStores()).qdrant;
  if (!endpoint) {
    return "no Qdrant reachable — set QDRANT_URL and QDRANT_API_KEY, or put a qdrant binary on PATH";
  }
  if (!endpoint.apiKey) {
    return "the Qdrant in use has no API key — set QDRANT_API_KEY (JWT RBAC on)";
  }
  return { url: endpoint.url, apiKey: endpoint.apiKey };
}

const qdrant = await qdrantForTests();

/** Registers a test that needs a real Qdrant; ignored, with the reason in its name, without one. */
export function qdrantTest(name: string, fn: (qdrant: ReachableQdrant) => Promise<void>): void {
  if (typeof qdrant === "string") {
    Deno.test({ name: `${name} (skipped: ${qdrant})`, ignore: true, fn: () => {} });
  } else {
    Deno.test({ name, fn: () => fn(qdrant) });
  }
}

/** The HTTP status Qdrant answers a request with, under a given key (admin or tenant token). */
export async function statusWith(
  url: string,
  key: string,
  request: QdrantRequest,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: {
      "api-key": key,
      ...(request.body !== undefined && { "content-type": "application/json" }),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text() };
}

/** Converges the tenants, runs the test, then destroys what the tenants left. */
export async function withTenants(
  qdrant: ReachableQdrant,
  tenants: Tenant[],
  test: (store: QdrantStore, secrets: Map<string, StoreSecret>) => Promise<void>,
): Promise<void> {
  const store = createQdrantStore(qdrant);
  const secrets = new Map<string, StoreSecret>();
  const ids = tenants.map((t) => t.id);
  try {
    await convergeStore(store, tenants, secrets);
    await test(store, secrets);
  } finally {
    await convergeStore(store, [], secrets, {
      destroyTenants: ids,
      alsoObserve: ids,
      allowDestroy: true,
    });
    await store.close();
  }
}
