/** The shape of a CLI command: its help, its options, and what it runs. */

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
