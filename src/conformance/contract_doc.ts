/**
 * spec/isolation-contract.md, generated from the contracts in code (each store's
 * `contract.ts` and the keys'), so that the document and the checks that run are one.
 */
import type { AreaContract } from "./model.ts";
import { STORE_REGISTRATIONS } from "../stores/registry.ts";
import { keysContract } from "../keys/contract.ts";

export function allContracts(): AreaContract[] {
  return [...STORE_REGISTRATIONS.flatMap((r) => (r.contract ? [r.contract] : [])), keysContract];
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderIsolationContract(
  contracts: readonly AreaContract[] = allContracts(),
): string {
  const lines = [
    "# Bulkhead isolation contract",
    "",
    "<!-- Generated from the contracts in code (src/stores/<store>/contract.ts, src/keys/contract.ts) by `deno task schema`; a test fails when it is stale. -->",
    "",
    "For every store, what a tenant's credentials can reach — its own namespace, with the operations",
    "its workload needs — and that everything else is denied **by the store itself**. `bulkhead",
    "conformance` attempts each check with the tenants' real credentials; a check passes only when the",
    "store refuses (isolation) or allows (control) as stated. A store that cannot be reached is reported",
    "as *not verified*, never as passed. Ids are stable and never reused.",
    "",
    "Residual leaks are what a store cannot close; they are named here and listed in every report.",
    "",
    "| area | checks | residual leaks |",
    "|---|---|---|",
    ...contracts.map((c) =>
      `| [${c.area}](#${c.area}) | ${c.checks.length} | ${c.residualLeaks.length} |`
    ),
  ];
  for (const c of contracts) {
    lines.push("", `## ${c.area}`, "", c.summary, "");
    if (c.details) lines.push(`Details: [${c.details}](${c.details.replace(/^spec\//, "")})`, "");
    lines.push(
      "| id | severity | kind | check | attempted | the store must answer |",
      "|---|---|---|---|---|---|",
    );
    for (const k of c.checks) {
      lines.push(
        `| ${k.id} | ${k.severity} | ${k.kind ?? "isolation"} | ${cell(k.title)} | ${
          cell(k.attempt)
        } | ${cell(k.expected)} |`,
      );
    }
    if (c.residualLeaks.length > 0) {
      lines.push(
        "",
        "Residual leaks:",
        "",
        "| id | severity | leak | why it stays |",
        "|---|---|---|---|",
      );
      for (const l of c.residualLeaks) {
        lines.push(`| ${l.id} | ${l.severity} | ${cell(l.title)} | ${cell(l.detail)} |`);
      }
    }
  }
  return lines.join("\n") + "\n";
}
