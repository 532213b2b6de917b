/** The JSON Schemas in spec/ that are generated from code, by path. */
import { renderTenantSchema } from "./tenant/schema_gen.ts";
import { renderPlanSchema } from "./plan/plan_json.ts";
import { renderReportSchema } from "./conformance/report_json.ts";

export const GENERATED_SCHEMAS: Record<string, () => string> = {
  "spec/tenant.schema.json": renderTenantSchema,
  "spec/plan.schema.json": renderPlanSchema,
  "spec/report.schema.json": renderReportSchema,
};
