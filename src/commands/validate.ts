import { formatProblem, loadTenants } from "../tenant/load.ts";
import { paint, print, printError } from "../output.ts";
import { type Command, EXIT } from "./command.ts";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check tenant files: schema, ids, duplicates and name collisions",
  usage: "bulkhead validate [DIR]",
  description:
    "Reads every tenants/*.yaml (or DIR/*.yaml) and reports all problems at once, one line each:\n" +
    "file:line:column: field.path: message. Touches no store.",
  options: {},
  maxPositionals: 1,
  examples: ["bulkhead validate", "bulkhead validate path/to/tenants"],
  exitCodes: ["0 all files valid", "1 at least one problem", "2 could not run"],
  async run({ positionals }) {
    const dir = positionals[0] ?? "tenants";
    const { tenants, problems } = await loadTenants(dir);
    for (const problem of problems) printError(formatProblem(problem));
    if (problems.length > 0) {
      const files = new Set(problems.map((p) => p.file)).size;
      printError(
        `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${files} file${
          files === 1 ? "" : "s"
        }`,
      );
      return EXIT.finding;
    }
    print(
      `${paint("ok", "green")}: ${tenants.length} tenant${
        tenants.length === 1 ? "" : "s"
      } valid in ${dir}/ (${tenants.map((t) => t.id).join(", ")})`,
    );
    return EXIT.ok;
  },
};
