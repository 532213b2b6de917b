/**
 * The MinIO probes against the real sandbox server, through the conformance runner:
 * converged tenants audit clean (no failure, no error); faults an operator could make by
 * hand are caught on the right checks, shown by plan, repaired by apply, and the next
 * audit is clean; a credential changed by hand fails the positive controls instead of
 * passing as isolation.
 */
import assert from "node:assert/strict";
import { runArea } from "../../conformance/runner.ts";
import type { ProbeTenant } from "../../conformance/model.ts";
import type { Tenant } from "../../tenant/model.ts";
import { minioBucket, minioPolicy, minioUser } from "../../tenant/names.ts";
import { convergeStore, planStore } from "../testing.ts";
import type { StoreSecret } from "../store.ts";
import type { MinioEndpoint } from "../../config.ts";
import { minioContract } from "./contract.ts";
import { attackAttempt, type AttackTemplate, openMinioProbe } from "./probes.ts";
import { mc, type MinioFixture, summary, withJsonFile, withMinioTenants } from "./testing.ts";
import type { MinioStore } from "./store.ts";
import { tenantPolicyDocument } from "./policy.ts";
import { randomSecretKey } from "./credentials.ts";

function probeTenants(
  store: MinioStore,
  secrets: Map<string, StoreSecret>,
  tenants: Tenant[],
): ProbeTenant[] {
  return tenants.map((tenant) => ({
    id: tenant.id,
    tenant,
    secret: { ...secrets.get(tenant.id)! },
    details: store.connectionDetails(tenant.id, secrets.get(tenant.id)!),
  }));
}

async function audit(
  endpoint: MinioEndpoint,
  tenants: ProbeTenant[],
  seed: number,
  runs: number,
  replay?: string,
) {
  const probe = await openMinioProbe(endpoint);
  try {
    return await runArea(probe, minioContract, tenants, { seed, runs, replay });
  } finally {
    await probe.close();
  }
}

type Audit = Awaited<ReturnType<typeof audit>>;

function assertClean(run: Audit, what: string) {
  const bad = run.rows.filter((r) => r.result !== "pass");
  assert.deepEqual(
    bad.map((r) =>
      `${r.checkId} ${r.tenant}: ${r.operation} → ${r.observed} ${JSON.stringify(r.evidence)}`
    ),
    [],
    `${what}: every attempt is answered as the contract says`,
  );
  assert.deepEqual(run.failures, []);
}

const checks = (ids: string) => ids.split(" ");

/** Fixed arguments for the targeted attempts of the fault tests. */
const DRAW = {
  key: "raw/report.txt",
  ownKey: "copied.txt",
  uuid: "7f2c1f0e-3b7a-4c1e-9d55-0b1d8c2a6e11",
  probeName: "abcd1234",
  trick: "dot-dot" as const,
  pick: 0,
};
const victimAttack = (checkId: string, operation: string): AttackTemplate => ({
  checkId,
  mode: "victim",
  operation,
});

const secretsIn = (secrets: Map<string, StoreSecret>) =>
  [...secrets.values()].map((s) => s.secret_key);

Deno.test("minio probes: converged tenants (one a look-alike of another) audit clean, with no secret in any row", async () => {
  await withMinioTenants("pc", 2, async ({ endpoint, store, secrets, ids, ...f }) => {
    // tenant-<a>-b next to tenant-<a>: a policy written as a prefix would reach it.
    ids.push(`${ids[0]}-b`); // destroyed with the others
    const tenants = ids.map((id) => f.tenant(id, { stores: { minio: { prefixes: ["raw"] } } }));
    await convergeStore(store, tenants, secrets);
    const started = performance.now();
    const run = await audit(endpoint, probeTenants(store, secrets, tenants), 20260401, 60);
    const ms = performance.now() - started;
    assertClean(run, "clean trio");
    const checks = new Set(run.rows.map((r) => r.checkId));
    assert.ok(
      checks.has("S3-P01") && checks.has("S3-006") && checks.size >= 12,
      [...checks].join(" "),
    );
    assert.equal(run.rows.filter((r) => r.checkId === "S3-P01").length, 60);
    assert.ok(run.rows.filter((r) => r.expected === "denied").length >= 60 + 3 * 4);
    const text = JSON.stringify(run);
    for (const secret of secretsIn(secrets)) {
      assert.ok(!text.includes(secret), "a secret in the run");
    }
    console.log(`minio runArea, 3 tenants, runs=60: ${Math.round(ms)} ms, ${run.rows.length} rows`);
    // The probe objects it placed are gone again; the tenants' own objects untouched.
    assert.deepEqual(
      (await f.client(ids[1]).listObjects(minioBucket(ids[1]))).sort(),
      ["raw/"],
    );
  });
});

