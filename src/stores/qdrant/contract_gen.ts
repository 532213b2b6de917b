/**
 * Writes the generated tables of spec/contract/qdrant.md from the contract's data
 * (contract.ts) and the surface plan (surface.ts, attack_surface.ts):
 * `deno run -A src/stores/qdrant/contract_gen.ts`. The prose around the
 * `<!-- generated:NAME -->` … `<!-- /generated:NAME -->` markers is kept as written;
 * contract_test.ts fails when a table differs from the data.
 */
import { QDRANT_CHECKS, QDRANT_LIFECYCLE, QDRANT_RESIDUAL_LEAKS } from "./contract.ts";
import { QDRANT_ROUTES, type QdrantOperation } from "./surface.ts";
import { ROUTE_PLANS, surfaceCoverage, TARGETS } from "./attack_surface.ts";
import { formatMarkdown } from "../../markdown.ts";

export const QDRANT_CONTRACT_PATH = new URL("../../../spec/contract/qdrant.md", import.meta.url);

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");

export function renderBlocks(): Record<string, string> {
  const coverage = surfaceCoverage();
  const role = (operation: QdrantOperation) => {
    const plan = ROUTE_PLANS[operation];
    switch (plan.role) {
      case "attack":
        return TARGETS.filter((t) => plan.targets?.[t])
          .map((t) => `${t}: ${plan.targets![t]}`)
          .join(", ");
      case "listing":
        return "fixed listing check: QD-010";
      case "residual":
        return `not attacked: residual ${plan.residual}`;
      case "open":
        return `open to anyone: residual ${plan.residual}`;
    }
  };
  return {
    checks: table(
      ["id", "severity", "kind", "title", "attempt", "the store must answer"],
      QDRANT_CHECKS.map((c) => [
        c.id,
        c.severity,
        c.kind ?? "isolation",
        c.title,
        c.attempt,
        c.expected,
      ]),
    ),
    lifecycle: table(
      ["id", "severity", "guarantee", "the store must answer", "proven by"],
      QDRANT_LIFECYCLE.map((g) => [g.id, g.severity, g.title, g.expected, g.provenBy]),
    ),
    surface: [
      `${coverage.routes} routes: ${coverage.openapi} from the OpenAPI description, ${coverage.serverOnly} served beyond it. ` +
      `Random attacks draw from ${coverage.attacked}; ${coverage.listings} are fixed listing checks; ` +
      `${coverage.residual} are residual leaks the probes do not attack; ${coverage.open} answer without a token.`,
      "",
      table(
        ["route", "source", "how the probes use it (target: check)"],
        QDRANT_ROUTES.map((r) => [
          `\`${r.method} ${r.path}\``,
          r.source === "openapi" ? `OpenAPI \`${r.operation}\`` : `server \`${r.operation}\``,
          role(r.operation as QdrantOperation),
        ]),
      ),
    ].join("\n"),
    "residual-leaks": table(
      ["id", "severity", "title", "what, and the mitigation"],
      QDRANT_RESIDUAL_LEAKS.map((l) => [l.id, l.severity, l.title, l.detail]),
    ),
  };
}

/** The document with every generated block replaced by `blocks`. */
export function applyBlocks(document: string, blocks: Record<string, string>): string {
  let text = document;
  for (const [name, content] of Object.entries(blocks)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) {
      throw new Error(`spec/contract/qdrant.md has no ${open} … ${close} block`);
    }
    text = `${text.slice(0, start + open.length)}\n\n${content}\n\n${text.slice(end)}`;
  }
  return text;
}

/** The committed document with its generated blocks brought up to date, formatted. */
export async function renderContractDocument(committed: string): Promise<string> {
  return await formatMarkdown(applyBlocks(committed, renderBlocks()));
}

if (import.meta.main) {
  const committed = await Deno.readTextFile(QDRANT_CONTRACT_PATH);
  await Deno.writeTextFile(QDRANT_CONTRACT_PATH, await renderContractDocument(committed));
  console.log(`wrote ${QDRANT_CONTRACT_PATH.pathname}`);
}
