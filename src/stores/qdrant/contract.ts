/**
 * Qdrant's part of the isolation contract, as data: the checks the conformance probes
 * run (probes.ts), the guarantees only lifecycle tests can show, and the leaks Qdrant
 * cannot close. spec/contract/qdrant.md carries the same tables between
 * `<!-- generated:… -->` markers (contract_gen.ts writes them, contract_test.ts fails
 * when they differ).
 *
 * Every statement derives from qdrant/qdrant v1.19.0 sources (`src/common/auth/`,
 * `lib/storage/src/rbac/`, `src/actix/`), not from a running server: none could be run
 * where this was written.
 */
import type {
  AreaContract,
  ContractCheck,
  ResidualLeak,
  Severity,
} from "../../conformance/model.ts";

/**
 * What Qdrant answers when its access control refuses a valid token: HTTP 403 with
 * `Forbidden: <reason>` from `lib/storage/src/rbac/mod.rs`. Other 403s (a bad
 * signature, an expired or revoked token, a configuration refusal) do not count.
 */
const DENIED =
  "HTTP 403 `Forbidden: …` with one of the access control's reasons; no other answer passes";

export const QDRANT_CHECKS: readonly ContractCheck[] = [
  {
    id: "QD-001",
    severity: "critical",
    title: "Read another tenant's collection metadata",
    attempt:
      "With the attacker's token, on the victim's collection name (exact, or with case, whitespace, quoting, wildcard, look-alike or percent-encoding tricks): collection info, exists, its aliases, cluster info, optimizations, memory, shard keys",
    expected: DENIED,
  },
  {
    id: "QD-002",
    severity: "critical",
    title: "Read another tenant's points",
    attempt:
      "On the victim's collection: retrieve (GET and POST), scroll, count, facet, query (single, batch, groups), search, recommend and discover (single, batch, groups), distance matrix (pairs, offsets), and the local-shard retrieve, scroll and count routes",
    expected: DENIED,
  },
  {
    id: "QD-003",
    severity: "critical",
    title: "Write another tenant's points, payload, vectors or indexes",
    attempt:
      "On the victim's collection: upsert, delete points, update or delete vectors, set, overwrite, delete or clear payload, batch update, create or delete a payload index or a named vector, shard cleanup",
    expected: DENIED,
  },
  {
    id: "QD-004",
    severity: "critical",
    title: "Reach another tenant's collection from the own one",
    attempt:
      "On the attacker's own collection, requests that name the victim's collection in their body: `lookup_from` (query, prefetch, recommend, discover, batches) and `with_lookup` (query groups, search groups, recommend groups)",
    expected: DENIED,
  },
  {
    id: "QD-005",
    severity: "critical",
    title: "Another tenant's snapshots",
    attempt:
      "On the victim's collection: list, create, download and delete collection snapshots and shard snapshots, stream a shard snapshot, create a partial snapshot, read its manifest",
    expected: DENIED,
  },
  {
    id: "QD-006",
    severity: "high",
    title: "Manage collections, the own included",
    attempt:
      "Create or delete a collection, update the own or the victim's collection (e.g. lift its strict mode), change shard keys or shard placement, restore a collection or a shard from an uploaded, remote or partial snapshot, truncate a collection's WAL",
    expected: DENIED,
  },
  {
    id: "QD-007",
    severity: "high",
    title: "Create, rename or delete aliases",
    attempt:
      "`POST /collections/aliases`: an alias named like the attacker's collection that points at the victim's, an alias of the victim's collection, renaming or deleting one",
    expected: DENIED,
  },
  {
    id: "QD-008",
    severity: "high",
    title: "Server-wide state",
    attempt:
      "Cluster status and operations (recover, remove peer, metadata keys), full snapshots, metrics, quotas, logger, debugger, profiler, stack trace, audit log, clearing issues",
    expected: DENIED,
  },
  {
    id: "QD-009",
    severity: "critical",
    title: "The token registry",
    attempt:
      "Any collection route on `bulkhead_tokens`, e.g. scroll it, or upsert a record that would make a revoked token valid again",
    expected: DENIED,
  },
  {
    id: "QD-010",
    severity: "medium",
    title: "Listings reveal other tenants",
    attempt: "`GET /collections`, `GET /aliases`, `GET /issues` with the tenant's token",
    expected:
      "The answer names no other tenant's collection and not the registry (Qdrant filters listings by the token's collections); a refusal also passes",
  },
  {
    id: "QD-011",
    severity: "critical",
    title: "The own collection name reaches another tenant's data",
    attempt:
      "The probe writes a marker point into the victim's collection with the victim's token and reads it back; then the attacker retrieves that point through its own collection name",
    expected:
      "The answer holds no point of the victim: the name resolves to the attacker's own collection (an alias that takes a tenant's collection name wins over the collection, so this is a content check, not a refusal)",
  },
  {
    id: "QD-012",
    severity: "high",
    title: "The recorded token is not the contract's",
    attempt:
      "Decode the tenant's recorded token (never printed) and compare its claims with the contract",
    expected:
      "Exactly `access: [{collection: tenant_<id>, access: rw}]`, `value_exists` on `bulkhead_tokens` with the tenant's token id, `subject: bulkhead:<id>`; no global `access`, no missing `access` (full manage rights), no other collection",
  },
  {
    id: "QD-C01",
    severity: "high",
    title: "The tenant's workload on its own collection",
    attempt:
      "With the tenant's token on its own collection: upsert and delete the probe's marker point, retrieve, scroll, count, query, search, collection info and exists",
    expected:
      "HTTP 2xx. A positive control: a broken, revoked or wrong credential fails it, so it can never pass as isolation",
    kind: "control",
  },
];

