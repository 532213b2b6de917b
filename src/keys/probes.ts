/**
 * The keys' conformance probes: one tenant's real identity against another tenant's
 * document and wrapped identity, the tenant's own document as a positive control, and
 * the exported files' permissions. The identities come from the registry through the
 * master identity, as `keys export` hands them to a tenant.
 */
import fc from "fast-check";
import { join } from "node:path";
import type { Registry } from "../registry/registry.ts";
import type { Attempt, Outcome, ProbeTenant, StoreProbe } from "../conformance/model.ts";
import type { MasterKeys } from "./master.ts";
import { decryptTenantDocument, TenantDocumentError } from "./document.ts";
import { exportTenantKeys, tenantIdentity } from "./tenant_keys.ts";
import { AgeDecryptError, decryptArmored, recipientOf } from "./age.ts";
import { parseSops } from "./sops.ts";

type KeysRequest =
  | { op: "open-document"; owner: string }
  | { op: "unwrap-identity"; owner: string }
  | { op: "export-permissions"; owner: string }
  | { op: "document-recipients"; owner: string };

export function openKeysProbe(registry: Registry, master: MasterKeys, actor: string): StoreProbe {
  const identities = new Map<string, Promise<string>>();
  const identityOf = (tenantId: string) => {
    if (!identities.has(tenantId)) {
      identities.set(tenantId, tenantIdentity(registry, master, tenantId).then((k) => k.identity));
    }
    return identities.get(tenantId)!;
  };
  const attempt = (
    checkId: string,
    request: KeysRequest,
    expect: Attempt["expect"],
    operation: string,
  ): Attempt => ({
    checkId,
    operation,
    expect,
    request,
  });

  async function run(a: Attempt, as: ProbeTenant): Promise<Outcome> {
    const request = a.request as KeysRequest;
    switch (request.op) {
      case "open-document": {
        const record = await registry.secretDocument(request.owner);
        if (!record) {
          return { kind: "error", message: `tenant ${request.owner} has no secrets document` };
        }
        try {
          await decryptTenantDocument(request.owner, record.document, [await identityOf(as.id)]);
          return { kind: "allowed", detail: "the document decrypted" };
        } catch (error) {
          if (error instanceof TenantDocumentError && error.kind === "no-key") {
            return {
              kind: "denied",
              code: "no-matching-identity",
              message: "no age entry of the document matches the identity",
            };
          }
          throw error;
        }
      }
      case "unwrap-identity": {
        const [current] = (await registry.keyHistory(request.owner)).sort((x, y) =>
          y.version - x.version
        );
        if (!current?.wrappedIdentity) {
          return { kind: "error", message: `tenant ${request.owner} has no wrapped identity` };
        }
        try {
          await decryptArmored(current.wrappedIdentity, [await identityOf(as.id)]);
          return { kind: "allowed", detail: "the wrapped identity decrypted" };
        } catch (error) {
          if (error instanceof AgeDecryptError && error.kind === "no-match") {
            return { kind: "denied", code: "no-matching-identity", message: error.message };
          }
          throw error;
        }
      }
      case "export-permissions": {
        const dir = await Deno.makeTempDir({ prefix: "bulkhead-keys-probe-" });
        try {
          await exportTenantKeys(registry, master, request.owner, dir, actor);
          const folder = (await Deno.stat(join(dir, request.owner))).mode! & 0o777;
          const key = (await Deno.stat(join(dir, request.owner, "key.age"))).mode! & 0o777;
          const open = (folder & 0o077) !== 0 || (key & 0o077) !== 0;
          const modes = `key.age ${key.toString(8)}, folder ${folder.toString(8)}`;
          return open
            ? { kind: "allowed", detail: modes }
            : { kind: "denied", code: "owner-only", message: modes };
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      }
      case "document-recipients": {
        const record = await registry.secretDocument(request.owner);
        if (!record) {
          return { kind: "error", message: `tenant ${request.owner} has no secrets document` };
        }
        const own = await recipientOf(await identityOf(request.owner));
        const allowed = new Set([own, ...master.recipients]);
        const foreign = parseSops(record.document).metadata.age.map((e) => e.recipient).filter((
          r,
        ) => !allowed.has(r));
        return foreign.length > 0
          ? {
            kind: "allowed",
            detail: `${foreign.length} foreign recipient(s): ${foreign.join(", ")}`,
          }
          : {
            kind: "denied",
            code: "tenant-and-masters-only",
            message: "recipients: the tenant's and the master recipients",
          };
      }
    }
  }

  return {
    area: "keys",
    attacks: (attacker, victim) =>
      fc.constantFrom(
        attempt(
          "KEY-001",
          { op: "open-document", owner: victim.id },
          "denied",
          `open ${victim.id}'s secrets document with ${attacker.id}'s identity`,
        ),
        attempt(
          "KEY-002",
          { op: "unwrap-identity", owner: victim.id },
          "denied",
          `unwrap ${victim.id}'s identity with ${attacker.id}'s identity`,
        ),
      ),
    controls: (tenant) =>
      fc.constant(
        attempt(
          "KEY-C01",
          { op: "open-document", owner: tenant.id },
          "allowed",
          `open ${tenant.id}'s own secrets document`,
        ),
      ),
    fixed: (tenants) =>
      tenants.flatMap((t) => [
        {
          as: t.id,
          attempt: attempt(
            "KEY-003",
            { op: "export-permissions", owner: t.id },
            "denied",
            `export ${t.id}'s keys: others may read key.age`,
          ),
        },
        {
          as: t.id,
          attempt: attempt(
            "KEY-004",
            { op: "document-recipients", owner: t.id },
            "denied",
            `${t.id}'s document wrapped to a foreign recipient`,
          ),
        },
      ]),
    run,
    close: () => Promise.resolve(),
  };
}
