/**
 * Qdrant's conformance probes: every route of the surface (surface.ts, attack_surface.ts)
 * fired with one tenant's real token at another tenant's collection — under its own name
 * and under trick spellings — at the token registry, at collection management and at
 * server-wide state; the tenant's own workload as positive controls; listings, the own
 * name's resolution and the recorded token's claims as fixed checks. An attack passes
 * only when Qdrant's access control refuses it (outcome.ts).
 */
import fc from "fast-check";
import type { QdrantEndpoint } from "../../config.ts";
import { endpointOf } from "../../config.ts";
import type { Attempt, Outcome, ProbeTenant, StoreProbe } from "../../conformance/model.ts";
import { qdrantCollection } from "../../tenant/names.ts";
import { TOKEN_REGISTRY } from "./token.ts";
import {
  attackRoutes,
  type BodyContext,
  buildRequest,
  checkOf,
  collectionFor,
  markerPointId,
  PROBE_NAME_PREFIX,
  PROBE_PAYLOAD_KEY,
  type ProbeRequest,
  ROUTE_PLANS,
  type Target,
  vectorOf,
} from "./attack_surface.ts";
import {
  type Answer,
  claimsOutcome,
  classifyAnswer,
  failureOutcome,
  listingOutcome,
  markerOutcome,
  mentions,
  outcomeOf,
} from "./outcome.ts";
import { fillPath, type QdrantOperation, routeOf } from "./surface.ts";
import { tenantUrl } from "./store.ts";

/** Per-request limit: a server that does not answer in time is an error, never a pass. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** What an attempt runs. Plain JSON: printed in reports and replayed; never a token. */
export type QdrantProbeRequest =
  | { kind: "route"; target: Target; victim?: string; http: ProbeRequest }
  /** `withMarker`: the tenant's marker point is written first, so reading it can succeed. */
  | { kind: "control"; http: ProbeRequest; withMarker?: boolean }
  | { kind: "listing"; http: ProbeRequest }
  | { kind: "marker"; victim: string; http: ProbeRequest }
  | { kind: "claims" };

// --- names aimed at the victim ---------------------------------------------------------

const LOOKALIKES: Record<string, string> = {
  a: "\u0430", // Cyrillic a
  e: "\u0435", // Cyrillic e
  t: "\uff54", // fullwidth t
  _: "\uff3f", // fullwidth low line
};

/**
 * Spellings of the victim's collection name that a careless access check could match:
 * case, surrounding whitespace and quotes, wildcards, dots, look-alike and invisible
 * characters, percent sequences the server decodes once, lists. Names Qdrant rejects as
 * invalid before any access check (`/`, NUL, empty, over 255 bytes) are left out: their
 * refusal would prove nothing.
 */
export function trickNames(victim: string, own: string): string[] {
  const first = victim.codePointAt(0)!;
  const names = [
    victim.toUpperCase(),
    victim[0].toUpperCase() + victim.slice(1),
    ` ${victim}`,
    `${victim} `,
    `${victim}\t`,
    `${victim}\n`,
    `"${victim}"`,
    `'${victim}'`,
    `\`${victim}\``,
    `${victim}"`,
    `${victim}\\`,
    `${victim};`,
    `${victim}*`,
    "*",
    "tenant_*",
    `${victim.slice(0, -1)}*`,
    `${victim}%`,
    `${victim}?`,
    `${victim}#`,
    `%${first.toString(16)}${victim.slice(1)}`,
    `${victim}%2F..%2F${own}`,
    `..${victim}`,
    `.${victim}`,
    `${victim}.`,
    `${victim}..`,
    `${victim}\u200b`,
    `\u200b${victim}`,
    `${victim}\u0301`,
    [...victim].map((c) => LOOKALIKES[c] ?? c).join(""),
    `${victim},${own}`,
    `${own},${victim}`,
    `${victim}_`,
    victim.slice(0, victim.lastIndexOf("_")) || victim.slice(0, -1),
  ];
  return [...new Set(names)].filter((n) =>
    n !== own && n.length > 0 && !n.includes("/") && !n.includes("\u0000") &&
    new TextEncoder().encode(n).length <= 255
  );
}

