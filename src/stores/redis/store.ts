/**
 * The Redis store: an ACL user per tenant confined to its key and channel prefix with
 * a least-privilege command set derived from the server's command table, the tenant's
 * keyspace, and optionally the server's default user. Owns the admin connection.
 */
import type { Redis } from "ioredis";
import { endpointOf, ENV, type RedisEndpoint } from "../../config.ts";
import { describeConnectionFailure } from "../inspect.ts";
import { randomCredential, sha256Hex } from "../../encoding.ts";
import type { Tenant } from "../../tenant/model.ts";
import { redisKeyPrefix, redisUser, tenantIdFromName } from "../../tenant/names.ts";
import {
  type ApplyContext,
  type Change,
  type Observation,
  type ObserveContext,
  type Resource,
  type Store,
  StoreChangeError,
  type StoreSecret,
} from "../store.ts";
import { allowedCommands, parseAclListLine } from "./acl.ts";
import { type CommandTable, parseCommandTable } from "./command_table.ts";
import { type CommandPolicy, deriveCommandPolicy } from "./command_policy.ts";
import { adminRedis } from "./inspect.ts";
import { deleteKeysWithPrefix } from "./keyspace.ts";
import {
  channelPattern,
  DEFAULT_USER,
  describeAccess,
  desiredDefaultUser,
  desiredTenantResources,
  keyPattern,
  KEYSPACE_REGISTRY,
  observedDefaultUser,
  observedKeyspace,
  observedTenantUser,
  tenantOfUser,
} from "./resources.ts";

/** What the server says about itself; the same for every tenant. */
interface ServerFacts {
  table: CommandTable;
  policy: CommandPolicy;
  /** Empty when no ACL file is configured: ACL SAVE is then impossible. */
  aclFile: string;
}

const CONNECTION_LOST = /Connection is closed|ECONNRESET|EPIPE|Stream isn't writeable/i;

/** Bytes of randomness in a tenant password (hex-encoded: ASCII, 64 characters). */
const PASSWORD_BYTES = 32;

