/**
 * The Redis conformance probe: attacks and controls drawn from the live server's
 * command table (attack_surface.ts), run with each tenant's real credentials over plain
 * RESP connections (resp.ts) and judged strictly (refusals.ts).
 *
 * Attacks never execute: they are queued inside MULTI and discarded, or sent in RESP2
 * subscribed mode, so that even an ACL that lets an attack through (FLUSHALL, SHUTDOWN,
 * a write to another tenant's key) changes nothing; the probes are safe to run against
 * a production server. Logins as other users run on a fresh connection that is closed
 * straight after. Controls run for real, on the tenant's own probe keys only.
 */
import type { RedisEndpoint } from "../../config.ts";
import type {
  Attempt,
  Outcome,
  ProbeTenant,
  Severity,
  StoreProbe,
} from "../../conformance/model.ts";
import { redisContract } from "./contract.ts";
import type fc from "fast-check";
import { redisChannelPrefix, redisKeyPrefix, redisUser } from "../../tenant/names.ts";
import { parseCommandTable } from "./command_table.ts";
import { redactError } from "./store.ts";
import {
  attackArbitrary,
  type AttackSurface,
  attackSurface,
  controlArbitrary,
  fixedAttempts,
  type RedisRequest,
  type TenantNames,
} from "./attack_surface.ts";
import { executedOutcome, loginOutcome, queuedOutcome, subscribedOutcome } from "./refusals.ts";
import {
  type RespAddress,
  respAddress,
  RespConnection,
  RespError,
  type RespReply,
} from "./resp.ts";

const TIMEOUT_MS = 5_000;

/** Graver checks are drawn more often. */
const SEVERITY_WEIGHT: Record<Severity, number> = { critical: 3, high: 2, medium: 1, low: 1 };
const severities = new Map(redisContract.checks.map((c) => [c.id, c.severity]));

function weightOf(checkId: string): number {
  return SEVERITY_WEIGHT[severities.get(checkId) ?? "low"];
}

/** The names a probe aims at for a tenant: what its connection details tell it. */
export function tenantNames(tenant: ProbeTenant): TenantNames {
  return {
    id: tenant.id,
    user: tenant.details.username ?? tenant.secret.username ?? redisUser(tenant.id),
    keyPrefix: tenant.details.key_prefix ?? redisKeyPrefix(tenant.id),
    channelPrefix: redisChannelPrefix(tenant.id),
  };
}

function requestOf(attempt: Attempt): RedisRequest {
  const request = attempt.request as RedisRequest;
  const modes = ["queue", "subscribed", "anonymous", "login", "execute"];
  if (!request || typeof request !== "object" || !modes.includes(request.mode)) {
    throw new Error(`not a Redis probe request: ${JSON.stringify(attempt.request)}`);
  }
  return request;
}

function fail(error: unknown, secrets: readonly string[]): Outcome {
  return { kind: "error", message: redactError(error, secrets).message };
}

/** Redacts the tenant's password from every message of an outcome. */
function redacted(outcome: Outcome, secrets: readonly string[]): Outcome {
  if (outcome.kind === "allowed") return outcome;
  return { ...outcome, message: redactError(new Error(outcome.message), secrets).message };
}

/** Sends `argv` as the first reply's follow-up only when the first reply is `ok`. */
async function guarded(
  conn: RespConnection,
  first: string[],
  ok: (reply: RespReply) => boolean,
  then: string[][],
): Promise<{ first: RespReply; rest?: RespReply[] }> {
  const [reply] = await conn.send([first]);
  if (!ok(reply)) return { first: reply };
  return { first: reply, rest: await conn.send(then) };
}

export class RedisProbe implements StoreProbe {
  readonly area = "redis" as const;
  readonly surface: AttackSurface;
  readonly #address: RespAddress;
  readonly #connections = new Map<string, Promise<RespConnection>>();

  constructor(address: RespAddress, surface: AttackSurface) {
    this.#address = address;
    this.surface = surface;
  }

  attacks(attacker: ProbeTenant, victim: ProbeTenant): fc.Arbitrary<Attempt> {
    return attackArbitrary(this.surface, tenantNames(attacker), tenantNames(victim), weightOf);
  }

  controls(tenant: ProbeTenant): fc.Arbitrary<Attempt> {
    return controlArbitrary(this.surface, tenantNames(tenant));
  }

  fixed(tenants: readonly ProbeTenant[]): { as: string; victim?: string; attempt: Attempt }[] {
    return fixedAttempts(this.surface, tenants.map(tenantNames));
  }

