/**
 * The tenant token contract: a JWT signed with the server's API key that grants
 * read-write access to the tenant's one collection, and that Qdrant accepts only while a
 * record of it exists in Bulkhead's token registry (`value_exists`), so one tenant's
 * token is revoked by deleting its record, without rotating the server key.
 *
 * Claims as Qdrant parses them (qdrant/qdrant v1.19.0 `src/common/auth/claims.rs`,
 * `lib/storage/src/rbac/mod.rs`): `access` is a list of `{collection, access}` with
 * `"r" | "rw" | "prw"`; a token without `access` has full manage rights, so every
 * token carries it. `value_exists: {collection, matches: [{key, value}]}` is checked on
 * every request with an internal scroll of `collection` (limit 1, all matches must
 * hold). `subject` (since 1.17) only labels audit-log entries; older servers ignore
 * unknown claims (Claims has no deny_unknown_fields).
 *
 * No `exp`: a tenant token lives until it is revoked (record deleted) or rotated. An
 * expiry would need a scheduler that re-issues tokens before they lapse, and an expired
 * token would break the tenant's application between two applies; revocation through
 * the registry gives the same control without that failure mode.
 */
import { qdrantCollection } from "../../tenant/names.ts";
import { tenantIdProblem } from "../../tenant/id.ts";
import { valuesEqual } from "../../plan/diff.ts";
import type { AttributeValue, StoreSecret } from "../store.ts";
import { signJwt, verifyJwt } from "./jwt.ts";
import type { TokenRecord } from "./parse.ts";

/** The Bulkhead-managed collection holding one record per live tenant token. */
export const TOKEN_REGISTRY = "bulkhead_tokens";

/** Collection access a tenant token grants: points, payload indexes, own snapshots. */
export const TENANT_ACCESS = "rw";

/** Payload fields of a token record that `value_exists` matches; keyword-indexed. */
export const TOKEN_RECORD_FIELDS = ["tenant", "token_id"] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The claims of a tenant's token: exactly these, in this order, nothing else. */
export function tokenClaims(tenantId: string, tokenId: string): Record<string, AttributeValue> {
  return {
    access: [{ collection: qdrantCollection(tenantId), access: TENANT_ACCESS }],
    value_exists: {
      collection: TOKEN_REGISTRY,
      matches: [
        { key: "token_id", value: tokenId },
        { key: "tenant", value: tenantId },
      ],
    },
    subject: `bulkhead:${tenantId}`,
  };
}

/** A fresh token for a tenant: `{token_id, api_key}`, api_key being the JWT. */
export async function mintTenantToken(tenantId: string, apiKey: string): Promise<StoreSecret> {
  const tokenId = crypto.randomUUID();
  return { token_id: tokenId, api_key: await signJwt(tokenClaims(tenantId, tokenId), apiKey) };
}

export type TokenVerdict = "contract" | "outdated";

/**
 * Whether a recorded token is one the server accepts under the contract: signed with
 * this API key and carrying exactly the contract's claims for its tenant and token id.
 * A token signed with a previous server key, or minted under an older contract, is
 * `outdated` and must be replaced.
 */
export async function tokenVerdict(
  secret: StoreSecret,
  tenantId: string,
  apiKey: string,
): Promise<TokenVerdict> {
  if (typeof secret.token_id !== "string" || !UUID.test(secret.token_id)) return "outdated";
  if (typeof secret.api_key !== "string") return "outdated";
  const claims = await verifyJwt(secret.api_key, apiKey);
  if (!claims) return "outdated";
  const wanted = tokenClaims(tenantId, secret.token_id);
  return valuesEqual(claims as Record<string, AttributeValue>, wanted) ? "contract" : "outdated";
}

/** The registry point that keeps a token valid; its id is the token id. */
export function tokenRecord(tenantId: string, tokenId: string, issuedAt: Date) {
  return {
    id: tokenId,
    // The registry has no vectors: an empty named-vector map is the point's vector.
    vector: {},
    payload: {
      token_id: tokenId,
      tenant: tenantId,
      collection: qdrantCollection(tenantId),
      issued_at: issuedAt.toISOString(),
    },
  };
}

/** What the registry says of one tenant's tokens. */
export interface TokenObservation {
  /** Registry records that validate some token of this tenant. */
  liveTokens: number;
  /** Present when secrets are available: does a record keep the recorded token valid? */
  credential?: "recorded" | "unrecorded";
  /** Present when a token is recorded: is it the contract's (see tokenVerdict)? */
  tokenClaims?: TokenVerdict;
}

export interface TokenRecordsView {
  byTenant: Map<string, TokenObservation>;
  /** Records whose tenant field names no valid tenant id: they validate no Bulkhead token. */
  stray: number;
}

/**
 * Registry records and recorded secrets → what each tenant's token resource observes.
 * A record counts for every tenant its `tenant` payload matches (a list matches each of
 * its strings, as Qdrant's keyword match does).
 */
export async function observeTokens(
  records: readonly TokenRecord[],
  secrets: ReadonlyMap<string, StoreSecret>,
  secretsAvailable: boolean,
  apiKey: string | undefined,
): Promise<TokenRecordsView> {
  const byTenant = new Map<string, TokenRecord[]>();
  let stray = 0;
  for (const record of records) {
    const tenants = [...new Set(record.tenants)].filter((t) => tenantIdProblem(t) === undefined);
    if (tenants.length === 0) stray++;
    for (const tenant of tenants) {
      const held = byTenant.get(tenant);
      if (held) held.push(record);
      else byTenant.set(tenant, [record]);
    }
  }
  const sorted = [...byTenant].sort(([a], [b]) => a.localeCompare(b));
  const observations = await Promise.all(sorted.map(async ([tenant, held]) => {
    const observation: TokenObservation = { liveTokens: held.length };
    if (secretsAvailable) {
      const secret = secrets.get(tenant);
      const recorded = secret !== undefined &&
        held.some((r) => r.tokenIds.includes(secret.token_id));
      observation.credential = recorded ? "recorded" : "unrecorded";
      if (secret !== undefined) {
        observation.tokenClaims = apiKey === undefined
          ? "outdated"
          : await tokenVerdict(secret, tenant, apiKey);
      }
    }
    return [tenant, observation] as const;
  }));
  return { byTenant: new Map(observations), stray };
}