/** Rewrites a tenant's canned policy by hand, as an operator editing it with mc would. */
async function editTenantPolicy(
  endpoint: MinioEndpoint,
  tenant: string,
  edit: (statements: { Effect: string }[]) => unknown[],
): Promise<void> {
  const document = tenantPolicyDocument(minioBucket(tenant)) as { Statement: { Effect: string }[] };
  const edited = { ...document, Statement: edit(document.Statement) };
  await withJsonFile(
    edited,
    (file) => mc(endpoint, ["admin", "policy", "create", "bulkhead", minioPolicy(tenant), file]),
  );
}

interface Fault {
  /** Changes the server by hand, as an operator might. */
  inject(fixture: MinioFixture, attacker: string, victim: string): Promise<void>;
  /**
   * Attacks that must now fail, one per check the fault is about: the runner stops
   * recording at its first failure, so these show each of them explicitly.
   */
  mustFail: AttackTemplate[];
  /** Every check allowed to fail under this fault (the rest must stay clean). */
  mayFail: string[];
  /** Changes plan must show (`summary` lines), among any others the attacks caused. */
  plan: (attacker: string, victim: string) => string[];
}

async function faultIsCaughtShownAndRepaired(prefix: string, seed: number, fault: Fault) {
  await withMinioTenants(prefix, 2, async (fixture) => {
    const { endpoint, store, secrets, ids: [a, b] } = fixture;
    const tenants = [fixture.tenant(a), fixture.tenant(b)];
    await convergeStore(store, tenants, secrets);
    await fault.inject(fixture, a, b);

    // (a) the audit fails, on a check this fault breaks (the first failing attempt and
    // its shrunk counterexample), with no error and no other check failing; the
    // tenants' own workload still works.
    const participants = probeTenants(store, secrets, tenants);
    const run = await audit(endpoint, participants, seed, 150);
    const failing = run.rows.filter((r) => r.result === "fail").map((r) => r.checkId);
    assert.ok(failing.length > 0, "the audit fails");
    assert.deepEqual(failing.filter((id) => !fault.mayFail.includes(id)), [], "failed elsewhere");
    assert.deepEqual(run.rows.filter((r) => r.result === "error").map((r) => r.operation), []);
    assert.ok(run.rows.filter((r) => r.checkId === "S3-P01").every((r) => r.result === "pass"));
    const shrunk = run.failures.find((x) => x.property === "isolation");
    assert.ok(shrunk && fault.mayFail.includes(shrunk.checkId), `shrunk to ${shrunk?.checkId}`);
    assert.equal(shrunk.outcome.kind, "allowed");
    assert.ok(shrunk.seed !== undefined && shrunk.path, "replayable");
    const replayed = await audit(endpoint, participants, seed, 150, `isolation:${shrunk.path}`);
    assert.deepEqual(replayed.failures.map((x) => x.attempt), [shrunk.attempt], "the replay");
    const probe = await openMinioProbe(endpoint);
    try {
      for (const template of fault.mustFail) {
        const attempt = attackAttempt(template, a, b, DRAW);
        const outcome = await probe.run(attempt, participants[0]);
        assert.equal(
          outcome.kind,
          "allowed",
          `${attempt.checkId} ${attempt.operation}: ${JSON.stringify(outcome)}`,
        );
      }
    } finally {
      await probe.close();
    }

    // (b) plan shows the drift, (c) apply repairs it, the next plan is empty.
    const plan = await planStore(store, tenants, secrets);
    const shown = summary(plan.changes);
    for (const line of fault.plan(a, b)) assert.ok(shown.includes(line), `${line} not in ${shown}`);
    for (const c of plan.changes) assert.match(c.reason, /drift|missing/);
    await convergeStore(store, tenants, secrets);
    assert.deepEqual(summary((await planStore(store, tenants, secrets)).changes), []);

    // (d) the same audit is clean again.
    assertClean(
      await audit(endpoint, probeTenants(store, secrets, tenants), seed, 150),
      "after apply",
    );
  });
}

