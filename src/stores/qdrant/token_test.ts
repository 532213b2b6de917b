import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeJwtClaims, signJwt } from "./jwt.ts";
import {
  mintTenantToken,
  observeTokens,
  TOKEN_REGISTRY,
  tokenClaims,
  tokenRecord,
  tokenVerdict,
} from "./token.ts";
import { distinctTenantIdPair, tenantIdArbitrary } from "../../tenant/testing.ts";
import { qdrantCollection } from "../../tenant/names.ts";
import type { TokenRecord } from "./parse.ts";

const KEY = "server-api-key-0123456789abcdef";
const TOKEN_ID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";

Deno.test("token: claims grant rw on the tenant's collection only, valid only while its record exists", () => {
  assert.deepEqual(tokenClaims("umbrella-labs", TOKEN_ID), {
    access: [{ collection: "tenant_umbrella_labs", access: "rw" }],
    value_exists: {
      collection: "bulkhead_tokens",
      matches: [
        { key: "token_id", value: TOKEN_ID },
        { key: "tenant", value: "umbrella-labs" },
      ],
    },
    subject: "bulkhead:umbrella-labs",
  });
  // No exp: the token lives until its record is deleted (see token.ts).
  assert.equal("exp" in tokenClaims("acme", TOKEN_ID), false);
});

Deno.test("token: for any two tenants, a token names its own collection and never the other's", () => {
  fc.assert(fc.property(distinctTenantIdPair, fc.uuid(), ([a, b], id) => {
    const claims = tokenClaims(a, id) as { access: { collection: string; access: string }[] };
    // A token without `access` would have full manage rights on the server.
    assert.ok(Array.isArray(claims.access) && claims.access.length === 1);
    assert.equal(claims.access[0].collection, qdrantCollection(a));
    assert.notEqual(claims.access[0].collection, qdrantCollection(b));
    assert.ok(!JSON.stringify(claims).includes(`"${qdrantCollection(b)}"`));
  }));
});