/** The victim's name (mostly), a trick spelling of it, or the token registry. */
export function victimNameArbitrary(victim: string, own: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(victim) },
    { weight: 3, arbitrary: fc.constantFrom(...trickNames(victim, own)) },
    { weight: 1, arbitrary: fc.constant(TOKEN_REGISTRY) },
  );
}

const probeName = fc.integer({ min: 0, max: 36 ** 6 - 1 }).map((n) =>
  `${PROBE_NAME_PREFIX}${n.toString(36).padStart(6, "0")}`
);

function pointIdsArbitrary(victimId: string) {
  return fc.array(
    fc.oneof(
      fc.constant(markerPointId(victimId)),
      fc.nat({ max: 1000 }),
      fc.uuid(),
    ),
    { minLength: 1, maxLength: 3 },
  );
}

function vectorSizeOf(tenant: ProbeTenant): number {
  return tenant.tenant.stores.qdrant?.vectorSize ?? 4;
}

/** Every random attack of `attacker` on `victim`: a route of the surface, a target, arguments. */
export function attackArbitrary(attacker: ProbeTenant, victim: ProbeTenant): fc.Arbitrary<Attempt> {
  const own = qdrantCollection(attacker.id);
  const victimCollection = qdrantCollection(victim.id);
  const routes = attackRoutes();
  return fc.constantFrom(...routes).chain(({ operation, targets }) =>
    fc.record({
      target: fc.constantFrom(...targets),
      name: victimNameArbitrary(victimCollection, own),
      pointIds: pointIdsArbitrary(victim.id),
      absentPoint: fc.uuid(),
      probeName,
      variant: fc.nat({ max: (ROUTE_PLANS[operation].variants ?? 1) - 1 }),
    }).map(({ target, name, pointIds, absentPoint, probeName, variant }) => {
      const collection = collectionFor(target, {
        victimName: name,
        victimCollection,
        ownCollection: own,
        probeName,
      });
      const ctx: BodyContext = {
        collection,
        vectorSize: target === "own" || target === "lookup"
          ? vectorSizeOf(attacker)
          : vectorSizeOf(victim),
        ownCollection: own,
        victimCollection,
        pointIds,
        absentPoint,
        probeName,
        variant,
      };
      const http = buildRequest(operation, target, ctx);
      const request: QdrantProbeRequest = { kind: "route", target, victim: victim.id, http };
      return {
        checkId: checkOf(operation, target, collection, TOKEN_REGISTRY),
        operation: `${http.method} ${http.path} (${operation}, ${target})`,
        expect: "denied" as const,
        request,
      };
    })
  );
}

// --- the tenant's own workload (positive controls) -------------------------------------

function markerPoint(tenant: ProbeTenant) {
  return {
    id: markerPointId(tenant.id),
    vector: vectorOf(vectorSizeOf(tenant)),
    payload: { [PROBE_PAYLOAD_KEY]: "marker", tenant: tenant.id },
  };
}

function upsertMarker(tenant: ProbeTenant): ProbeRequest {
  return {
    ...on("upsert_points", qdrantCollection(tenant.id), "wait=true"),
    body: { points: [markerPoint(tenant)] },
  };
}

function retrieve(collection: string, ids: string[]): ProbeRequest {
  return { ...on("get_points", collection), body: { ids, with_payload: false } };
}

function on(operation: QdrantOperation, collection: string, query?: string): ProbeRequest {
  const route = routeOf(operation);
  const path = fillPath(route.path, { collection_name: collection });
  return { operation, method: route.method, path: query ? `${path}?${query}` : path };
}

