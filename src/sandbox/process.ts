/** Small process helpers for the sandbox: free ports, detached servers, readiness. */

/** A free TCP port on loopback (the kernel picks it). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** The command line of a live process, or undefined when no such process runs. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line contains `marker` (so it is ours). */
export function isOurProcess(pid: number | undefined, marker: string): boolean {
  if (!pid) return false;
  return processCommandLine(pid)?.includes(marker) ?? false;
}

/**
 * Starts a long-running server in its own session, detached from this process, with
 * its output appended to `logFile`. Returns the server's PID (written by the shell that
 * then execs the server, so it is the server's own PID).
 */
export async function spawnDetached(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; logFile: string; pidFile: string },
): Promise<number> {
  await Deno.remove(options.pidFile).catch(() => {});
  const child = new Deno.Command("setsid", {
    args: [
      "sh",
      "-c",
      'echo $$ > "$0"; exec "$@" >>"$BULKHEAD_LOG" 2>&1',
      options.pidFile,
      command,
      ...args,
    ],
    env: { ...options.env, BULKHEAD_LOG: options.logFile },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(options.pidFile).catch(() => "");
    const pid = Number(text.trim());
    if (pid > 0) return pid;
    await sleep(20);
  }
  throw new Error(`could not start ${command}: no PID after 5 s (see ${options.logFile})`);
}

export interface CommandOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
}

/** Runs a command to completion and returns its exit code and output. */
export async function capture(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(command, {
    args,
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Runs a command to completion; throws with its stderr when it fails. */
export async function run(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<string> {
  const out = await capture(command, args, options);
  if (out.code !== 0) {
    throw new Error(`${command} ${args[0] ?? ""} failed (exit ${out.code}): ${out.stderr.trim()}`);
  }
  return out.stdout;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `ready` until it returns true or `timeoutMs` passes. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  hint: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s; ${hint}`);
}

/** Sends SIGTERM, waits up to `timeoutMs`, then SIGKILL. */
export async function stopProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processCommandLine(pid)) return;
    await sleep(100);
  }
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* already gone */ }
}

/** A random password of URL-safe ASCII characters (SCRAM needs ASCII without SASLprep). */
export function randomSecret(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replaceAll("+", "A").replaceAll("/", "B").replaceAll(
    "=",
    "",
  );
}
