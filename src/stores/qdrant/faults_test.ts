/**
 * The pure parts of the fault injections: each fault is what the contract forbids, plan
 * can see it (an over-broad token is `outdated`), and the suite's fixed check flags it
 * without ever printing the token.
 */
import assert from "node:assert/strict";
import {
  aliasShadowRequest,
  handEditedSecret,
  overBroadClaims,
  overBroadSecret,
} from "./faults.ts";
import { mintTenantToken, tokenClaims, tokenVerdict } from "./token.ts";
import { decodeJwtClaims, verifyJwt } from "./jwt.ts";
import { claimsOutcome } from "./outcome.ts";
import { resolveName } from "./resources.ts";

const KEY = "server-api-key-for-tests-0123456789";

Deno.test("faults: over-broad tokens keep the tenant's revocation record and widen only access", () => {
  const id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
  const contract = tokenClaims("acme", id);
  const noAccess = overBroadClaims("no-access", "acme", id);
  assert.ok(!("access" in noAccess));
  assert.deepEqual(noAccess.value_exists, contract.value_exists);
  assert.equal(overBroadClaims("global-read", "acme", id).access, "r");
  assert.deepEqual(overBroadClaims("foreign-collection", "acme", id, "bob").access, [
    { collection: "tenant_acme", access: "rw" },
    { collection: "tenant_bob", access: "r" },
  ]);
  assert.throws(() => overBroadClaims("foreign-collection", "acme", id));
});

Deno.test("faults: an over-broad token recorded for a tenant is drift for plan and a finding for QD-012", async () => {
  const secret = await mintTenantToken("acme", KEY);
  assert.equal(await tokenVerdict(secret, "acme", KEY), "contract");
  for (const kind of ["no-access", "global-read", "foreign-collection"] as const) {
    const broad = await overBroadSecret(kind, "acme", secret, KEY, "bob");
    assert.equal(broad.token_id, secret.token_id, "same registry record: the server accepts it");
    assert.ok(await verifyJwt(broad.api_key, KEY), "signed with the server key");
    assert.equal(await tokenVerdict(broad, "acme", KEY), "outdated", kind);
    const outcome = claimsOutcome(broad.api_key, "acme", broad.token_id);
    assert.equal(outcome.kind, "allowed", kind);
    assert.ok(!JSON.stringify(outcome).includes(broad.api_key));
  }
});

Deno.test("faults: a hand-edited credential has the contract's claims but not the server's signature", async () => {
  const secret = await mintTenantToken("acme", KEY);
  const edited = await handEditedSecret("acme", secret);
  assert.notEqual(edited.api_key, secret.api_key);
  assert.equal(await verifyJwt(edited.api_key, KEY), undefined, "the server refuses the signature");
  assert.deepEqual(decodeJwtClaims(edited.api_key), tokenClaims("acme", secret.token_id));
  // QD-012 reads claims only; it is the controls that must fail for this tenant.
  assert.equal(claimsOutcome(edited.api_key, "acme", edited.token_id).kind, "denied");
});

Deno.test("faults: the alias shadow renames an alias of the victim onto the attacker's collection name", () => {
  const request = aliasShadowRequest("alice", "bob");
  assert.deepEqual(request, {
    method: "POST",
    path: "/collections/aliases",
    body: {
      actions: [
        {
          create_alias: {
            collection_name: "tenant_bob",
            alias_name: "tenant_alice_bulkhead_fault",
          },
        },
        {
          rename_alias: {
            old_alias_name: "tenant_alice_bulkhead_fault",
            new_alias_name: "tenant_alice",
          },
        },
      ],
    },
  });
  // Once applied, the attacker's name resolves to the victim's collection.
  assert.equal(
    resolveName("tenant_alice", [{ alias: "tenant_alice", collection: "tenant_bob" }]),
    "tenant_bob",
  );
});
