/**
 * Primitives the store's own tests use to check ACL decisions: run a command as a
 * tenant (with its real credentials) or ask the server whether a user may run it
 * (`ACL DRYRUN`), and sample arguments for any command of the table aimed at one key.
 * A denial is only the server's own; a network failure is an error, never a denial.
 * The conformance probe itself is probes.ts.
 */
import { Redis } from "ioredis";
import type { StoreSecret } from "../store.ts";
import type { CommandSpec } from "./command_table.ts";
import { commandArgv, keySlots } from "./command_args.ts";

export type ProbeOutcome =
  | { kind: "allowed"; reply: unknown }
  /** The server refused on ACL grounds; `message` is its own text (NOPERM …). */
  | { kind: "denied"; message: string }
  /** Any other server error (wrong type, syntax …) or a failure to reach the server. */
  | { kind: "error"; message: string };

/** Denials start with NOPERM; the rest of the wording differs between versions. */
export function isDenial(message: string): boolean {
  return /^NOPERM\b/.test(message);
}

/** A connection authenticated as one tenant's user. */
export class TenantConnection {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async run(args: readonly string[]): Promise<ProbeOutcome> {
    try {
      const [command, ...rest] = args;
      return { kind: "allowed", reply: await this.#redis.call(command, ...rest) };
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      return isDenial(message) ? { kind: "denied", message } : { kind: "error", message };
    }
  }

  /** The underlying client, e.g. for SUBSCRIBE (which switches the connection's mode). */
  get client(): Redis {
    return this.#redis;
  }

  get open(): boolean {
    return this.#redis.status === "ready";
  }

  close(): void {
    this.#redis.disconnect();
  }
}

/**
 * Connects to the server at `url` (host and port only are used) as the user and
 * password of a tenant's Redis secret. Rejects with the server's reason when it
 * refuses the login (WRONGPASS …).
 */
export async function connectAsTenant(url: string, secret: StoreSecret): Promise<TenantConnection> {
  const at = new URL(url);
  const redis = new Redis({
    host: at.hostname,
    port: Number(at.port || 6379),
    ...(at.protocol === "rediss:" && { tls: {} }),
    lazyConnect: true,
    connectTimeout: 10_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // The ready check runs INFO, which tenants may not run.
    enableReadyCheck: false,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  redis.on("error", (error) => lastError = error);
  const fail = (cause: unknown) => {
    redis.disconnect();
    return new Error(cause instanceof Error ? cause.message.split("\n")[0] : String(cause));
  };
  // ioredis reports a refused connection's cause only as an event.
  await redis.connect().catch((error) => {
    throw fail(lastError ?? error);
  });
  // AUTH explicitly: with the client's own login a refusal is only an event, too.
  await redis.call("AUTH", secret.username ?? "", secret.password ?? "").catch((error) => {
    throw fail(error);
  });
  return new TenantConnection(redis);
}

/**
 * `ACL DRYRUN user command args…` as an outcome. 7.0 answers a denial with a plain
 * string ("This user has no permissions to …"), not a NOPERM error; "OK" means allowed.
 */
export async function dryRun(
  admin: Redis,
  user: string,
  args: readonly string[],
): Promise<ProbeOutcome> {
  try {
    const reply = await admin.call("ACL", "DRYRUN", user, ...args);
    if (reply === "OK") return { kind: "allowed", reply };
    const message = String(reply);
    return /no permissions/i.test(message) || isDenial(message)
      ? { kind: "denied", message }
      : { kind: "error", message };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return isDenial(message) ? { kind: "denied", message } : { kind: "error", message };
  }
}

/**
 * Arguments for `command` (name and subcommand included) in which every position its
 * key specs name holds `key`, and every other argument is `filler` (the key itself by
 * default, so that a key found where the specs do not say is the same key).
 * Numeric key counts are set to 1.
 */
export function sampleArguments(command: CommandSpec, key: string, filler = key): string[] {
  return commandArgv(command, keySlots(command).map(() => [key]), filler);
}
