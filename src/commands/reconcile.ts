/** `plan` and `apply`: the reconciler's commands. */
import { formatProblem, loadTenants } from "../tenant/load.ts";
import type { Tenant } from "../tenant/model.ts";
import { colourEnabled, paint, print, printError } from "../output.ts";
import { makePlan, PlanError } from "../plan/plan.ts";
import { renderPlanText } from "../plan/render_text.ts";
import { planFromJson, planToJson } from "../plan/plan_json.ts";
import { countChanges, type Plan } from "../plan/model.ts";
import type { PlanScope } from "../plan/compose.ts";
import { ConfigError, Session } from "../apply/session.ts";
import { ApplyError, executePlan, SHARED_AUDIT_STREAM } from "../apply/apply.ts";
import { lineProgress } from "../apply/progress.ts";
import { ApplyLockHeldError } from "../registry/registry.ts";
import { actorName } from "../keys/mod.ts";
import {
  type Command,
  EXIT,
  type OptionSpec,
  type ParsedArgs,
  TENANTS_DIR_OPTION,
  tenantsDir,
  UsageError,
} from "./command.ts";

const scopeOptions: Record<string, OptionSpec> = {
  target: {
    type: "string",
    multiple: true,
    value: "TENANT",
    description: "only this tenant's resources",
  },
  exclude: {
    type: "string",
    multiple: true,
    value: "TENANT",
    description: "leave this tenant's resources out",
  },
  "allow-destroy": {
    type: "boolean",
    description:
      "delete orphans, data of tenants no longer using a store, and decommissioned tenants past retention",
  },
  ...TENANTS_DIR_OPTION,
};

function scopeFrom(values: ParsedArgs["values"]): PlanScope {
  return {
    targets: (values.target as string[] | undefined) ?? [],
    excludes: (values.exclude as string[] | undefined) ?? [],
    allowDestroy: values["allow-destroy"] === true,
  };
}

/** Loads the tenant files; prints the problems and returns undefined when there are any. */
async function loadValidTenants(dir: string): Promise<Tenant[] | undefined> {
  const { tenants, problems } = await loadTenants(dir);
  if (problems.length === 0) return tenants;
  for (const p of problems) printError(formatProblem(p));
  printError(
    `${problems.length} problem(s) in the tenant files: fix them (bulkhead validate) before planning`,
  );
  return undefined;
}

/** Maps the errors of opening and planning to messages and exit codes. */
function cannotRun(command: string, error: unknown): number {
  if (error instanceof ApplyLockHeldError) {
    printError(`${command}: ${error.message}`);
    return EXIT.cannotRun;
  }
  if (error instanceof ConfigError || error instanceof PlanError || error instanceof ApplyError) {
    printError(`${command}: ${error.message}`);
    return EXIT.cannotRun;
  }
  throw error;
}

export const planCommand: Command = {
  name: "plan",
  summary: "Show what must change in the stores to match the tenant files",
  usage:
    "bulkhead plan [--out FILE] [--json] [--detailed-exitcode] [--target TENANT]… [--exclude TENANT]… [--allow-destroy] [--tenants-dir DIR]",
  description:
    "Reads the live state of every store in bulk and compares it with the tenant files: what would be\n" +
    "created (+), updated in place (~), destroyed (-) or replaced (-/+), with the reason for each and the\n" +
    "before → after of each changed attribute. Secret values never appear: they print as (sensitive).\n" +
    "--out saves the plan (JSON) for `bulkhead apply FILE`, which refuses it if the stores or the\n" +
    "tenant files changed since. Changes nothing.",
  options: {
    out: { type: "string", value: "FILE", description: "save the plan for apply" },
    json: { type: "boolean", description: "print the plan as JSON (spec/plan.schema.json)" },
    "detailed-exitcode": { type: "boolean", description: "exit 0 no changes, 2 changes, 1 error" },
    ...scopeOptions,
  },
  maxPositionals: 0,
  examples: [
    "bulkhead plan",
    "bulkhead plan --target acme --out acme.plan.json",
    "bulkhead plan --json --detailed-exitcode > plan.json",
  ],
  exitCodes: [
    "0 plan made (with --detailed-exitcode: and no changes)",
    "1 invalid tenant files, or the plan cannot be applied (e.g. a removed tenant file); with --detailed-exitcode: any error",
    "2 could not run: a store unreachable or misconfigured (with --detailed-exitcode: there are changes)",
  ],
  async run({ values }) {
    const detailed = values["detailed-exitcode"] === true;
    const error = detailed ? EXIT.finding : EXIT.cannotRun;
    const tenants = await loadValidTenants(tenantsDir(values));
    if (!tenants) return EXIT.finding;
    let session: Session | undefined;
    let plan: Plan;
    try {
      session = await Session.open();
      plan = (await makePlan(session, tenants, scopeFrom(values))).plan;
    } catch (e) {
      const code = cannotRun("plan", e);
      return code === EXIT.cannotRun ? error : code;
    } finally {
      await session?.close();
    }
    if (values.json) print(JSON.stringify(planToJson(plan), null, 2));
    else Deno.stdout.writeSync(new TextEncoder().encode(renderPlanText(plan, colourEnabled())));
    if (values.out) {
      await Deno.writeTextFile(
        values.out as string,
        JSON.stringify(planToJson(plan), null, 2) + "\n",
      );
      if (!values.json) {
        print(`Saved the plan to ${values.out}: apply it with \`bulkhead apply ${values.out}\``);
      }
    }
    if (plan.refusals.length > 0) return EXIT.finding;
    if (detailed && plan.changes.length > 0) return 2;
    return EXIT.ok;
  },
};