/** Text of a server error without anything secret: hashes and the secrets given are masked. */
export function redactError(error: unknown, secrets: readonly string[] = []): Error {
  let text = error instanceof Error ? error.message.split("\n")[0] : String(error);
  for (const secret of secrets) if (secret) text = text.replaceAll(secret, "(sensitive)");
  text = text.replace(/[>#<!]?[0-9a-f]{64}/gi, "(sensitive)");
  return new Error(text);
}

/** SETUSER rules for a tenant: from `reset`, because SETUSER adds to existing rules. */
export function tenantUserRules(
  tenantId: string,
  enabled: boolean,
  passwordHash: string,
  allowed: readonly string[],
): string[] {
  return [
    "reset",
    enabled ? "on" : "off",
    `#${passwordHash}`,
    keyPattern(tenantId),
    // `reset` adds allchannels when acl-pubsub-default says so.
    "resetchannels",
    channelPattern(tenantId),
    "-@all",
    ...allowed.map((id) => `+${id}`),
  ];
}

export class RedisStore implements Store {
  readonly name = "redis" as const;
  readonly dataKinds = ["keyspace"] as const;
  readonly #url: string;
  readonly #manageDefaultUser: boolean;
  #admin: Redis | undefined;
  #connecting: Promise<Redis> | undefined;
  #facts: Promise<ServerFacts> | undefined;

  constructor(endpoint: RedisEndpoint) {
    this.#url = endpoint.url;
    this.#manageDefaultUser = endpoint.manageDefaultUser === true;
  }

  desired(tenant: Tenant, _secret: StoreSecret | undefined, secretsAvailable: boolean): Resource[] {
    return desiredTenantResources(tenant, secretsAvailable);
  }

  desiredShared(_tenants: readonly Tenant[]): Resource[] {
    return this.#manageDefaultUser ? [desiredDefaultUser()] : [];
  }

  async observe(context: ObserveContext): Promise<Observation> {
    // One pipeline, the same five commands whatever the number of tenants.
    const replies = await this.#withConnection(async (redis) => {
      const results = await redis.pipeline()
        .call("ACL", "LIST")
        .call("COMMAND", "INFO")
        .call("COMMAND", "DOCS")
        .call("CONFIG", "GET", "aclfile")
        .hgetall(KEYSPACE_REGISTRY)
        .exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error("no reply to the observe pipeline");
      return results.map(([, reply]) => reply);
    }).catch((error) => {
      const why = redactError(error).message;
      // Connection failures already name the store and endpoint.
      const at = `redis at ${endpointOf(this.#url)}`;
      throw new Error(why.startsWith(at) ? why : `${at}: observe failed: ${why}`);
    });
    const [aclList, info, docs, aclFile, registry] = replies;
    const facts = this.#remember(info, docs, aclFile);
    const { table, policy } = facts;

    const recorded = new Map<string, string>();
    for (const [tenantId, secret] of context.secrets) {
      const user = redisUser(tenantId);
      if (secret.password && (secret.username ?? user) === user) {
        recorded.set(user, await sha256Hex(secret.password));
      }
    }

    const resources: Resource[] = [];
    const notes: string[] = [];
    // Tenant users share one rule text: evaluate each distinct text once.
    const evaluated = new Map<string, string[]>();
    const allowedFor = (rules: string[]) => {
      const text = rules.join(" ");
      if (!evaluated.has(text)) evaluated.set(text, allowedCommands(rules, table));
      return evaluated.get(text)!;
    };
    for (const line of aclList as string[]) {
      const user = parseAclListLine(line);
      if (!user) continue;
      if (user.name === DEFAULT_USER) {
        notes.push(defaultUserNote(describeAccess(user, table), user.enabled));
        if (this.#manageDefaultUser) resources.push(observedDefaultUser(user, table));
        continue;
      }
      const tenantId = tenantOfUser(user.name);
      if (tenantId !== undefined) {
        resources.push(
          observedTenantUser(user, tenantId, allowedFor(user.commandRules), policy, recorded),
        );
      }
    }
    for (const prefix of Object.keys(registry as Record<string, string>)) {
      const keyspace = observedKeyspace(prefix);
      if (keyspace) resources.push(keyspace);
    }
    if (!facts.aclFile) {
      notes.push(
        "warning: redis has no aclfile: ACL changes live in memory only and are lost on restart (configure aclfile so that apply can run ACL SAVE)",
      );
    }
    return { resources, roundTrips: replies.length, notes };
  }

  newCredential(tenant: Tenant): Promise<StoreSecret> {
    return Promise.resolve({
      username: redisUser(tenant.id),
      password: randomCredential(PASSWORD_BYTES),
    });
  }

  async apply(change: Change, context: ApplyContext): Promise<void> {
    const secrets: string[] = [];
    try {
      // Every change is idempotent, so a retry after a lost connection is safe.
      await this.#withConnection(async () => {
        if (change.kind === "acl_user") await this.#applyTenantUser(change, context, secrets);
        else if (change.kind === "keyspace") await this.#applyKeyspace(change);
        else if (change.kind === "default_user") await this.#applyDefaultUser(change);
        else throw new Error(`unknown resource kind ${change.kind}`);
      });
    } catch (error) {
      throw new StoreChangeError(change, redactError(error, secrets));
    }
  }

  connectionDetails(tenantId: string, secret: StoreSecret): Record<string, string> {
    const admin = new URL(this.#url);
    const username = secret.username ?? redisUser(tenantId);
    const url = new URL(`${admin.protocol}//${admin.host}`);
    url.username = username;
    url.password = secret.password ?? "";
    return {
      url: url.toString().replace(/\/$/, ""),
      username,
      key_prefix: redisKeyPrefix(tenantId),
    };
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    this.#connecting = undefined;
    if (admin) await admin.quit().catch(() => admin.disconnect());
  }

  async #applyTenantUser(change: Change, context: ApplyContext, secrets: string[]) {
    const tenantId = tenantIdOf(change);
    const user = redisUser(tenantId);
    const redis = await this.#connection();
    if (change.action === "delete") {
      // DELUSER also closes the user's connections (Redis >= 6.2).
      await redis.call("ACL", "DELUSER", user);
      await this.#persist();
      return;
    }
    const secret = await context.credential(tenantId);
    if (!secret.password) throw new Error(`the recorded credential of ${user} has no password`);
    if (secret.username && secret.username !== user) {
      throw new Error(`the recorded credential names user ${secret.username}, expected ${user}`);
    }
    const hash = await sha256Hex(secret.password);
    secrets.push(secret.password, hash);
    const enabled = change.after?.enabled === true;
    const { policy } = await this.#serverFacts();
    await redis.call(
      "ACL",
      "SETUSER",
      user,
      ...tenantUserRules(tenantId, enabled, hash, policy.allowed),
    );
    // `off` and a new password do not end open connections: end them.
    const authChanged = ["enabled", "credential", "passwords", "nopass"].some((a) =>
      change.changedAttributes.includes(a)
    );
    if (!enabled || authChanged) await killClients(redis, user);
    await this.#persist();
  }

  async #applyKeyspace(change: Change) {
    const redis = await this.#connection();
    if (change.action === "delete") {
      await deleteKeysWithPrefix(this.#url, change.name);
      // Unregistered last, so that a crash mid-way leaves it for the next apply.
      await redis.hdel(KEYSPACE_REGISTRY, change.name);
      return;
    }
    await redis.hsetnx(KEYSPACE_REGISTRY, change.name, new Date().toISOString());
  }

  async #applyDefaultUser(change: Change) {
    if (change.action === "delete") {
      throw new Error("the default user cannot be deleted, only disabled");
    }
    const redis = await this.#connection();
    const me = String(await redis.call("ACL", "WHOAMI"));
    if (me === DEFAULT_USER) {
      throw new Error(
        "the admin connection is the default user: disabling it would lock Bulkhead out; connect as a dedicated admin user",
      );
    }
    // reset: off, no passwords (and not nopass), no keys, no commands, no selectors.
    await redis.call("ACL", "SETUSER", DEFAULT_USER, "reset", "resetchannels");
    await killClients(redis, DEFAULT_USER);
    await this.#persist();
  }

  async #persist() {
    const { aclFile } = await this.#serverFacts();
    if (aclFile) await (await this.#connection()).call("ACL", "SAVE");
  }

  #remember(info: unknown, docs: unknown, aclFile: unknown): ServerFacts {
    const table = parseCommandTable(info, docs);
    const file = Array.isArray(aclFile) ? String(aclFile[1] ?? "") : "";
    const facts = { table, policy: deriveCommandPolicy(table), aclFile: file };
    this.#facts = Promise.resolve(facts);
    return facts;
  }

  #serverFacts(): Promise<ServerFacts> {
    this.#facts ??= (async () => {
      const redis = await this.#connection();
      const [info, docs, aclFile] = await Promise.all([
        redis.call("COMMAND", "INFO"),
        redis.call("COMMAND", "DOCS"),
        redis.call("CONFIG", "GET", "aclfile"),
      ]);
      return this.#remember(info, docs, aclFile);
    })().catch((error) => {
      this.#facts = undefined;
      throw error;
    });
    return this.#facts;
  }

  /**
   * Runs `work`, once more on a new connection if the server closed the admin
   * connection (ACL LOAD, CLIENT KILL and restarts close it).
   */
  async #withConnection<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      return await work(await this.#connection());
    } catch (error) {
      if (!CONNECTION_LOST.test(String((error as Error)?.message))) throw error;
      this.#admin?.disconnect();
      this.#admin = undefined;
      return await work(await this.#connection());
    }
  }

  #connection(): Promise<Redis> {
    if (this.#admin && this.#admin.status === "ready") return Promise.resolve(this.#admin);
    this.#connecting ??= (async () => {
      this.#admin?.disconnect();
      const redis = adminRedis(this.#url);
      let lastError: unknown;
      redis.on("error", (error) => lastError = error);
      await redis.connect().catch((error) => {
        redis.disconnect();
        const why = describeConnectionFailure(
          "redis",
          endpointOf(this.#url),
          lastError ?? error,
          `the user and password in ${ENV.redisUrl}`,
        );
        throw redactError(why);
      });
      this.#admin = redis;
      return redis;
    })().finally(() => this.#connecting = undefined);
    return this.#connecting;
  }
}

export function createRedisStore(endpoint: RedisEndpoint): RedisStore {
  return new RedisStore(endpoint);
}

function tenantIdOf(change: Change): string {
  const id = change.tenant ?? tenantIdFromName("kebab", change.name);
  if (!id) throw new Error(`${change.name} is not a tenant's user`);
  return id;
}

async function killClients(redis: Redis, user: string): Promise<void> {
  await redis.call("CLIENT", "KILL", "USER", user).catch((error: Error) => {
    // The user may be gone already (deleted by hand): nothing is connected as it then.
    if (!/no such user/i.test(error.message)) throw error;
  });
}

function defaultUserNote(access: string, enabled: boolean): string {
  return enabled
    ? `warning: redis default user is on (${access}): a client that connects without a username gets these rights; set BULKHEAD_REDIS_MANAGE_DEFAULT_USER=1 to have apply turn it off`
    : `redis default user: ${access}`;
}
