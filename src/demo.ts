/**
 * `deno task demo` (`./bulkhead task demo`): the whole story on a fresh machine. Brings
 * the sandbox of real stores up, validates the example tenants and checks every store
 * with `doctor`. Each step is the real CLI, run as a user would run it.
 */
import { sandboxEnvironment, sandboxUp } from "./sandbox/sandbox.ts";
import { paint } from "./output.ts";

const cli = new URL("./cli.ts", import.meta.url).pathname;

async function step(title: string, args: string[], env: Record<string, string>): Promise<number> {
  console.log(
    `\n${paint(`▶ bulkhead ${args.join(" ")}`, "bold")}   ${paint(`# ${title}`, "gray")}`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", cli, ...args],
    env,
    stdin: "null",
  }).spawn();
  return (await child.status).code;
}

console.log(paint("Bulkhead demo: real PostgreSQL, Redis and MinIO on loopback", "bold"));
const state = await sandboxUp((line) => console.log(`  sandbox: ${line}`));
const env = sandboxEnvironment(state);

const steps: [string, string[], number[]][] = [
  ["the sandbox's stores, ports and versions", ["sandbox", "status"], [0]],
  ["check the example tenant files", ["validate", "tenants"], [0]],
  ["connect to every store with the admin credentials", ["doctor"], [0]],
];
for (const [title, args, expected] of steps) {
  const code = await step(title, args, env);
  if (!expected.includes(code)) {
    console.error(paint(`demo: "bulkhead ${args.join(" ")}" exited ${code}`, "red"));
    Deno.exit(code || 1);
  }
}
console.log(
  `\n${
    paint("Demo complete.", "green")
  } The stores keep running; stop them with ./bulkhead sandbox down`,
);
console.log(`Use them from your shell with: eval "$(./bulkhead sandbox env)"`);