async function confirm(): Promise<boolean> {
  Deno.stdout.writeSync(
    new TextEncoder().encode(
      "\nDo you want to perform these actions? Only 'yes' will be accepted: ",
    ),
  );
  const buffer = new Uint8Array(1024);
  const n = await Deno.stdin.read(buffer);
  return new TextDecoder().decode(buffer.subarray(0, n ?? 0)).trim() === "yes";
}

export const applyCommand: Command = {
  name: "apply",
  summary: "Make the stores match the tenant files (or carry out a saved plan)",
  usage:
    "bulkhead apply [PLANFILE] [--auto-approve] [--parallelism N] [--target TENANT]… [--exclude TENANT]… [--allow-destroy] [--tenants-dir DIR]",
  description:
    "Takes the registry's apply lock (a second apply fails at once, naming the holder), plans, shows the\n" +
    "plan and asks for confirmation on a terminal; elsewhere --auto-approve is required. With PLANFILE\n" +
    "it carries out that saved plan instead, and refuses it when the stores or the tenant files changed\n" +
    "since it was made. Credentials are generated and recorded in the tenant's SOPS document before any\n" +
    "store user is created. Tenants are applied concurrently (--parallelism); when one fails the others\n" +
    "go on and the next apply completes it.",
  options: {
    "auto-approve": { type: "boolean", description: "skip the confirmation" },
    parallelism: { type: "string", value: "N", description: "tenants applied at once (default 4)" },
    ...scopeOptions,
  },
  maxPositionals: 1,
  examples: [
    "bulkhead apply",
    "bulkhead apply --auto-approve --parallelism 8",
    "bulkhead plan --out tonight.plan.json && bulkhead apply tonight.plan.json",
  ],
  exitCodes: [
    "0 applied (or nothing to do)",
    "1 a change failed, the plan cannot be applied, the saved plan is stale, or confirmation was declined",
    "2 could not run: usage, a store unreachable, the apply lock held by another apply",
  ],
  async run({ positionals, values }) {
    const planFile = positionals[0];
    const parallelism = Number(values.parallelism ?? 4);
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new UsageError("--parallelism must be a positive integer");
    }
    if (planFile && (values.target || values.exclude || values["allow-destroy"])) {
      throw new UsageError(
        "a saved plan carries its own scope: drop --target/--exclude/--allow-destroy",
      );
    }
    const tenants = await loadValidTenants(tenantsDir(values));
    if (!tenants) return EXIT.finding;
    const saved = planFile ? planFromJson(await Deno.readTextFile(planFile), planFile) : undefined;
    const tty = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    if (!saved && !values["auto-approve"] && !tty) {
      throw new UsageError("not a terminal: pass --auto-approve, or apply a saved plan file");
    }
    const actor = actorName();
    let session: Session | undefined;
    let lock;
    try {
      session = await Session.open();
      lock = await session.registry.acquireApplyLock(
        actor,
        planFile ? `apply ${planFile}` : "apply",
      );
      const scope = saved ? saved.scope : scopeFrom(values);
      const { plan: current, secrets } = await makePlan(session, tenants, scope);
      let plan = current;
      if (saved) {
        if (saved.tenantsFingerprint !== current.tenantsFingerprint) {
          printError(
            `stale plan: the tenant files changed since ${planFile} was made; re-run plan`,
          );
          return EXIT.finding;
        }
        if (saved.fingerprint !== current.fingerprint) {
          printError(
            `stale plan: the live state of the stores changed since ${planFile} was made; re-run plan`,
          );
          return EXIT.finding;
        }
        plan = saved;
      } else {
        Deno.stdout.writeSync(new TextEncoder().encode(renderPlanText(plan, colourEnabled())));
      }
      if (plan.refusals.length > 0) {
        if (saved) { for (const r of plan.refusals) printError(`✗ ${r}`); }
        printError("apply: the plan cannot be applied (see above)");
        return EXIT.finding;
      }
      if (plan.changes.length === 0) {
        print("Nothing to do.");
        return EXIT.ok;
      }
      if (!saved && !values["auto-approve"] && !(await confirm())) {
        printError("Apply cancelled.");
        return EXIT.finding;
      }
      const colour = colourEnabled();
      const progress = lineProgress((t) => Deno.stdout.writeSync(new TextEncoder().encode(t)), {
        tty: Deno.stdout.isTerminal(),
        colour,
      });
      print("");
      const outcome = await executePlan(session, plan, tenants, secrets ?? new Map(), {
        parallelism,
        actor,
        progress,
      });
      const c = countChanges(outcome.applied);
      await session.registry.appendAuditEvent({
        tenant: SHARED_AUDIT_STREAM,
        actor,
        type: "apply.finished",
        details: {
          applied: outcome.applied.length,
          failed: outcome.failures.length,
          skipped: outcome.skipped.length,
        },
      });
      const summary =
        `${c.create} created, ${c.update} updated, ${c.replace} replaced, ${c.delete} destroyed`;
      if (outcome.failures.length === 0) {
        print(`\n${paint("Apply complete:", "green", colour)} ${summary}.`);
        return EXIT.ok;
      }
      printError(
        `\n${
          paint("Apply failed:", "red", colour)
        } ${summary}; ${outcome.failures.length} failed, ${outcome.skipped.length} skipped.`,
      );
      for (const f of outcome.failures) printError(`  ✗ ${f.message}`);
      printError(
        "The failed tenants are left consistent; fix the cause and run apply again to complete them.",
      );
      return EXIT.finding;
    } catch (e) {
      return cannotRun("apply", e);
    } finally {
      await lock?.release().catch(() => {});
      await session?.close();
    }
  },
};
