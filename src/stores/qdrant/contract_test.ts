import assert from "node:assert/strict";
import {
  QDRANT_CHECKS,
  QDRANT_LIFECYCLE,
  QDRANT_RESIDUAL_LEAKS,
  qdrantContract,
} from "./contract.ts";
import { applyBlocks, QDRANT_CONTRACT_PATH, renderContractDocument } from "./contract_gen.ts";
import { STORE_REGISTRATIONS } from "../registry.ts";

const committed = await Deno.readTextFile(QDRANT_CONTRACT_PATH);

Deno.test("qdrant contract: ids are stable in form, unique, and every check says what passes", () => {
  const ids = [...QDRANT_CHECKS, ...QDRANT_LIFECYCLE, ...QDRANT_RESIDUAL_LEAKS].map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of QDRANT_CHECKS) {
    const control = c.kind === "control";
    assert.match(c.id, control ? /^QD-C\d{2}$/ : /^QD-\d{3}$/, c.id);
    assert.ok(c.title && c.attempt && c.expected, c.id);
    if (control) assert.match(c.expected, /^HTTP 2xx/);
  }
  assert.ok(
    QDRANT_LIFECYCLE.every((g) => /^QD-L\d{2}$/.test(g.id) && g.provenBy.includes("_test.ts")),
  );
  assert.ok(QDRANT_RESIDUAL_LEAKS.every((l) => /^QD-R\d{2}$/.test(l.id)));
  assert.equal(qdrantContract.area, "qdrant");
  assert.equal(qdrantContract.checks, QDRANT_CHECKS);
  assert.equal(qdrantContract.residualLeaks, QDRANT_RESIDUAL_LEAKS);
});

Deno.test("qdrant contract: the store's registration carries the contract and the probe", () => {
  const qdrant = STORE_REGISTRATIONS.find((r) => r.name === "qdrant")!;
  assert.equal(qdrant.contract, qdrantContract);
  assert.equal(qdrant.openProbe?.({}), undefined, "no probe without a configured Qdrant");
});

Deno.test("qdrant contract: spec/contract/qdrant.md carries the tables the data renders (run contract_gen.ts if not)", async () => {
  assert.equal(
    committed,
    await renderContractDocument(committed),
    "spec/contract/qdrant.md is stale: deno run -A src/stores/qdrant/contract_gen.ts",
  );
  for (
    const id of [...QDRANT_CHECKS, ...QDRANT_LIFECYCLE, ...QDRANT_RESIDUAL_LEAKS].map((c) => c.id)
  ) {
    assert.ok(committed.includes(`| ${id} `), `${id} missing from the document`);
  }
});

Deno.test("qdrant contract: a missing generated block is an error, not a silent skip", () => {
  assert.throws(
    () => applyBlocks("# nothing here", { checks: "x" }),
    /no <!-- generated:checks -->/,
  );
  assert.equal(
    applyBlocks("a <!-- generated:x -->old<!-- /generated:x --> b", { x: "new" }),
    "a <!-- generated:x -->\n\nnew\n\n<!-- /generated:x --> b",
  );
});
