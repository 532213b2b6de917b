/** Who is acting, for audit events. */
import { ENV } from "../config.ts";

/** BULKHEAD_ACTOR (e.g. a CI job id), else `user@host`. */
export function actorName(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  const explicit = env[ENV.actor]?.trim();
  if (explicit) return explicit;
  const user = env.USER || env.LOGNAME || "unknown";
  let host = "unknown-host";
  try {
    host = Deno.hostname();
  } catch {
    // No permission to read the host name: the user alone still says who.
  }
  return `${user}@${host}`;
}