/** Operations a vector workload needs on its own collection. */
export function controlArbitrary(tenant: ProbeTenant): fc.Arbitrary<Attempt> {
  const own = qdrantCollection(tenant.id);
  const size = vectorSizeOf(tenant);
  const marker = markerPointId(tenant.id);
  const getPoint = routeOf("get_point");
  const controls: { http: ProbeRequest; withMarker?: boolean }[] = [
    { http: upsertMarker(tenant) },
    { http: retrieve(own, [marker]), withMarker: true },
    {
      http: {
        operation: "get_point",
        method: getPoint.method,
        path: fillPath(getPoint.path, { collection_name: own, id: marker }),
      },
      withMarker: true,
    },
    { http: { ...on("scroll_points", own), body: { limit: 3, with_payload: true } } },
    { http: { ...on("count_points", own), body: { exact: true } } },
    { http: { ...on("query_points", own), body: { query: vectorOf(size), limit: 3 } } },
    { http: { ...on("search_points", own), body: { vector: vectorOf(size), limit: 3 } } },
    { http: on("get_collection", own) },
    { http: on("collection_exists", own) },
    { http: { ...on("delete_points", own, "wait=true"), body: { points: [marker] } } },
  ];
  return fc.constantFrom(...controls).map(({ http, withMarker }) => ({
    checkId: "QD-C01",
    operation: `${http.method} ${http.path} (${http.operation}, own collection)`,
    expect: "allowed" as const,
    request: {
      kind: "control",
      http,
      ...(withMarker && { withMarker }),
    } satisfies QdrantProbeRequest,
  }));
}

// --- fixed checks --------------------------------------------------------------------

const LISTINGS: QdrantOperation[] = ["get_collections", "get_collections_aliases", "get_issues"];

export function fixedAttempts(
  tenants: readonly ProbeTenant[],
): { as: string; victim?: string; attempt: Attempt }[] {
  const attempts: { as: string; victim?: string; attempt: Attempt }[] = [];
  for (const tenant of tenants) {
    for (const operation of LISTINGS) {
      const route = routeOf(operation);
      const http: ProbeRequest = { operation, method: route.method, path: route.path };
      attempts.push({
        as: tenant.id,
        attempt: {
          checkId: "QD-010",
          operation: `${http.method} ${http.path} as ${tenant.id}: names another tenant`,
          expect: "denied",
          request: { kind: "listing", http } satisfies QdrantProbeRequest,
        },
      });
    }
    attempts.push({
      as: tenant.id,
      attempt: {
        checkId: "QD-012",
        operation: `${tenant.id}'s recorded token: claims broader than the contract's`,
        expect: "denied",
        request: { kind: "claims" } satisfies QdrantProbeRequest,
      },
    });
  }
  for (const attacker of tenants) {
    for (const victim of tenants) {
      if (attacker.id === victim.id) continue;
      attempts.push({
        as: attacker.id,
        victim: victim.id,
        attempt: markerAttempt(attacker, victim),
      });
    }
  }
  return attempts;
}

export function markerAttempt(attacker: ProbeTenant, victim: ProbeTenant): Attempt {
  const http = retrieve(qdrantCollection(attacker.id), [markerPointId(victim.id)]);
  return {
    checkId: "QD-011",
    operation:
      `${http.method} ${http.path}: ${victim.id}'s marker through ${attacker.id}'s own name`,
    expect: "denied",
    request: { kind: "marker", victim: victim.id, http } satisfies QdrantProbeRequest,
  };
}

// --- running attempts ----------------------------------------------------------------

interface Sent {
  answer: Answer;
  body: string;
}

/** A live probe: sends requests with tenants' tokens to one Qdrant. */
export class QdrantProbe implements StoreProbe {
  readonly area = "qdrant" as const;
  readonly #url: string;
  readonly #timeoutMs: number;
  /** Tenants seen by attacks, controls and fixed attempts: victims' tokens set up markers. */
  readonly #tenants = new Map<string, ProbeTenant>();
  /** Tenants whose marker point the probe wrote: removed on close. */
  readonly #markers = new Set<string>();

