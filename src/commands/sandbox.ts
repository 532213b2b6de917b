import { readState, sandboxDir } from "../sandbox/state.ts";
import {
  renderEnvExports,
  renderStatus,
  sandboxDown,
  sandboxEnvironment,
  sandboxStatus,
  sandboxUp,
} from "../sandbox/sandbox.ts";
import { print, printError } from "../output.ts";
import { type Command, EXIT } from "./command.ts";

const log = (line: string) => printError(`sandbox: ${line}`);
const dirNote = "State directory: .bulkhead/sandbox in the project, or BULKHEAD_SANDBOX_DIR.";

export const sandboxUpCommand: Command = {
  name: "sandbox up",
  summary: "Start real PostgreSQL, Redis and MinIO (and Qdrant if available) on loopback",
  usage: "bulkhead sandbox up",
  description:
    "Installs what is missing (apt-get: postgresql-15 redis-server age; go install: minio, mc,\n" +
    "sops at pinned versions, cached in ~/.cache/bulkhead), then starts each store on a free\n" +
    "loopback port with random admin credentials. Idempotent: running stores are reused.\n" +
    dirNote,
  options: {},
  maxPositionals: 0,
  examples: ["bulkhead sandbox up", 'bulkhead sandbox up && eval "$(bulkhead sandbox env)"'],
  async run() {
    const state = await sandboxUp(log);
    print(renderStatus(await sandboxStatus(state)).trimEnd());
    print(`\nPoint Bulkhead at it with: eval "$(./bulkhead sandbox env)"`);
    return EXIT.ok;
  },
};

export const sandboxDownCommand: Command = {
  name: "sandbox down",
  summary: "Stop exactly the store processes the sandbox started",
  usage: "bulkhead sandbox down [--purge]",
  description: "Stops the sandbox's stores by their recorded PIDs; data is kept unless --purge.\n" +
    dirNote,
  options: {
    purge: {
      type: "boolean",
      description: "also delete the state directory (all data and credentials)",
    },
  },
  maxPositionals: 0,
  examples: ["bulkhead sandbox down", "bulkhead sandbox down --purge"],
  async run({ values }) {
    await sandboxDown(log, sandboxDir(), { purge: values.purge === true });
    return EXIT.ok;
  },
};

export const sandboxEnvCommand: Command = {
  name: "sandbox env",
  summary: "Print export lines pointing Bulkhead at the sandbox (contains its secrets)",
  usage: "bulkhead sandbox env",
  description:
    "Prints `export BULKHEAD_…=…` lines: the same variables that point Bulkhead at production\n" +
    "stores. They carry the sandbox's admin secrets: eval them, do not log them.",
  options: {},
  maxPositionals: 0,
  examples: ['eval "$(bulkhead sandbox env)"'],
  async run() {
    const state = await readState(sandboxDir());
    if (!state) {
      printError("sandbox env: no sandbox here; run `bulkhead sandbox up` first");
      return EXIT.cannotRun;
    }
    Deno.stdout.writeSync(new TextEncoder().encode(renderEnvExports(sandboxEnvironment(state))));
    return EXIT.ok;
  },
};

export const sandboxStatusCommand: Command = {
  name: "sandbox status",
  summary: "Show each sandbox store: running or not, port, version",
  usage: "bulkhead sandbox status",
  description: "Asks each running store for its version. " + dirNote,
  options: {},
  maxPositionals: 0,
  examples: ["bulkhead sandbox status"],
  exitCodes: ["0 PostgreSQL, Redis and MinIO run", "1 one of them is stopped", "2 no sandbox"],
  async run() {
    const state = await readState(sandboxDir());
    if (!state) {
      printError("sandbox status: no sandbox here; run `bulkhead sandbox up` first");
      return EXIT.cannotRun;
    }
    const rows = await sandboxStatus(state);
    print(renderStatus(rows).trimEnd());
    return rows.some((r) => r.state === "stopped") ? EXIT.finding : EXIT.ok;
  },
};
