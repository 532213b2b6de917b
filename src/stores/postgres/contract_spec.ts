/**
 * The catalogue of contract.ts as Markdown, between generated markers in
 * spec/contract/postgres.md (the rest of that document is prose written by hand).
 * contract_test.ts fails when the document and the data differ; running this file
 * rewrites the generated sections and formats the document:
 *
 *   ./bulkhead deno run -A src/stores/postgres/contract_spec.ts
 */
import { type CheckGroup, type PostgresCheck, postgresContract } from "./contract.ts";

export const SPEC_PATH = new URL("../../../spec/contract/postgres.md", import.meta.url);

const GROUP_TITLES: Record<CheckGroup, string> = {
  login: "Connecting and logging in",
  objects: "Other tenants' objects and rows",
  roles: "Roles, privileges and shared objects",
  server: "The server itself",
  catalogs: "What the catalogs reveal, where the server closes it",
  control: "Positive controls (must be allowed)",
};

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

function table(header: string[], rows: string[][]): string[] {
  return [row(header), row(header.map(() => "---")), ...rows.map(row)];
}

function coverage(check: PostgresCheck): string {
  if (check.outsideProbes) {
    return `store tests only (${check.outsideProbes}): ${check.storeTests ?? "none"}`;
  }
  const probes = check.onlyWhen ? `probes, when ${check.onlyWhen}` : "probes";
  return check.storeTests ? `${probes}; ${check.storeTests}` : probes;
}

export function renderChecks(checks: readonly PostgresCheck[] = postgresContract.checks): string {
  const lines: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as CheckGroup[]) {
    const inGroup = checks.filter((c) => c.group === group);
    if (inGroup.length === 0) continue;
    lines.push(`### ${GROUP_TITLES[group]}`, "");
    if (group === "control") {
      lines.push(...table(
        ["id", "severity", "what the tenant does on its own resources", "the server must answer"],
        inGroup.map((c) => [c.id, c.severity, `**${c.title}**: ${c.attempt}`, c.expected]),
      ));
    } else {
      lines.push(...table(
        [
          "id",
          "severity",
          "attempt (with the tenant's own credential)",
          "the server must answer",
          "proven by",
        ],
        inGroup.map((c) => [
          c.id,
          c.severity,
          `**${c.title}**: ${c.attempt}`,
          c.expected,
          coverage(c),
        ]),
      ));
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}

export function renderResidualLeaks(
  leaks: typeof postgresContract.residualLeaks = postgresContract.residualLeaks,
): string {
  return table(
    ["id", "severity", "what a tenant can still learn or affect", "test"],
    leaks.map((
      l,
    ) => [l.id, l.severity, `**${l.title}**: ${l.detail}`, l.test ?? "not covered by a test"]),
  ).join("\n");
}

export const GENERATED_SECTIONS = {
  checks: renderChecks,
  "residual leaks": () => renderResidualLeaks(),
} as const;

function begin(name: string): string {
  return `<!-- generated: ${name} (src/stores/postgres/contract.ts; regenerate with src/stores/postgres/contract_spec.ts) -->`;
}
const END = "<!-- end of generated section -->";

/** The text between a section's markers, or undefined when the markers are missing. */
export function generatedSection(document: string, name: string): string | undefined {
  const start = document.indexOf(begin(name));
  const end = document.indexOf(END, start);
  if (start < 0 || end < 0) return undefined;
  return document.slice(start + begin(name).length, end);
}

export function replaceGenerated(document: string, name: string, body: string): string {
  const start = document.indexOf(begin(name));
  const end = document.indexOf(END, start);
  if (start < 0 || end < 0) throw new Error(`${SPEC_PATH.pathname}: no markers for ${name}`);
  return `${document.slice(0, start + begin(name).length)}\n\n${body}\n\n${document.slice(end)}`;
}

/**
 * Markdown compared by content: table cells trimmed (the formatter pads them), separator
 * rows reduced, blank lines dropped.
 */
export function normalizeMarkdown(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0).map(
    (line) => {
      if (!line.startsWith("|")) return line;
      const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
      return cells.every((c) => /^:?-+:?$/.test(c)) ? "|---|" : `| ${cells.join(" | ")} |`;
    },
  );
}

if (import.meta.main) {
  let document = await Deno.readTextFile(SPEC_PATH);
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    document = replaceGenerated(document, name, render());
  }
  await Deno.writeTextFile(SPEC_PATH, document);
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", SPEC_PATH.pathname] })
    .output();
  if (!fmt.success) throw new Error(new TextDecoder().decode(fmt.stderr));
  console.log(`wrote ${SPEC_PATH.pathname}`);
}
