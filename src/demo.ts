/**
 * `deno task demo` (`./bulkhead task demo`): the whole story on a fresh machine. Brings
 * the sandbox of real stores up, validates the example tenants, checks every store,
 * plans and applies them, shows that a second plan has no changes, and ends with an
 * isolation audit whose report path it prints. Each step is the real CLI, run as a
 * user would run it; running the demo again converges to the same place.
 */
import { sandboxEnvironment, sandboxUp } from "./sandbox/sandbox.ts";
import { paint } from "./output.ts";

const cli = new URL("./cli.ts", import.meta.url).pathname;

async function step(
  title: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  console.log(
    `\n${paint(`▶ bulkhead ${args.join(" ")}`, "bold")}   ${paint(`# ${title}`, "gray")}`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", cli, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let output = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    Deno.stdout.writeSync(new TextEncoder().encode(chunk));
  }
  return { code: (await child.status).code, output };
}

console.log(paint("Bulkhead demo: real PostgreSQL, Redis and MinIO on loopback", "bold"));
const state = await sandboxUp((line) => console.log(`  sandbox: ${line}`));
const env = { ...sandboxEnvironment(state), BULKHEAD_ACTOR: "demo" };

const steps: [string, string[], number[]][] = [
  ["the sandbox's stores, ports and versions", ["sandbox", "status"], [0]],
  ["check the example tenant files", ["validate", "tenants"], [0]],
  ["connect to every store with the admin credentials", ["doctor"], [0]],
  ["what must change to match the tenant files", ["plan"], [0]],
  ["make the stores match (credentials recorded first)", ["apply", "--auto-approve"], [0]],
  ["a second plan: nothing left to do", ["plan", "--detailed-exitcode"], [0]],
  ["drift check + randomized cross-tenant attacks", ["audit", "--runs", "60"], [0]],
];
let reports = "";
for (const [title, args, expected] of steps) {
  const { code, output } = await step(title, args, env);
  if (!expected.includes(code)) {
    console.error(paint(`demo: "bulkhead ${args.join(" ")}" exited ${code}`, "red"));
    Deno.exit(code || 1);
  }
  reports = /^Reports: (\S+)/m.exec(output)?.[1] ?? reports;
}
console.log(`\n${paint("Demo complete.", "green")} Reports: ${reports}`);
console.log(
  `  summary: ${reports}summary.md   JSON: ${reports}report.json   JUnit: ${reports}junit.xml`,
);
console.log(
  `The stores keep running; use them with: eval "$(./bulkhead sandbox env)"; stop them with ./bulkhead sandbox down`,
);
