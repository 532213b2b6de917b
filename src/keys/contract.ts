/** The keys' part of the isolation contract: what one tenant's key can open. */
import type { AreaContract } from "../conformance/model.ts";

export const keysContract: AreaContract = {
  area: "keys",
  summary:
    "Each tenant's age identity opens that tenant's SOPS document and nothing else: documents are wrapped to the tenant's recipient and the master recipients only, and tenant identities are wrapped to the master recipients only. Exported identity files are readable by their owner alone.",
  checks: [
    {
      id: "KEY-001",
      severity: "critical",
      title: "Open another tenant's secrets document",
      attempt:
        "Decrypt the victim's SOPS document (from the registry) with the attacker's age identity",
      expected:
        "Refused: no age entry of the document matches the identity (the data key stays sealed)",
    },
    {
      id: "KEY-002",
      severity: "critical",
      title: "Unwrap another tenant's identity",
      attempt:
        "Decrypt the victim's wrapped identity (from the registry) with the attacker's age identity",
      expected: "Refused: the identity is wrapped to the master recipients only",
    },
    {
      id: "KEY-003",
      severity: "high",
      title: "Exported identity readable by others",
      attempt: "`keys export` a tenant's keys, then check key.age's and the folder's permissions",
      expected: "key.age has mode 600 and its folder 700: no group or other access",
    },
    {
      id: "KEY-004",
      severity: "high",
      title: "Document wrapped to a foreign recipient",
      attempt: "Read the age recipients of each tenant's SOPS document",
      expected: "Only the tenant's current recipient and the master recipients",
    },
    {
      id: "KEY-C01",
      severity: "high",
      title: "A tenant's identity opens its own document",
      attempt: "Decrypt the tenant's own SOPS document with its own identity",
      expected: "Allowed: the document decrypts and names the tenant (a positive control)",
      kind: "control",
    },
  ],
  residualLeaks: [
    {
      id: "KEY-R01",
      severity: "medium",
      title: "The master identity opens everything",
      detail:
        "Every document and identity is also wrapped to the master recipients, for recovery and for CI. Whoever holds the master identity (operators, the CI secret) can open every tenant's secrets; protect it accordingly (an HSM-backed age plugin in production).",
    },
    {
      id: "KEY-R02",
      severity: "low",
      title: "Exported copies are outside Bulkhead's reach",
      detail:
        "Files written by `keys export` are the operator's to protect and delete; a purge destroys the registry's copies only.",
    },
  ],
};
