/**
 * age (X25519) through `age-encryption`: tenant and master identities, armored
 * encryption of small payloads (SOPS data keys, wrapped tenant identities), and the
 * identity-file format that `age-keygen` writes and `age -i` / SOPS_AGE_KEY_FILE read.
 *
 * Only native X25519 recipients: Debian's age 1.1.1 cannot read the post-quantum hybrid
 * ones, and every tenant key must stay readable by the real `age` and `sops`.
 */
import {
  armor,
  Decrypter,
  Encrypter,
  generateX25519Identity,
  identityToRecipient,
} from "age-encryption";
import { isoSeconds, utf8 } from "../encoding.ts";

export interface AgeKeyPair {
  /** `AGE-SECRET-KEY-1…`: a secret; never printed, logged or audited. */
  identity: string;
  /** `age1…`: public. */
  recipient: string;
}

export async function newAgeKeyPair(): Promise<AgeKeyPair> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The recipient of an identity; throws (without echoing the identity) when it is not one. */
export async function recipientOf(identity: string): Promise<string> {
  if (!/^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(identity)) {
    throw new Error("not an age X25519 identity (expected AGE-SECRET-KEY-1…)");
  }
  try {
    return await identityToRecipient(identity);
  } catch {
    throw new Error("not a valid age X25519 identity (bad checksum or length)");
  }
}

/** Why `recipient` is not an age X25519 recipient, or undefined when it is one. */
export function recipientProblem(recipient: string): string | undefined {
  if (!/^age1[02-9ac-hj-np-z]+$/.test(recipient) || /^age1(pq|tag)/.test(recipient)) {
    return `"${recipient}" is not an age X25519 recipient (expected age1… from age-keygen)`;
  }
  try {
    new Encrypter().addRecipient(recipient);
    return undefined;
  } catch {
    return `"${recipient}" is not a valid age recipient (bad checksum or length)`;
  }
}

/** Encrypts `data` to every recipient (one age file) and armors it. */
export async function encryptArmored(
  data: Uint8Array | string,
  recipients: readonly string[],
): Promise<string> {
  if (recipients.length === 0) throw new Error("age: no recipients to encrypt to");
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  return armor.encode(await encrypter.encrypt(bytes));
}

/**
 * Decrypts an armored age file with any of `identities`. The error says whether no
 * identity matched or the file is damaged, never anything about the plaintext.
 */
export async function decryptArmored(
  armored: string,
  identities: readonly string[],
): Promise<Uint8Array> {
  let file: Uint8Array;
  try {
    file = armor.decode(armored);
  } catch (error) {
    throw new AgeDecryptError("damaged", `not a valid armored age file (${describe(error)})`);
  }
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    return await decrypter.decrypt(file);
  } catch (error) {
    const text = describe(error);
    if (/no identity matched/.test(text)) {
      throw new AgeDecryptError("no-match", "none of the given age identities can open it");
    }
    throw new AgeDecryptError("damaged", `the age file is damaged or was modified (${text})`);
  }
}

export class AgeDecryptError extends Error {
  constructor(readonly kind: "no-match" | "damaged", message: string) {
    super(message);
    this.name = "AgeDecryptError";
  }
}

/** An identity file as `age-keygen` writes it: usable with `age -i` and SOPS_AGE_KEY_FILE. */
export function identityFileText(pair: AgeKeyPair, created: Date): string {
  return [
    `# created: ${isoSeconds(created)}`,
    `# public key: ${pair.recipient}`,
    pair.identity,
    "",
  ].join("\n");
}

/** The identities in an identity file (comments and blank lines skipped). */
export function identitiesInText(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
    line !== "" && !line.startsWith("#")
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
