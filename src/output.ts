/** Terminal output: colour only on a TTY and never when NO_COLOR is set. */
import { isoSeconds } from "./encoding.ts";

export function colourEnabled(stream: { isTerminal(): boolean } = Deno.stdout): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return (noColor === undefined || noColor === "") && stream.isTerminal();
}

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
} as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, enabled = colourEnabled()): string {
  return enabled ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

export function print(text = ""): void {
  console.log(text);
}

export function printError(text: string): void {
  console.error(text);
}

/** A time as UTC ISO 8601 to the second, e.g. `2026-01-02T03:04:05Z`; "-" when absent. */
export function formatTime(date: Date | undefined): string {
  return date ? isoSeconds(date) : "-";
}

/** Rows as aligned columns (the first row is the header). */
export function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}
