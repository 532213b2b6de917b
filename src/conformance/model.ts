/**
 * The conformance suite's vocabulary: the contract's checks (stable ids, severity, what
 * is attempted, what the store must answer), the leaks a store cannot close, the probe
 * surface each store implements, and the rows of a report.
 */
import type fc from "fast-check";
import type { StoreName, Tenant } from "../tenant/model.ts";
import type { StoreSecret } from "../stores/store.ts";

export type Severity = "critical" | "high" | "medium" | "low";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Where a check applies: a store, or the keys (SOPS documents, exported files). */
export type ContractArea = StoreName | "keys";

export interface ContractCheck {
  /** Stable id: `PG-…`, `RD-…`, `S3-…`, `QD-…`, `KEY-…`. Never reused for another check. */
  id: string;
  severity: Severity;
  title: string;
  /** What the probe attempts with the tenant's real credentials. */
  attempt: string;
  /** What the store must answer for the check to pass. */
  expected: string;
  /** isolation: the store must refuse; control: the store must allow (positive control). */
  kind?: "isolation" | "control";
}

export interface ResidualLeak {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
}

/** One store's (or the keys') part of the isolation contract. */
export interface AreaContract {
  area: ContractArea;
  /** What a tenant's credential reaches here, in a few sentences. */
  summary: string;
  checks: readonly ContractCheck[];
  residualLeaks: readonly ResidualLeak[];
  /** A longer document for this area, e.g. `spec/contract/redis.md`. */
  details?: string;
}

/** A tenant as the probes see it: its real credentials and connection details. */
export interface ProbeTenant {
  id: string;
  tenant: Tenant;
  secret: StoreSecret;
  details: Record<string, string>;
}

/**
 * One operation a probe performs as a tenant. Plain JSON data, so that a failing attempt
 * can be printed, stored in a report and replayed. Never holds a secret.
 */
export interface Attempt {
  checkId: string;
  /** Human-readable, e.g. `GET tenant:bob:k1` or `s3:PutObject tenant-bob/raw/x`. */
  operation: string;
  expect: "denied" | "allowed";
  /** What the probe executes: store-specific, JSON-serialisable. */
  request: unknown;
}

export type Outcome =
  /** The store itself refused (NOPERM, permission denied, AccessDenied, 403). */
  | { kind: "denied"; code: string; message: string }
  | { kind: "allowed"; detail?: string }
  /** Anything else: network failure, timeout, unexpected error. Never a pass. */
  | { kind: "error"; message: string };

/** The probe surface of one store, used by the runner with tenants' real credentials. */
export interface StoreProbe {
  readonly area: ContractArea;
  /**
   * Attacks of `attacker` on `victim`, drawn from the store's whole operation surface
   * (enumerated from the store where it can tell), with arguments aimed at the victim.
   */
  attacks(attacker: ProbeTenant, victim: ProbeTenant): fc.Arbitrary<Attempt>;
  /** Operations the tenant's workload needs on its own resources: must be allowed. */
  controls(tenant: ProbeTenant): fc.Arbitrary<Attempt>;
  /** Deterministic attempts run once (e.g. per tenant), beside the random ones; `as` is a tenant id. */
  fixed?(tenants: readonly ProbeTenant[]): { as: string; victim?: string; attempt: Attempt }[];
  /** Runs one attempt as `as`; must classify the store's own refusal as "denied". */
  run(attempt: Attempt, as: ProbeTenant): Promise<Outcome>;
  close(): Promise<void>;
}

export type CheckResult = "pass" | "fail" | "error";

/** One attempt and what came of it: a row of the report. */
export interface CheckRow {
  checkId: string;
  area: ContractArea;
  severity: Severity;
  title: string;
  /** The tenant whose credentials were used. */
  tenant: string;
  /** The tenant aimed at; null for controls and server-wide attempts. */
  victim: string | null;
  operation: string;
  expected: "denied" | "allowed";
  observed: Outcome["kind"];
  result: CheckResult;
  /** The store's own code and message (never a secret). */
  evidence: { code?: string; message?: string };
}
