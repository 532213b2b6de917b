/**
 * MinIO's IAM action set, taken from the server rather than from memory. The server
 * cannot list its actions, but it refuses a canned policy naming an action it does not
 * know ("unsupported action 'X'"). So candidates are gathered from what the server is
 * built of — the strings of its executable, and the policy package's sources at the
 * version the executable records — and each is kept only if the server accepts it.
 *
 * The result is committed as action_set.json (written by action_set_gen.ts) so that
 * probes against a production server use the set the sandbox server validated;
 * action_set_test.ts fails when the running server's set differs from it.
 */
import { join } from "node:path";
import { hasCode, type MinioAdminClient } from "./admin.ts";
import { MinioServerError } from "./admin_http.ts";
import actionSetFile from "./action_set.json" with { type: "json" };

export const ACTION_NAMESPACES = ["s3", "admin", "kms", "sts"] as const;
export type ActionNamespace = (typeof ACTION_NAMESPACES)[number];

export interface ActionSet {
  /** The server version the set was validated against. */
  server: string;
  /** Where the candidates came from. */
  candidatesFrom: string[];
  actions: Record<ActionNamespace, string[]>;
}

export const MINIO_ACTION_SET: ActionSet = actionSetFile as ActionSet;

/** Zero-width, so that a match does not swallow the start of the next string. */
const ACTION_PATTERN = /(?=(s3|admin|kms|sts):([A-Z][A-Za-z]*))/g;

/**
 * Action names hidden in a run of bytes: Go stores string literals back to back, so a
 * match may run into the next string (`s3:GetObjectAttributess3:…` reads as
 * `s3:GetObjectAttributess`). Every prefix that could end an action is a candidate: one
 * ending before an upper-case letter (the next word of the next string), or
 * anywhere in a trailing run of lower-case letters.
 */
export function candidatesInText(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of text.matchAll(ACTION_PATTERN)) {
    const [namespace, name] = [match[1], match[2]];
    const tail = /[a-z]*$/.exec(name)!.index;
    for (let end = 1; end <= name.length; end++) {
      const next = name[end];
      if (end === name.length || /[A-Z]/.test(next) || end >= tail) {
        out.add(`${namespace}:${name.slice(0, end)}`);
      }
    }
  }
  return out;
}

/** Action names quoted in Go sources (`Action = "s3:GetObject"`). */
export function candidatesInSource(source: string): Set<string> {
  const out = new Set<string>();
  for (const m of source.matchAll(/"((?:s3|admin|kms|sts):[A-Za-z]+)"/g)) out.add(m[1]);
  return out;
}

/** The version of a Go module recorded in an executable's build information. */
export function moduleVersionIn(executable: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`dep\\t${escaped}\\t(v[^\\t\\n]+)`).exec(executable)?.[1];
}

export function goModuleCache(): string {
  const env = (name: string) => Deno.env.get(name);
  return env("GOMODCACHE") ??
    join(env("GOPATH") ?? join(env("HOME") ?? "/root", "go"), "pkg", "mod");
}

/**
 * Candidates from the server executable, and from the policy package sources at the
 * version it was built with when the Go module cache holds them.
 */
export async function candidateActions(
  executablePath: string,
): Promise<{ candidates: Set<string>; from: string[]; server: string }> {
  const bytes = await Deno.readFile(executablePath);
  const text = new TextDecoder("latin1").decode(bytes);
  const candidates = candidatesInText(text);
  const server = /mod\tgithub\.com\/minio\/minio\t(v[^\t\n]+)/.exec(text)?.[1];
  const from = ["the strings of the server executable"];
  const module = "github.com/minio/pkg/v3";
  const version = moduleVersionIn(text, module);
  if (version) {
    const dir = join(goModuleCache(), "github.com", "minio", "pkg", `v3@${version}`, "policy");
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.name.endsWith(".go") || entry.name.endsWith("_test.go")) continue;
        for (const c of candidatesInSource(await Deno.readTextFile(join(dir, entry.name)))) {
          candidates.add(c);
        }
      }
      from.push(`the policy sources of ${module}@${version} it was built with`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return {
    candidates,
    from,
    server: server
      ? `github.com/minio/minio ${server}`
      : "github.com/minio/minio (unknown version)",
  };
}

function resourceFor(namespace: string): string[] {
  return namespace === "kms" ? ["arn:minio:kms:::*"] : ["arn:aws:s3:::bulkhead-action-check"];
}

/**
 * The candidates the server accepts in a canned policy. A policy names a batch of them;
 * each refusal names one unsupported action, which is dropped until the server accepts
 * the rest. The policies are Denies on a bucket that does not exist, held by nobody,
 * and removed afterwards.
 */
export async function serverAcceptedActions(
  client: MinioAdminClient,
  candidates: Iterable<string>,
  policyName: string,
): Promise<Set<string>> {
  // The server limits a policy's size; batches of one namespace each (KMS actions need
  // a KMS resource) stay well below it.
  const batches: { namespace: string; actions: string[] }[] = [];
  const byNamespace = new Map<string, string[]>();
  for (const c of new Set(candidates)) {
    const ns = c.split(":")[0];
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), c]);
  }
  for (const [namespace, list] of byNamespace) {
    const sorted = list.sort();
    for (let i = 0; i < sorted.length; i += 200) {
      batches.push({ namespace, actions: sorted.slice(i, i + 200) });
    }
  }
  const accepted = new Set<string>();
  const check = async ({ namespace, actions }: (typeof batches)[number], name: string) => {
    let remaining = actions;
    while (remaining.length > 0) {
      try {
        await client.addCannedPolicy(name, {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: remaining, Resource: resourceFor(namespace) }],
        });
        break;
      } catch (error) {
        const unsupported = error instanceof MinioServerError &&
          /unsupported (?:[A-Za-z]+ )?action '([^']+)'/.exec(error.serverMessage)?.[1];
        if (!unsupported || !remaining.includes(unsupported)) throw error;
        remaining = remaining.filter((a) => a !== unsupported);
      }
    }
    for (const a of remaining) accepted.add(a);
  };
  const names = batches.map((_, i) => `${policyName}-${i}`);
  try {
    // Four at a time: the machine and the server are shared.
    for (let i = 0; i < batches.length; i += 4) {
      await Promise.all(batches.slice(i, i + 4).map((b, k) => check(b, names[i + k])));
    }
  } finally {
    for (const name of names) {
      await client.removeCannedPolicy(name).catch((error) => {
        if (!hasCode(error, "XMinioAdminNoSuchPolicy")) throw error;
      });
    }
  }
  return accepted;
}

export function groupActions(actions: Iterable<string>): Record<ActionNamespace, string[]> {
  const out = Object.fromEntries(ACTION_NAMESPACES.map((n) => [n, [] as string[]])) as Record<
    ActionNamespace,
    string[]
  >;
  for (const a of actions) {
    const ns = a.split(":")[0] as ActionNamespace;
    if (ns in out) out[ns].push(a);
  }
  for (const ns of ACTION_NAMESPACES) out[ns].sort();
  return out;
}
