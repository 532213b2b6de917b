/** The shape of a CLI command: its help, its options, and what it runs. */
import { tenantIdProblem } from "../tenant/id.ts";
import { ENV } from "../config.ts";

export const EXIT = {
  /** Clean: no problem, no finding, no change (or changes applied). */
  ok: 0,
  /** A finding: invalid tenant files, drift, an isolation failure. */
  finding: 1,
  /** Could not run: usage error, unreachable store, wrong credentials. */
  cannotRun: 2,
} as const;

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help for string options, e.g. FILE. */
  value?: string;
  description: string;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

export interface Command {
  /** Words after `bulkhead`, e.g. `validate` or `sandbox up`. */
  name: string;
  summary: string;
  usage: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** Most positional arguments accepted. */
  maxPositionals: number;
  examples: string[];
  exitCodes?: string[];
  run(args: ParsedArgs): Promise<number>;
}

/** A usage mistake: printed with the command's usage line, exit 2. */
export class UsageError extends Error {}

/** The TENANT argument, checked against the id rules (the `bulkhead` audit chain when allowed). */
export function tenantArgument(
  positionals: string[],
  options: { allowSystemChain?: boolean } = {},
): string {
  const id = positionals[0];
  if (!id) throw new UsageError("missing TENANT");
  if (options.allowSystemChain && id === "bulkhead") return id;
  const problem = tenantIdProblem(id);
  if (problem) throw new UsageError(problem);
  return id;
}

/** The tenant directory option every command that reads tenant files shares. */
export const TENANTS_DIR_OPTION: Record<string, OptionSpec> = {
  "tenants-dir": {
    type: "string",
    value: "DIR",
    description: "tenant directory (default: BULKHEAD_TENANTS_DIR, else tenants)",
  },
};

export function tenantsDir(values: ParsedArgs["values"]): string {
  return (values["tenants-dir"] as string | undefined) ?? Deno.env.get(ENV.tenantsDir) ??
    "tenants";
}
