import assert from "node:assert/strict";
import { MINIO_CONTRACT_PATH, renderMinioContractFile } from "./contract_gen.ts";
import {
  MINIO_CHECKS,
  MINIO_LIFECYCLE_CHECKS,
  MINIO_RESIDUAL_LEAKS,
  minioContract,
} from "./contract.ts";
import { STORE_REGISTRATIONS } from "../registry.ts";

Deno.test("minio contract: ids are unique, well-formed and never reused between checks and leaks", () => {
  const ids = [...MINIO_CHECKS, ...MINIO_LIFECYCLE_CHECKS, ...MINIO_RESIDUAL_LEAKS].map((c) =>
    c.id
  );
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(
    [...MINIO_CHECKS, ...MINIO_LIFECYCLE_CHECKS].every((c) => /^S3-(\d{3}|P\d{2})$/.test(c.id)),
  );
  assert.ok(MINIO_RESIDUAL_LEAKS.every((l) => /^S3-R\d{2}$/.test(l.id)));
  assert.deepEqual(
    MINIO_CHECKS.filter((c) => c.kind === "control").map((c) => c.id),
    ["S3-P01"],
  );
  assert.ok(MINIO_CHECKS.every((c) => c.title && c.attempt && c.expected));
});

Deno.test("minio contract: registered for conformance with its probes", () => {
  const minio = STORE_REGISTRATIONS.find((r) => r.name === "minio")!;
  assert.equal(minio.contract, minioContract);
  assert.equal(typeof minio.openProbe, "function");
  assert.equal(minioContract.details, "spec/contract/minio.md");
});

Deno.test("minio contract: spec/contract/minio.md is what the contract renders (run contract_gen.ts if not)", async () => {
  const committed = await Deno.readTextFile(MINIO_CONTRACT_PATH);
  assert.equal(
    committed,
    await renderMinioContractFile(),
    "stale: run src/stores/minio/contract_gen.ts",
  );
  for (const c of [...MINIO_CHECKS, ...MINIO_LIFECYCLE_CHECKS, ...MINIO_RESIDUAL_LEAKS]) {
    assert.ok(committed.includes(`| ${c.id} `), `${c.id} missing from the document`);
  }
});