  constructor(url: string, timeoutMs = REQUEST_TIMEOUT_MS) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
  }

  #know(...tenants: readonly ProbeTenant[]) {
    for (const t of tenants) this.#tenants.set(t.id, t);
  }

  attacks(attacker: ProbeTenant, victim: ProbeTenant): fc.Arbitrary<Attempt> {
    this.#know(attacker, victim);
    return fc.oneof(
      { weight: 19, arbitrary: attackArbitrary(attacker, victim) },
      { weight: 1, arbitrary: fc.constant(markerAttempt(attacker, victim)) },
    );
  }

  controls(tenant: ProbeTenant): fc.Arbitrary<Attempt> {
    this.#know(tenant);
    return controlArbitrary(tenant);
  }

  fixed(tenants: readonly ProbeTenant[]) {
    this.#know(...tenants);
    return fixedAttempts(tenants);
  }

  /** Every token the probe knows: masked in any message that could echo one. */
  #secrets(): string[] {
    return [...this.#tenants.values()].map((t) => t.secret.api_key).filter(Boolean);
  }

  async #send(http: ProbeRequest, token: string, stream = false): Promise<Sent> {
    const headers: Record<string, string> = { "api-key": token };
    let body: BodyInit | undefined;
    if (http.multipart) {
      const form = new FormData();
      form.append(
        http.multipart.field,
        new Blob([new Uint8Array(http.multipart.size)]),
        http.multipart.filename,
      );
      body = form;
    } else if (http.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(http.body);
    }
    const response = await fetch(`${this.#url}${http.path}`, {
      method: http.method,
      headers,
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    let text = "";
    if (stream && response.ok) await response.body?.cancel();
    else text = await response.text();
    return { answer: classifyAnswer(response.status, text, this.#secrets()), body: text };
  }

  async run(attempt: Attempt, as: ProbeTenant): Promise<Outcome> {
    this.#know(as);
    const request = attempt.request as QdrantProbeRequest;
    const token = as.secret.api_key;
    if (request.kind === "claims") return claimsOutcome(token, as.id, as.secret.token_id);
    if (typeof token !== "string" || token === "") {
      return { kind: "error", message: `tenant ${as.id} has no Qdrant token recorded` };
    }
    try {
      switch (request.kind) {
        case "control": {
          if (request.withMarker || request.http.operation === "upsert_points") {
            const written = await this.#send(upsertMarker(as), token);
            if (written.answer.kind !== "ok") return outcomeOf(written.answer, "allowed");
            this.#markers.add(as.id);
            if (request.http.operation === "upsert_points") {
              return outcomeOf(written.answer, "allowed");
            }
          }
          return outcomeOf((await this.#send(request.http, token)).answer, "allowed");
        }
        case "listing": {
          const { answer, body } = await this.#send(request.http, token);
          return listingOutcome(answer, body, this.#foreignNames(as, body));
        }
        case "marker":
          return await this.#markerCheck(request.victim, request.http, token);
        case "route":
          return await this.#attack(request.http, token);
      }
    } catch (error) {
      return failureOutcome(error, this.#timeoutMs);
    }
  }

  /** Names a listing of `as` must not show: other tenants' collections and the registry. */
  #foreignNames(as: ProbeTenant, body: string): string[] {
    const own = qdrantCollection(as.id);
    const known = [...this.#tenants.keys()].filter((id) => id !== as.id).map(qdrantCollection);
    // Tenants not taking part in this run (e.g. --tenants) still have `tenant_…` names.
    const seen = [...body.matchAll(/tenant_[a-z0-9_]+/g)].map((m) => m[0]).filter((n) =>
      n !== own && mentions(body, n)
    );
    return [...new Set([...known, ...seen, TOKEN_REGISTRY])];
  }

  async #attack(http: ProbeRequest, token: string): Promise<Outcome> {
    const plan = ROUTE_PLANS[http.operation];
    let sending = http;
    if (plan.mirror) {
      // Server configuration: send back what the same token reads, so a write let
      // through changes nothing. A token that cannot read it cannot write it either.
      const from = routeOf(plan.mirror.from);
      const read = await this.#send({
        operation: plan.mirror.from,
        method: from.method,
        path: from.path,
      }, token);
      const current = read.answer.kind === "ok" ? resultOf(read.body) : undefined;
      if (current !== undefined) sending = { ...http, body: plan.mirror.body(current) };
    }
    const { answer, body } = await this.#send(sending, token, plan.stream);
    const outcome = outcomeOf(answer, "denied");
    if (answer.kind === "ok" && plan.undo) {
      const undo = plan.undo(sending, resultOf(body));
      if (undo) {
        const undone = await this.#send(undo, token).catch((e) => ({
          answer: { kind: "unexpected", status: 0, message: String(e) } as Answer,
          body: "",
        }));
        const note = undone.answer.kind === "ok"
          ? `; undone with ${undo.method} ${undo.path}`
          : `; undo ${undo.method} ${undo.path} failed: remove it by hand`;
        return { kind: "allowed", detail: `${(outcome as { detail?: string }).detail}${note}` };
      }
    }
    return outcome;
  }

  /**
   * QD-011: writes the victim's marker with the victim's token and reads it back (so a
   * pass is never vacuous), then retrieves it through the attacker's own name.
   */
  async #markerCheck(
    victimId: string,
    http: ProbeRequest,
    token: string,
  ): Promise<Outcome> {
    const victim = this.#tenants.get(victimId);
    if (!victim?.secret.api_key) {
      return { kind: "error", message: `tenant ${victimId}'s token is not known to the probe` };
    }
    const marker = markerPointId(victimId);
    const written = await this.#send(upsertMarker(victim), victim.secret.api_key);
    if (written.answer.kind !== "ok") {
      return {
        kind: "error",
        message: `tenant ${victimId}'s marker could not be written with its own token: ${
          describe(written.answer)
        }`,
      };
    }
    this.#markers.add(victimId);
    const own = await this.#send(
      retrieve(qdrantCollection(victimId), [marker]),
      victim.secret.api_key,
    );
    if (own.answer.kind !== "ok" || !own.body.includes(marker)) {
      return {
        kind: "error",
        message: `tenant ${victimId}'s marker is not readable with its own token: ${
          describe(own.answer)
        }`,
      };
    }
    const { answer, body } = await this.#send(http, token);
    return markerOutcome(answer, body, marker, victimId);
  }

  /** Removes the marker points the probe wrote, each with its tenant's own token. */
  async close(): Promise<void> {
    await Promise.all([...this.#markers].map(async (id) => {
      const tenant = this.#tenants.get(id);
      if (!tenant?.secret.api_key) return;
      const http = {
        ...on("delete_points", qdrantCollection(id), "wait=true"),
        body: { points: [markerPointId(id)] },
      };
      await this.#send(http, tenant.secret.api_key).catch(() => undefined);
    }));
    this.#markers.clear();
  }
}

/** The `result` of Qdrant's JSON envelope; undefined for a stream, plain text or no result. */
function resultOf(body: string): unknown {
  try {
    return JSON.parse(body)?.result ?? undefined;
  } catch {
    return undefined;
  }
}

function describe(answer: Answer): string {
  return answer.kind === "ok" ? `HTTP ${answer.status}` : `HTTP ${answer.status} ${answer.message}`;
}

/**
 * Opens the probe for a Qdrant endpoint. Reaches the server first (`GET /`, open to
 * anyone), so an unreachable server is reported "not verified" with the reason instead
 * of as one error per attempt.
 */
export async function openQdrantProbe(endpoint: QdrantEndpoint): Promise<StoreProbe> {
  const url = tenantUrl(endpoint.url);
  const where = `qdrant at ${endpointOf(endpoint.url)}`;
  let response: Response;
  try {
    response = await fetch(`${url}/`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const failed = failureOutcome(error, REQUEST_TIMEOUT_MS);
    throw new Error(`${where}: ${failed.kind === "error" ? failed.message : "unreachable"}`);
  }
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${where} answered GET / with HTTP ${response.status}`);
  return new QdrantProbe(url);
}