/** Guarantees that need a tenant's lifecycle (suspend, destroy): proven by store tests, not by conformance. */
export interface LifecycleGuarantee {
  id: string;
  severity: Severity;
  title: string;
  expected: string;
  /** The test that shows it against a real Qdrant. */
  provenBy: string;
}

export const QDRANT_LIFECYCLE: readonly LifecycleGuarantee[] = [
  {
    id: "QD-L01",
    severity: "critical",
    title: "A suspended or decommissioned tenant's token is refused on its own collection",
    expected: "HTTP 401 (registry record gone; 403 if the registry itself is gone)",
    provenBy:
      "store_integration_test.ts: suspending revokes the token and keeps the data; reactivating restores it",
  },
  {
    id: "QD-L02",
    severity: "critical",
    title: "Old tokens do not reach a collection recreated under a destroyed tenant's name",
    expected: "HTTP 401: tokens are revoked before the collection is deleted",
    provenBy:
      "store_integration_test.ts: destroying revokes tokens first; a collection recreated under the name is not reachable with them",
  },
  {
    id: "QD-L03",
    severity: "medium",
    title: "The tenant's limits hold on its own collection",
    expected:
      "Strict mode on, with the tenant's read/write rate limit (HTTP 429 beyond it) and point limit; drift in them is shown by plan and repaired by apply",
    provenBy:
      "store_integration_test.ts: drift in limits, an alias and an extra token is shown by plan and repaired by apply",
  },
];

export const QDRANT_RESIDUAL_LEAKS: readonly ResidualLeak[] = [
  {
    id: "QD-R01",
    severity: "medium",
    title: "Telemetry names every collection",
    detail:
      "`GET /telemetry` answers a collection-scoped token with snapshot telemetry for every collection, unfiltered (v1.19.0 `TableOfContent::get_telemetry_data` builds `snapshot_telemetry` from all collections): other tenants' collection names, hence tenant ids, leak. Block `/telemetry` and `/cluster/telemetry` for tenant tokens at a reverse proxy. The probes do not attack it: it would fail every run on every current server.",
  },
  {
    id: "QD-R02",
    severity: "low",
    title: "Telemetry describes the server",
    detail:
      "`/telemetry` and `/cluster/telemetry` answer every valid token with server version, build features, CPU/RAM/disk sizes, global HNSW settings and peers; collection data in them is filtered to the token's own. Same mitigation as QD-R01.",
  },
  {
    id: "QD-R03",
    severity: "medium",
    title: "Shared node resources",
    detail:
      "A tenant can fill server disk with snapshots of its own collection (`rw` includes snapshot creation), add payload indexes and named vectors, and load CPU within its rate limit. Monitor the server and set disk quotas; `prw` instead of `rw` would remove snapshots and indexes from tenants at the cost of filtered-search performance.",
  },
  {
    id: "QD-R04",
    severity: "low",
    title: "Health endpoints are open",
    detail: "`/`, `/healthz`, `/livez`, `/readyz` answer without a token. No tenant data.",
  },
  {
    id: "QD-R05",
    severity: "medium",
    title: "Tokens do not expire",
    detail:
      "A leaked token stays valid until revoked. Suspending the tenant or rotating its credential revokes it on the next request, without rotating the server key.",
  },
  {
    id: "QD-R06",
    severity: "critical",
    title: "The server API key mints any token",
    detail:
      "Whoever holds the API key can sign a token with full access, and such a token without `value_exists` cannot be revoked except by rotating the key. Keep it with Bulkhead's operators and CI only; rotating it (`alt_api_key` allows overlap) makes every tenant token outdated and the next apply issues new ones.",
  },
  {
    id: "QD-R07",
    severity: "low",
    title: "Registry lookup per request",
    detail:
      "Every tenant request costs one keyword-indexed lookup in `bulkhead_tokens` (the `value_exists` check).",
  },
];

export const qdrantContract: AreaContract = {
  area: "qdrant",
  summary:
    "Each tenant owns one collection, `tenant_<id>`, and one HS256 token scoped to it (`rw`), valid only while its record exists in `bulkhead_tokens`. Qdrant's own access control refuses the token everywhere else: other collections (under any spelling), their snapshots, collection management, aliases, the token registry and server-wide endpoints. Listings are filtered to the own collection; telemetry is not (QD-R01).",
  checks: QDRANT_CHECKS,
  residualLeaks: QDRANT_RESIDUAL_LEAKS,
  details: "spec/contract/qdrant.md",
};
