/** fast-check arbitraries for tenant ids and tenant files, shared by tests. */
import fc from "fast-check";
import { TENANT_ID_MAX_LENGTH, tenantIdProblem } from "./id.ts";

const letters = "abcdefghijklmnopqrstuvwxyz";
const alnum = letters + "0123456789";

/** Any valid tenant id, including ones at the maximum length. */
export const tenantIdArbitrary: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom(...letters),
  fc.array(
    fc.tuple(fc.boolean(), fc.constantFrom(...alnum)).map(([hyphen, ch]) =>
      (hyphen ? "-" : "") + ch
    ),
    { minLength: 1, maxLength: TENANT_ID_MAX_LENGTH },
  ),
).map(([first, rest]) => (first + rest.join("")).slice(0, TENANT_ID_MAX_LENGTH).replace(/-+$/, ""))
  .filter((id) => tenantIdProblem(id) === undefined);

/** Pairs of different valid ids, biased towards look-alikes (a, a-b, a0, ab). */
export const distinctTenantIdPair: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(tenantIdArbitrary, tenantIdArbitrary),
  tenantIdArbitrary.chain((id) =>
    fc.constantFrom(`${id}-x`, `${id}x`, `${id}0`, id.replace("-", ""), `${id.slice(0, -1)}`)
      .filter((other) => other !== id && tenantIdProblem(other) === undefined)
      .map((other) => [id, other] as [string, string])
  ),
).filter(([a, b]) => a !== b);
