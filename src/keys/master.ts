/**
 * The master keys: recipients that wrap every tenant identity and every tenant document
 * (for recovery and for CI, which holds only the master identity), and the master
 * identity, when this process may decrypt.
 */
import { ConfigError, ENV } from "../config.ts";
import { identitiesInText, recipientOf, recipientProblem } from "./age.ts";

export interface MasterKeys {
  recipients: string[];
  /** `AGE-SECRET-KEY-1…`; absent => this process can encrypt but not decrypt. */
  identity?: string;
}

export class MasterKeyError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}

/**
 * Reads BULKHEAD_MASTER_RECIPIENTS (required) and BULKHEAD_MASTER_IDENTITY or
 * BULKHEAD_MASTER_IDENTITY_FILE (optional). The identity must belong to one of the
 * recipients: otherwise what this process wraps could not be recovered with what it holds.
 */
export async function masterKeysFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<MasterKeys> {
  const recipients = (env[ENV.masterRecipients] ?? "").split(",").map((r) => r.trim())
    .filter((r) => r !== "");
  if (recipients.length === 0) {
    throw new MasterKeyError(
      `${ENV.masterRecipients} is not set: it lists the age recipients (age1…, comma-separated) that wrap every tenant key (\`bulkhead sandbox env\` sets it for the sandbox)`,
    );
  }
  for (const recipient of recipients) {
    const problem = recipientProblem(recipient);
    if (problem) throw new MasterKeyError(`${ENV.masterRecipients}: ${problem}`);
  }
  const inline = env[ENV.masterIdentity];
  const file = env[ENV.masterIdentityFile];
  if (inline && file) {
    throw new MasterKeyError(
      `both ${ENV.masterIdentity} and ${ENV.masterIdentityFile} are set; set only one`,
    );
  }
  if (!inline && !file) return { recipients };
  const variable = inline ? ENV.masterIdentity : ENV.masterIdentityFile;
  let text = inline ?? "";
  if (file) {
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      throw new MasterKeyError(
        `${ENV.masterIdentityFile}: cannot read ${file} (${
          error instanceof Error ? error.message : error
        })`,
      );
    }
  }
  const identities = identitiesInText(text);
  if (identities.length !== 1) {
    throw new MasterKeyError(
      `${variable}: expected exactly one age identity (AGE-SECRET-KEY-1…), found ${identities.length}`,
    );
  }
  let recipient: string;
  try {
    recipient = await recipientOf(identities[0]);
  } catch (error) {
    throw new MasterKeyError(`${variable}: ${error instanceof Error ? error.message : error}`);
  }
  if (!recipients.includes(recipient)) {
    throw new MasterKeyError(
      `${variable}: its recipient ${recipient} is not in ${ENV.masterRecipients}; keys wrapped to those recipients could not be recovered with this identity`,
    );
  }
  return { recipients, identity: identities[0] };
}

/** The master identity, or an error that says which variable to set. */
export function requireMasterIdentity(master: MasterKeys, forWhat: string): string {
  if (!master.identity) {
    throw new MasterKeyError(
      `${forWhat} needs the master identity: set ${ENV.masterIdentityFile} (a file holding AGE-SECRET-KEY-1…) or ${ENV.masterIdentity}`,
    );
  }
  return master.identity;
}
