/**
 * Faults an operator could introduce by hand into a real Qdrant, for the tests that
 * prove the conformance suite catches them (probes_integration_test.ts): an over-broad
 * token recorded for a tenant, an alias that hands one tenant's collection name to
 * another tenant's collection, a credential edited by hand. The pure parts (claims,
 * alias actions, tokens) are unit-tested in faults_test.ts; the rest acts with the
 * server's API key, as the operator would.
 */
import type { AttributeValue, StoreSecret } from "../store.ts";
import { qdrantCollection } from "../../tenant/names.ts";
import { signJwt } from "./jwt.ts";
import { tokenClaims } from "./token.ts";
import { qdrantCall } from "./rest.ts";
import type { QdrantRequest } from "./requests.ts";

export type OverBroadToken =
  /** No `access` claim: Qdrant grants full manage rights. */
  | "no-access"
  /** Global read access: every collection readable. */
  | "global-read"
  /** The tenant's own access plus read access to another tenant's collection. */
  | "foreign-collection";

/**
 * Claims of an over-broad token that still carries the tenant's `value_exists`, so it
 * works while the tenant's registry record exists — and dies when apply revokes it.
 */
export function overBroadClaims(
  kind: OverBroadToken,
  tenantId: string,
  tokenId: string,
  otherTenant?: string,
): Record<string, AttributeValue> {
  const claims = tokenClaims(tenantId, tokenId);
  switch (kind) {
    case "no-access": {
      const { access: _, ...rest } = claims;
      return rest;
    }
    case "global-read":
      return { ...claims, access: "r" };
    case "foreign-collection": {
      if (!otherTenant) throw new Error("a foreign-collection token needs the other tenant");
      return {
        ...claims,
        access: [
          ...(claims.access as AttributeValue[]),
          { collection: qdrantCollection(otherTenant), access: "r" },
        ],
      };
    }
  }
}

/** The tenant's secret with an over-broad token in place of its own (same token id). */
export async function overBroadSecret(
  kind: OverBroadToken,
  tenantId: string,
  secret: StoreSecret,
  apiKey: string,
  otherTenant?: string,
): Promise<StoreSecret> {
  const claims = overBroadClaims(kind, tenantId, secret.token_id, otherTenant);
  return { ...secret, api_key: await signJwt(claims, apiKey) };
}

/**
 * A credential "changed by hand": the contract's claims, signed with a key that is not
 * the server's, as an edited secrets document would hold. Qdrant refuses it outright.
 */
export async function handEditedSecret(
  tenantId: string,
  secret: StoreSecret,
): Promise<StoreSecret> {
  const wrongKey = Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return { ...secret, api_key: await signJwt(tokenClaims(tenantId, secret.token_id), wrongKey) };
}

/**
 * Alias actions that make `attacker`'s collection name reach `victim`'s collection.
 * Qdrant refuses to create an alias under an existing collection's name, but renaming
 * an alias onto it is not checked (v1.19.0 `AliasPersistence::rename_alias`), and an
 * alias wins over a collection of the same name (`TableOfContent::resolve_name`).
 */
export function aliasShadowRequest(attacker: string, victim: string): QdrantRequest {
  const own = qdrantCollection(attacker);
  const temporary = `${own}_bulkhead_fault`;
  return {
    method: "POST",
    path: "/collections/aliases",
    body: {
      actions: [
        { create_alias: { collection_name: qdrantCollection(victim), alias_name: temporary } },
        { rename_alias: { old_alias_name: temporary, new_alias_name: own } },
      ],
    },
  };
}

/** Creates the alias shadow on a live Qdrant with its API key. */
export async function injectAliasShadow(
  qdrant: { url: string; apiKey: string },
  attacker: string,
  victim: string,
): Promise<void> {
  await qdrantCall(qdrant.url, qdrant.apiKey, aliasShadowRequest(attacker, victim));
}
