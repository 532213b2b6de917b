/**
 * Redis resources as plain data: what a tenant needs (desired) and what the server has
 * (observed), with the same canonical attributes so that plan compares them directly.
 *
 * - `redis.keyspace.<prefix>`: the tenant's keys. Registered in a Bulkhead-owned hash so
 *   that observe finds every tenant's keyspace in one call; deleting it deletes the keys.
 * - `redis.acl_user.<user>`: the tenant's login, depends on the keyspace.
 * - `redis.default_user.default`: the server's default user, only when Bulkhead manages it.
 */
import type { Tenant } from "../../tenant/model.ts";
import {
  redisChannelPrefix,
  redisKeyPrefix,
  redisUser,
  tenantIdFromName,
} from "../../tenant/names.ts";
import { type Attributes, type Resource, resourceAddress } from "../store.ts";
import { type AclUser, allowedCommands, difference } from "./acl.ts";
import type { CommandTable } from "./command_table.ts";
import type { CommandPolicy } from "./command_policy.ts";

/** Hash (outside every tenant prefix) of registered keyspaces: field = key prefix. */
export const KEYSPACE_REGISTRY = "bulkhead:keyspaces";
export const DEFAULT_USER = "default";

/** Escapes glob metacharacters so a prefix matches only itself. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

export function keyPattern(tenantId: string): string {
  return `~${globEscape(redisKeyPrefix(tenantId))}*`;
}

export function channelPattern(tenantId: string): string {
  return `&${globEscape(redisChannelPrefix(tenantId))}*`;
}

export function keyspaceAddress(tenantId: string): string {
  return resourceAddress("redis", "keyspace", redisKeyPrefix(tenantId));
}

export function aclUserAddress(tenantId: string): string {
  return resourceAddress("redis", "acl_user", redisUser(tenantId));
}

export const DEFAULT_USER_ADDRESS = resourceAddress("redis", "default_user", DEFAULT_USER);

export function desiredTenantResources(
  tenant: Tenant,
  secretsAvailable: boolean,
): Resource[] {
  if (!tenant.stores.redis) return [];
  const keyspace: Resource = {
    address: keyspaceAddress(tenant.id),
    store: "redis",
    kind: "keyspace",
    name: redisKeyPrefix(tenant.id),
    tenant: tenant.id,
    attributes: {},
  };
  const user: Resource = {
    address: aclUserAddress(tenant.id),
    store: "redis",
    kind: "acl_user",
    name: redisUser(tenant.id),
    tenant: tenant.id,
    attributes: {
      enabled: tenant.status === "active",
      ...(secretsAvailable && { credential: "recorded" }),
      nopass: false,
      passwords: 1,
      keys: [keyPattern(tenant.id)],
      channels: [channelPattern(tenant.id)],
      selectors: [],
      commands_beyond_policy: [],
      commands_missing: [],
    },
    dependsOn: [keyspace.address],
  };
  return [keyspace, user];
}

/** Off, no password, no keys, channels or commands: a client without credentials gets nothing. */
export function desiredDefaultUser(): Resource {
  return {
    address: DEFAULT_USER_ADDRESS,
    store: "redis",
    kind: "default_user",
    name: DEFAULT_USER,
    attributes: {
      enabled: false,
      nopass: false,
      passwords: 0,
      keys: [],
      channels: [],
      selectors: [],
      commands: [],
    },
  };
}

/**
 * `["+@all"]` when every command is allowed, else each allowed command as `+id`.
 * Commands every connection may run (no_auth: AUTH, HELLO, QUIT, RESET) are left out:
 * no rule grants or takes them.
 */
export function summarizeCommands(allowed: readonly string[], table: CommandTable): string[] {
  const governed = (id: string) => !table.leaves.get(id)?.flags.includes("no_auth");
  const granted = allowed.filter(governed);
  if ([...table.leaves.keys()].filter(governed).every((id) => granted.includes(id))) {
    return ["+@all"];
  }
  return granted.map((id) => `+${id}`);
}

function accessAttributes(user: AclUser): Attributes {
  return {
    enabled: user.enabled,
    nopass: user.nopass,
    passwords: user.passwordHashes.length,
    keys: user.keys,
    channels: user.channels,
    selectors: user.selectors,
  };
}

/** Password hashes of recorded secrets, by user name, to check credentials against. */
export type RecordedHashes = ReadonlyMap<string, string>;

/** `allowed`: the user's commands, from allowedCommands (tenants share rule text: memoise it). */
export function observedTenantUser(
  user: AclUser,
  tenantId: string,
  allowed: readonly string[],
  policy: CommandPolicy,
  recorded: RecordedHashes,
): Resource {
  const hash = recorded.get(user.name);
  return {
    address: aclUserAddress(tenantId),
    store: "redis",
    kind: "acl_user",
    name: user.name,
    tenant: tenantId,
    attributes: {
      ...accessAttributes(user),
      credential: hash !== undefined && user.passwordHashes.includes(hash)
        ? "recorded"
        : "unrecorded",
      commands_beyond_policy: difference(allowed, policy.allowed),
      commands_missing: difference(policy.allowed, allowed),
    },
    dependsOn: [keyspaceAddress(tenantId)],
  };
}

export function observedDefaultUser(user: AclUser, table: CommandTable): Resource {
  return {
    ...desiredDefaultUser(),
    attributes: {
      ...accessAttributes(user),
      commands: summarizeCommands(allowedCommands(user.commandRules, table), table),
    },
  };
}

export function observedKeyspace(prefix: string): Resource | undefined {
  const tenant = tenantIdFromName("redis-prefix", prefix);
  if (tenant === undefined) return undefined;
  return {
    address: keyspaceAddress(tenant),
    store: "redis",
    kind: "keyspace",
    name: prefix,
    tenant,
    attributes: {},
  };
}

/** The tenant a user name belongs to, when it looks like a tenant's. */
export function tenantOfUser(name: string): string | undefined {
  const id = tenantIdFromName("kebab", name);
  return id !== undefined && redisUser(id) === name ? id : undefined;
}

/** One line on what a user can do, for notes: no password hash, only a count. */
export function describeAccess(user: AclUser, table: CommandTable): string {
  const commands = summarizeCommands(allowedCommands(user.commandRules, table), table);
  const passwords = user.passwordHashes.length;
  return [
    user.enabled ? "on" : "off",
    user.nopass ? "nopass" : passwords === 0 ? "no password" : `${passwords} password(s)`,
    user.keys.length ? `keys ${user.keys.join(" ")}` : "no keys",
    user.channels.length ? `channels ${user.channels.join(" ")}` : "no channels",
    commands.length === 0
      ? "no commands"
      : commands[0] === "+@all"
      ? "commands +@all"
      : `${commands.length} commands`,
    ...(user.selectors.length ? [`${user.selectors.length} selector(s)`] : []),
  ].join(", ");
}