Deno.test("minio probes: a wildcard grant on the attacker's policy is caught, shown and repaired", async () => {
  await faultIsCaughtShownAndRepaired("pfw", 11, {
    inject: ({ endpoint }, a) =>
      editTenantPolicy(endpoint, a, (statements) => [
        ...statements,
        { Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::*"] },
      ]),
    mustFail: [
      victimAttack("S3-001", "GetObject"),
      victimAttack("S3-002", "PutObject"),
      victimAttack("S3-007", "PutBucketEncryption"),
      { checkId: "S3-009", mode: "own", operation: "PutBucketEncryption" },
    ],
    // Everything S3 on any bucket; not the admin API, not its own credentials, not anonymous.
    mayFail: checks(
      "S3-001 S3-002 S3-003 S3-004 S3-005 S3-006 S3-007 S3-008 S3-009 S3-010 S3-011 S3-015 S3-018 S3-021 S3-022",
    ),
    plan: (a) => [`update minio.policy.${minioPolicy(a)} (document)`],
  });
});

Deno.test("minio probes: a tenant user attached to another tenant's policy is caught, shown and repaired", async () => {
  await faultIsCaughtShownAndRepaired("pfa", 12, {
    inject: async ({ endpoint }, a, b) => {
      await mc(endpoint, [
        "admin",
        "policy",
        "attach",
        "bulkhead",
        minioPolicy(b),
        "--user",
        minioUser(a),
      ]);
    },
    mustFail: [
      victimAttack("S3-001", "GetObject"),
      victimAttack("S3-002", "PutObject"),
      victimAttack("S3-004", "ListObjectsV2"),
    ],
    // What the victim's own policy allows on the victim's bucket, however it is sent.
    mayFail: checks("S3-001 S3-002 S3-003 S3-004 S3-005 S3-006 S3-015 S3-018 S3-021"),
    plan: (a, b) => [
      `update minio.policy.${minioPolicy(b)} (other_holders)`,
      `update minio.user.${minioUser(a)} (policies)`,
    ],
  });
});

Deno.test("minio probes: a victim bucket opened to anonymous reads is caught, shown and repaired", async () => {
  await faultIsCaughtShownAndRepaired("pfp", 13, {
    inject: async ({ endpoint }, _a, b) => {
      await mc(endpoint, ["anonymous", "set", "download", `bulkhead/${minioBucket(b)}`]);
    },
    mustFail: [
      { checkId: "S3-016", mode: "anonymous", operation: "GetObject" },
      { checkId: "S3-016", mode: "anonymous", operation: "ListObjectsV2" },
    ],
    // MinIO applies a bucket policy for "*" to unsigned requests only: tenants' signed
    // requests stay under their IAM policies.
    mayFail: checks("S3-016"),
    plan: (_a, b) => [`update minio.bucket.${minioBucket(b)} (bucket_policy)`],
  });
});

Deno.test("minio probes: a tenant policy without its self-service Deny is caught, shown and repaired", async () => {
  await faultIsCaughtShownAndRepaired("pfd", 14, {
    inject: ({ endpoint }, a) =>
      editTenantPolicy(endpoint, a, (statements) => statements.filter((x) => x.Effect !== "Deny")),
    mustFail: [
      { checkId: "S3-013", mode: "own", operation: "admin:add-service-account-for-self" },
      { checkId: "S3-014", mode: "own", operation: "admin:add-user-for-self" },
    ],
    mayFail: checks("S3-013 S3-014"),
    plan: (a) => [`update minio.policy.${minioPolicy(a)} (document)`],
  });
});

Deno.test("minio probes: a credential changed by hand fails the positive controls; nothing of that tenant passes", async () => {
  await withMinioTenants("pcr", 2, async ({ endpoint, store, secrets, ids: [a, b], ...f }) => {
    const tenants = [f.tenant(a), f.tenant(b)];
    await convergeStore(store, tenants, secrets);
    // The recorded secret stays what the probes use; the server now holds another.
    await mc(endpoint, ["admin", "user", "add", "bulkhead", minioUser(a), randomSecretKey()]);

    const run = await audit(endpoint, probeTenants(store, secrets, tenants), 15, 40);
    const control = run.failures.find((x) => x.property === "control");
    assert.ok(control, "the controls fail");
    assert.equal(control.tenant, a);
    assert.equal(control.outcome.kind, "error", "a wrong secret is an error, never a denial");
    assert.match(
      control.outcome.kind === "error" ? control.outcome.message : "",
      /SignatureDoesNotMatch/,
    );
    // Everything sent with A's keys (or credentials minted from them) is an error;
    // only unsigned requests, which use no keys, still pass.
    const ofA = run.rows.filter((r) =>
      r.tenant === a && !/^(anonymous|unsigned) /.test(r.operation)
    );
    assert.ok(ofA.length > 0);
    assert.deepEqual(
      ofA.filter((r) => r.result === "pass").map((r) => r.operation),
      [],
      "nothing passes",
    );
    assert.ok(ofA.every((r) => r.observed === "error"));
    assert.ok(run.rows.filter((r) => r.tenant === b).every((r) => r.result === "pass"));

    // The drift is the credential; apply sets the recorded one again and controls pass.
    assert.deepEqual(summary((await planStore(store, tenants, secrets)).changes), [
      `update minio.user.${minioUser(a)} (credential)`,
    ]);
    await convergeStore(store, tenants, secrets);
    assertClean(await audit(endpoint, probeTenants(store, secrets, tenants), 15, 40), "repaired");
  });
});