Deno.test("token: minting gives a random UUID token id and a JWT with exactly the contract's claims", async () => {
  const first = await mintTenantToken("acme", KEY);
  const second = await mintTenantToken("acme", KEY);
  assert.deepEqual(Object.keys(first).sort(), ["api_key", "token_id"]);
  assert.match(
    first.token_id,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.notEqual(first.token_id, second.token_id);
  assert.notEqual(first.api_key, second.api_key);
  assert.match(first.api_key, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(decodeJwtClaims(first.api_key), tokenClaims("acme", first.token_id));
  assert.equal(await tokenVerdict(first, "acme", KEY), "contract");
});

Deno.test("token: verdict is outdated for another key, another tenant, other claims or a broken secret", async () => {
  const token = await mintTenantToken("acme", KEY);
  assert.equal(await tokenVerdict(token, "acme", "rotated-server-key"), "outdated");
  assert.equal(await tokenVerdict(token, "globex", KEY), "outdated");
  const wider = await signJwt(
    {
      ...tokenClaims("acme", token.token_id),
      access: [{ collection: "tenant_acme", access: "rw" }, {
        collection: "tenant_globex",
        access: "r",
      }],
    },
    KEY,
  );
  assert.equal(await tokenVerdict({ ...token, api_key: wider }, "acme", KEY), "outdated");
  const expiring = await signJwt({ ...tokenClaims("acme", token.token_id), exp: 4102444800 }, KEY);
  assert.equal(await tokenVerdict({ ...token, api_key: expiring }, "acme", KEY), "outdated");
  const otherId = await signJwt(tokenClaims("acme", TOKEN_ID), KEY);
  assert.equal(await tokenVerdict({ ...token, api_key: otherId }, "acme", KEY), "outdated");
  assert.equal(
    await tokenVerdict({ token_id: "not-a-uuid", api_key: token.api_key }, "acme", KEY),
    "outdated",
  );
  assert.equal(await tokenVerdict({ token_id: token.token_id } as never, "acme", KEY), "outdated");
});

Deno.test("token: a registry record carries what value_exists matches and no vector", () => {
  const record = tokenRecord("acme", TOKEN_ID, new Date("2026-01-02T03:04:05Z"));
  assert.deepEqual(record, {
    id: TOKEN_ID,
    vector: {},
    payload: {
      token_id: TOKEN_ID,
      tenant: "acme",
      collection: "tenant_acme",
      issued_at: "2026-01-02T03:04:05.000Z",
    },
  });
  const matches =
    (tokenClaims("acme", TOKEN_ID).value_exists as { matches: { key: string; value: string }[] })
      .matches;
  for (const { key, value } of matches) {
    assert.equal((record.payload as Record<string, string>)[key], value, key);
  }
  assert.equal(
    (tokenClaims("acme", TOKEN_ID).value_exists as { collection: string }).collection,
    TOKEN_REGISTRY,
  );
});

const record = (id: string, tenants: string[], tokenIds = [id]): TokenRecord => ({
  id,
  tokenIds,
  tenants,
});

Deno.test("token: observation counts a tenant's records and checks the recorded one", async () => {
  const acme = await mintTenantToken("acme", KEY);
  const globex = await mintTenantToken("globex", KEY);
  const records = [
    record(acme.token_id, ["acme"]),
    record("00000000-0000-4000-8000-000000000001", ["acme"]),
    record("00000000-0000-4000-8000-000000000002", ["globex"]),
  ];
  const secrets = new Map([["acme", acme], ["globex", globex]]);
  const view = await observeTokens(records, secrets, true, KEY);
  assert.deepEqual(view.byTenant.get("acme"), {
    liveTokens: 2,
    credential: "recorded",
    tokenClaims: "contract",
  });
  assert.deepEqual(view.byTenant.get("globex"), {
    liveTokens: 1,
    credential: "unrecorded",
    tokenClaims: "contract",
  });
  assert.equal(view.stray, 0);

  const withoutSecrets = await observeTokens(records, new Map(), false, KEY);
  assert.deepEqual(withoutSecrets.byTenant.get("acme"), { liveTokens: 2 });

  const noneRecorded = await observeTokens(records, new Map(), true, KEY);
  assert.deepEqual(noneRecorded.byTenant.get("acme"), { liveTokens: 2, credential: "unrecorded" });

  const noKey = await observeTokens(records, secrets, true, undefined);
  assert.equal(noKey.byTenant.get("acme")?.tokenClaims, "outdated");
});

Deno.test("token: list payloads count for each tenant they match; invalid tenants are stray", async () => {
  const view = await observeTokens(
    [
      record("a", ["acme", "globex", "acme"]),
      record("b", ["Not A Tenant"]),
      record("c", []),
      record("d", ["admin"]),
    ],
    new Map(),
    false,
    KEY,
  );
  assert.deepEqual([...view.byTenant.keys()], ["acme", "globex"]);
  assert.equal(view.byTenant.get("acme")?.liveTokens, 1);
  assert.equal(view.stray, 3);
});

Deno.test("token: a record for another tenant never makes a tenant's credential recorded", async () => {
  await fc.assert(
    fc.asyncProperty(distinctTenantIdPair, async ([a, b]) => {
      const secret = await mintTenantToken(a, KEY);
      const view = await observeTokens(
        [record(secret.token_id, [b])],
        new Map([[a, secret]]),
        true,
        KEY,
      );
      assert.equal(view.byTenant.has(a), false);
      assert.equal(view.byTenant.get(b)?.credential, "unrecorded");
    }),
    { numRuns: 25 },
  );
});

Deno.test("token: observation keeps tenants in a fixed order", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(tenantIdArbitrary, { maxLength: 8 }), async (ids) => {
      const view = await observeTokens(ids.map((id) => record(id, [id])), new Map(), false, KEY);
      assert.deepEqual([...view.byTenant.keys()], [...ids].sort((x, y) => x.localeCompare(y)));
    }),
    { numRuns: 25 },
  );
});
