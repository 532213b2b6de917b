/**
 * Bulkhead's command line: argument parsing, help and exit codes only. Every command's
 * work lives in src/commands/ and the modules they call.
 */
import { parseArgs } from "node:util";
import { type Command, EXIT, UsageError } from "./commands/command.ts";
import { validateCommand } from "./commands/validate.ts";
import { doctorCommand } from "./commands/doctor.ts";
import {
  sandboxDownCommand,
  sandboxEnvCommand,
  sandboxStatusCommand,
  sandboxUpCommand,
} from "./commands/sandbox.ts";
import { KEYS_COMMANDS } from "./commands/keys.ts";
import { secretsShowCommand } from "./commands/secrets.ts";
import { AUDIT_LOG_COMMANDS } from "./commands/audit_log.ts";
import { forceUnlockCommand } from "./commands/lock.ts";
import { applyCommand, planCommand } from "./commands/reconcile.ts";
import { auditCommand, conformanceCommand } from "./commands/conformance.ts";
import { errorText } from "./stores/inspect.ts";

import { VERSION } from "./version.ts";
import { ENV_DOCS } from "./config.ts";

export { VERSION };

export const COMMANDS: Command[] = [
  validateCommand,
  planCommand,
  applyCommand,
  conformanceCommand,
  auditCommand,
  doctorCommand,
  sandboxUpCommand,
  sandboxDownCommand,
  sandboxEnvCommand,
  sandboxStatusCommand,
  ...KEYS_COMMANDS,
  secretsShowCommand,
  ...AUDIT_LOG_COMMANDS,
  forceUnlockCommand,
];

function findCommand(words: string[]): { command?: Command; rest: string[]; group?: string } {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: words.slice(length) };
  }
  const group = COMMANDS.some((c) => c.name.startsWith(`${words[0]} `)) ? words[0] : undefined;
  return { rest: words.slice(1), group };
}

export function renderMainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const envWidth = Math.max(...Object.keys(ENV_DOCS).map((name) => name.length));
  return [
    `bulkhead ${VERSION}: declarative tenant isolation for PostgreSQL, Redis, MinIO and Qdrant`,
    "",
    "Usage: bulkhead <command> [options]      (bulkhead <command> --help for details)",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Exit codes: 0 clean, 1 finding (invalid files, drift, isolation failure), 2 could not run.",
    "",
    "Environment (`bulkhead sandbox env` prints the store variables for the sandbox):",
    ...Object.entries(ENV_DOCS).map(([name, doc]) => `  ${name.padEnd(envWidth)}  ${doc}`),
  ].join("\n");
}

export function renderCommandHelp(command: Command): string {
  const lines = [`Usage: ${command.usage}`, "", command.summary + ".", "", command.description];
  const options = Object.entries(command.options);
  if (options.length > 0) {
    lines.push("", "Options:");
    const label = ([name, o]: [string, Command["options"][string]]) =>
      `${o.short ? `-${o.short}, ` : ""}--${name}${
        o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""
      }`;
    const width = Math.max(10, ...options.map((o) => label(o).length));
    for (const option of options) {
      lines.push(
        `  ${label(option).padEnd(width)}  ${option[1].description}${
          option[1].multiple ? " (repeatable)" : ""
        }`,
      );
    }
    lines.push(`  ${"-h, --help".padEnd(width)}  show this help`);
  } else {
    lines.push("", "Options:", "  -h, --help  show this help");
  }
  if (command.exitCodes) lines.push("", "Exit codes:", ...command.exitCodes.map((e) => `  ${e}`));
  lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    if (argv[0] === "help" && argv.length > 1) return await main([...argv.slice(1), "--help"]);
    console.log(renderMainHelp());
    return argv.length === 0 ? EXIT.cannotRun : EXIT.ok;
  }
  if (argv[0] === "--version" || argv[0] === "version") {
    console.log(`bulkhead ${VERSION}`);
    return EXIT.ok;
  }
  const { command, rest, group } = findCommand(argv);
  if (!command) {
    if (group) {
      const subs = COMMANDS.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name);
      console.error(`bulkhead: "${group}" needs a subcommand: ${subs.join(", ")}`);
    } else {
      console.error(`bulkhead: unknown command "${argv[0]}"; run \`bulkhead --help\` for the list`);
    }
    return EXIT.cannotRun;
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: {
        help: { type: "boolean", short: "h" },
        ...Object.fromEntries(
          Object.entries(command.options).map(([name, o]) => [
            name,
            {
              type: o.type,
              ...(o.multiple && { multiple: true }),
              ...(o.short && { short: o.short }),
            },
          ]),
        ),
      },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      console.log(renderCommandHelp(command));
      return EXIT.ok;
    }
    if (parsed.positionals.length > command.maxPositionals) {
      throw new UsageError(`unexpected argument "${parsed.positionals[command.maxPositionals]}"`);
    }
    return await command.run({ positionals: parsed.positionals, values: parsed.values });
  } catch (error) {
    if (
      error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(`bulkhead ${command.name}: ${errorText(error)}\nUsage: ${command.usage}`);
      return EXIT.cannotRun;
    }
    console.error(`bulkhead ${command.name}: ${errorText(error)}`);
    return EXIT.cannotRun;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
