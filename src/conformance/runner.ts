/**
 * Runs one area's properties with fast-check: for random attacker ≠ victim and a random
 * operation from the store's surface aimed at the victim, the store denies; for a
 * random tenant and an operation its workload needs, the store allows. A failure is
 * shrunk to a minimal counterexample and comes back with the seed and path that
 * replay it. Attempts of the main run become report rows; shrinking steps do not.
 */
import fc from "fast-check";
import type {
  AreaContract,
  Attempt,
  CheckRow,
  ContractArea,
  ContractCheck,
  Outcome,
  ProbeTenant,
  StoreProbe,
} from "./model.ts";

export type PropertyName = "isolation" | "control";

export interface PropertyFailure {
  area: ContractArea;
  property: PropertyName | "fixed";
  checkId: string;
  tenant: string;
  victim: string | null;
  /** The shrunk attempt. */
  attempt: Attempt;
  outcome: Outcome;
  /** fast-check seed and path of the counterexample (absent for fixed attempts). */
  seed?: number;
  path?: string;
}

export interface AreaRun {
  area: ContractArea;
  rows: CheckRow[];
  failures: PropertyFailure[];
  notes: string[];
}

export interface AreaRunOptions {
  /** The run's seed; each property's own seed derives from it. */
  seed: number;
  /** Random attempts per property. */
  runs: number;
  /** Replay one counterexample: `<property>:<path>` as a report gave it. */
  replay?: string;
}

/** A property's seed: stable for (run seed, area, property), so a replay finds it again. */
export function propertySeed(seed: number, area: string, property: string): number {
  let h = seed | 0;
  for (const ch of `${area}/${property}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) | 0;
  return h;
}

function verdict(attempt: Attempt, outcome: Outcome): CheckRow["result"] {
  if (outcome.kind === "error") return "error";
  return outcome.kind === attempt.expect ? "pass" : "fail";
}

export async function runArea(
  probe: StoreProbe,
  contract: AreaContract,
  tenants: readonly ProbeTenant[],
  options: AreaRunOptions,
): Promise<AreaRun> {
  const checks = new Map<string, ContractCheck>(contract.checks.map((c) => [c.id, c]));
  const run: AreaRun = { area: contract.area, rows: [], failures: [], notes: [] };
  const sorted = [...tenants].sort((a, b) => a.id.localeCompare(b.id));

  const attemptOnce = async (
    attempt: Attempt,
    as: ProbeTenant,
    victim: ProbeTenant | null,
    record: boolean,
  ) => {
    const check = checks.get(attempt.checkId);
    if (!check) {
      throw new Error(`${contract.area}: probe produced unknown check id ${attempt.checkId}`);
    }
    const outcome = await probe.run(attempt, as).catch((error): Outcome => ({
      kind: "error",
      message: error instanceof Error ? error.message.split("\n")[0] : String(error),
    }));
    const result = verdict(attempt, outcome);
    if (record) {
      run.rows.push({
        checkId: check.id,
        area: contract.area,
        severity: check.severity,
        title: check.title,
        tenant: as.id,
        victim: victim?.id ?? null,
        operation: attempt.operation,
        expected: attempt.expect,
        observed: outcome.kind,
        result,
        evidence: outcome.kind === "denied"
          ? { code: outcome.code, message: outcome.message }
          : outcome.kind === "error"
          ? { message: outcome.message }
          : outcome.detail
          ? { message: outcome.detail }
          : {},
      });
    }
    return { outcome, result };
  };

  const [replayProperty, replayPath] = options.replay?.split(":") ?? [];
  const property = async <
    T extends { as: ProbeTenant; victim: ProbeTenant | null; attempt: Attempt },
  >(
    name: PropertyName,
    arbitrary: fc.Arbitrary<T>,
  ) => {
    if (options.replay && replayProperty !== name) return;
    let shrinking = false;
    let last: Outcome | undefined;
    const seed = propertySeed(options.seed, contract.area, name);
    const details = await fc.check(
      fc.asyncProperty(arbitrary, async ({ as, victim, attempt }) => {
        const { outcome, result } = await attemptOnce(attempt, as, victim, !shrinking);
        last = outcome;
        if (result !== "pass") shrinking = true;
        return result === "pass";
      }),
      { seed, numRuns: options.runs, ...(replayPath && { path: replayPath }), endOnFailure: false },
    );
    if (details.failed && details.counterexample) {
      const [{ as, victim, attempt }] = details.counterexample;
      // Run the shrunk counterexample once more, so its evidence is its own.
      const { outcome } = await attemptOnce(attempt, as, victim, false);
      run.failures.push({
        area: contract.area,
        property: name,
        checkId: attempt.checkId,
        tenant: as.id,
        victim: victim?.id ?? null,
        attempt,
        outcome: outcome ?? last!,
        seed: details.seed,
        path: details.counterexamplePath ?? undefined,
      });
    } else if (details.failed) {
      run.notes.push(
        `${name} property stopped after ${details.numRuns} runs (${details.numSkips} skipped)`,
      );
    }
  };

  if (sorted.length >= 2) {
    const pairs = fc.tuple(fc.constantFrom(...sorted), fc.constantFrom(...sorted)).filter((
      [a, b],
    ) => a.id !== b.id);
    await property(
      "isolation",
      pairs.chain(([as, victim]) =>
        probe.attacks(as, victim).map((attempt) => ({ as, victim, attempt }))
      ),
    );
  } else {
    run.notes.push(
      `cross-tenant attacks need two tenants using ${contract.area}; ${sorted.length} do`,
    );
  }
  if (sorted.length >= 1) {
    await property(
      "control",
      fc.constantFrom(...sorted).chain((as) =>
        probe.controls(as).map((attempt) => ({ as, victim: null, attempt }))
      ),
    );
  }
  if (!options.replay) {
    for (const { as: asId, victim: victimId, attempt } of probe.fixed?.(sorted) ?? []) {
      const as = sorted.find((t) => t.id === asId);
      if (!as) throw new Error(`${contract.area}: fixed attempt as unknown tenant ${asId}`);
      const victim = victimId === undefined ? null : sorted.find((t) => t.id === victimId) ?? null;
      const { outcome, result } = await attemptOnce(attempt, as, victim, true);
      if (result !== "pass") {
        run.failures.push({
          area: contract.area,
          property: "fixed",
          checkId: attempt.checkId,
          tenant: as.id,
          victim: victim?.id ?? null,
          attempt,
          outcome,
        });
      }
    }
  }
  return run;
}