  async run(attempt: Attempt, as: ProbeTenant): Promise<Outcome> {
    const secrets = [as.secret.password ?? ""];
    try {
      return redacted(await this.#run(requestOf(attempt), as), secrets);
    } catch (error) {
      return fail(error, secrets);
    }
  }

  async close(): Promise<void> {
    const open = [...this.#connections.values()];
    this.#connections.clear();
    for (const conn of await Promise.allSettled(open)) {
      if (conn.status === "fulfilled") conn.value.close();
    }
  }

  async #run(request: RedisRequest, as: ProbeTenant): Promise<Outcome> {
    switch (request.mode) {
      case "queue": {
        const conn = await this.#tenantConnection(as);
        return await this.#queued(conn, request.argv, false);
      }
      case "anonymous": {
        const conn = await RespConnection.open(this.#address, TIMEOUT_MS);
        try {
          return await this.#queued(conn, request.argv, true);
        } finally {
          conn.close();
        }
      }
      case "subscribed": {
        const conn = await this.#login(as);
        try {
          const channel = `${tenantNames(as).channelPrefix}bulkhead-probe:${crypto.randomUUID()}`;
          const subscribed = (r: RespReply) => Array.isArray(r) && r[0] === "subscribe";
          const { first, rest } = await guarded(conn, ["SUBSCRIBE", channel], subscribed, [
            request.argv,
          ]);
          if (!rest) {
            return {
              kind: "error",
              message: `cannot subscribe to its own channel: ${text(first)}`,
            };
          }
          return subscribedOutcome(rest[0]);
        } finally {
          conn.close();
        }
      }
      case "login": {
        const conn = await RespConnection.open(this.#address, TIMEOUT_MS);
        try {
          const password = "own" in request.password
            ? as.secret.password ?? ""
            : request.password.text;
          const user = request.user;
          const argv = request.via === "hello"
            ? ["HELLO", "3", "AUTH", user ?? "default", password]
            : user === undefined
            ? ["AUTH", password]
            : ["AUTH", user, password];
          const [reply] = await conn.send([argv]);
          return loginOutcome(reply);
        } finally {
          conn.close();
        }
      }
      case "execute": {
        const conn = await this.#tenantConnection(as);
        const argvs = request.steps.map((s) => s.argv);
        const replies = await conn.send(argvs).catch((error) => {
          this.#drop(as.id);
          throw error;
        });
        return executedOutcome(argvs, replies, request.steps.map((s) => s.expect));
      }
    }
  }

  /**
   * MULTI first, and the command only once the server has opened the transaction:
   * a command sent outside one would run.
   */
  async #queued(conn: RespConnection, argv: string[], anonymous: boolean): Promise<Outcome> {
    try {
      const { first, rest } = await guarded(conn, ["MULTI"], (r) => r === "OK", [argv, [
        "DISCARD",
      ]]);
      if (!rest) {
        // Without credentials the server refuses MULTI itself: that is the refusal.
        if (anonymous) return queuedOutcome(first, true);
        return { kind: "error", message: `cannot open a transaction: ${text(first)}` };
      }
      if (rest[1] !== "OK") {
        conn.close("the transaction was not discarded");
        return { kind: "error", message: `DISCARD failed: ${text(rest[1])}` };
      }
      return queuedOutcome(rest[0], anonymous);
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /** A fresh connection logged in as the tenant; rejects with the server's reason. */
  async #login(as: ProbeTenant): Promise<RespConnection> {
    const names = tenantNames(as);
    const conn = await RespConnection.open(this.#address, TIMEOUT_MS);
    const [reply] = await conn.send([["AUTH", names.user, as.secret.password ?? ""]]).catch(
      (error) => {
        conn.close();
        throw error;
      },
    );
    if (reply !== "OK") {
      conn.close();
      throw new Error(`cannot log in as ${names.user}: ${text(reply)}`);
    }
    return conn;
  }

  /** The tenant's long-lived connection, opened again when the server closed it. */
  #tenantConnection(as: ProbeTenant): Promise<RespConnection> {
    const cached = this.#connections.get(as.id);
    const fresh = () => {
      const opening = this.#login(as);
      this.#connections.set(as.id, opening);
      opening.catch(() => this.#drop(as.id, opening));
      return opening;
    };
    if (!cached) return fresh();
    return cached.then((conn) => conn.closed ? fresh() : conn, () => fresh());
  }

  #drop(id: string, only?: Promise<RespConnection>) {
    const cached = this.#connections.get(id);
    if (cached && (!only || cached === only)) {
      this.#connections.delete(id);
      cached.then((c) => c.close(), () => {});
    }
  }
}

function text(reply: RespReply): string {
  return reply instanceof RespError ? reply.message : JSON.stringify(reply);
}

/**
 * Opens the probe for the Redis at `endpoint`: reads the server's command table with
 * the admin credentials (the table is the same for every user), then acts only with
 * tenants' credentials.
 */
export async function openRedisProbe(endpoint: RedisEndpoint): Promise<RedisProbe> {
  const address = respAddress(endpoint.url);
  const url = new URL(endpoint.url);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const admin = await RespConnection.open(address, 30_000);
  try {
    const auth = password ? [user ? ["AUTH", user, password] : ["AUTH", password]] : [];
    const replies = await admin.send([...auth, ["COMMAND", "INFO"], ["COMMAND", "DOCS"]]);
    const failed = replies.find((r) => r instanceof RespError);
    if (failed) {
      throw new Error(
        `cannot read the command table: ${redactError(text(failed), [password]).message}`,
      );
    }
    const [info, docs] = replies.slice(auth.length);
    return new RedisProbe(address, attackSurface(parseCommandTable(info, docs)));
  } finally {
    admin.close();
  }
}
