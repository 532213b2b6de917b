/** `bulkhead audit-log verify|show`: the per-tenant hash-chained audit log. */
import { withRegistry } from "../registry/registry.ts";
import { SYSTEM_AUDIT_CHAIN } from "../registry/audit.ts";
import { formatTime, paint, print, printError } from "../output.ts";
import { type Command, EXIT, tenantArgument } from "./command.ts";

export const auditLogVerifyCommand: Command = {
  name: "audit-log verify",
  summary: "Recompute the audit hash chains and report the first broken link of each",
  usage: "bulkhead audit-log verify [TENANT]",
  description:
    "Every audit event carries the hash of the previous event of its tenant and a hash of\n" +
    "its own content. This recomputes every chain (or TENANT's) and reports, per chain, the\n" +
    `first event that was modified, removed or reordered, or a chain cut short. The\n` +
    `\`${SYSTEM_AUDIT_CHAIN}\` chain holds control-plane events (the apply lock).`,
  options: {},
  maxPositionals: 1,
  examples: ["bulkhead audit-log verify", "bulkhead audit-log verify acme"],
  exitCodes: ["0 every chain verifies", "1 a chain is broken", "2 could not run"],
  async run({ positionals }) {
    const tenantId = positionals.length > 0
      ? tenantArgument(positionals, { allowSystemChain: true })
      : undefined;
    return await withRegistry(async (registry) => {
      const result = await registry.verifyAuditLog(tenantId);
      for (const broken of result.breaks) {
        printError(
          `${
            paint("broken", "red")
          } ${broken.tenant}: first broken link at event ${broken.seq}: ${broken.problem}`,
        );
      }
      if (result.breaks.length > 0) {
        printError(
          `${result.breaks.length} of ${result.chains} chain${
            result.chains === 1 ? "" : "s"
          } broken`,
        );
        return EXIT.finding;
      }
      if (tenantId && result.chains === 0) {
        print(`no audit events for ${tenantId}`);
        return EXIT.ok;
      }
      print(
        `${paint("ok", "green")}: ${result.chains} chain${
          result.chains === 1 ? "" : "s"
        }, ${result.events} event${result.events === 1 ? "" : "s"} verified`,
      );
      return EXIT.ok;
    });
  },
};

export const auditLogShowCommand: Command = {
  name: "audit-log show",
  summary: "Print one tenant's audit events, oldest first",
  usage: "bulkhead audit-log show TENANT [--json]",
  description:
    "Prints the tenant's events only: sequence number, time, actor, type and details (which\n" +
    "never hold secrets). Use `audit-log verify` to check that they are intact.",
  options: { json: { type: "boolean", description: "print JSON (with the hashes)" } },
  maxPositionals: 1,
  examples: ["bulkhead audit-log show acme", "bulkhead audit-log show acme --json"],
  exitCodes: ["0 printed", "2 could not run"],
  async run({ positionals, values }) {
    const tenantId = tenantArgument(positionals, { allowSystemChain: true });
    return await withRegistry(async (registry) => {
      const events = await registry.auditEvents(tenantId);
      if (values.json) {
        print(JSON.stringify(events, null, 2));
        return EXIT.ok;
      }
      if (events.length === 0) print(`no audit events for ${tenantId}`);
      for (const e of events) {
        print(
          `${String(e.seq).padStart(4)}  ${formatTime(e.at)}  ${e.actor}  ${e.type}  ${
            JSON.stringify(e.details)
          }`,
        );
      }
      return EXIT.ok;
    });
  },
};

export const AUDIT_LOG_COMMANDS: Command[] = [auditLogVerifyCommand, auditLogShowCommand];
