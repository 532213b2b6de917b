/** The files in spec/ that are generated from code, by path: JSON Schemas and the contract. */
import { renderTenantSchema } from "./tenant/schema_gen.ts";
import { renderPlanSchema } from "./plan/plan_json.ts";
import { renderReportSchema } from "./conformance/report_json.ts";
import { renderIsolationContract } from "./conformance/contract_doc.ts";
import { formatMarkdown } from "./markdown.ts";

export const GENERATED_SPECS: Record<string, () => string | Promise<string>> = {
  "spec/tenant.schema.json": renderTenantSchema,
  "spec/plan.schema.json": renderPlanSchema,
  "spec/report.schema.json": renderReportSchema,
  "spec/isolation-contract.md": () => formatMarkdown(renderIsolationContract()),
};
