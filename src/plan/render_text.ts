/**
 * The plan for people, in the Terraform manner: `+` create, `~` update, `-` delete,
 * `-/+` replace, each with its address, reason and the before → after of what changes;
 * counts at the end. Values marked sensitive print as (sensitive).
 */
import type { AttributeValue, Change } from "../stores/store.ts";
import { type Colour, paint } from "../output.ts";
import { SENSITIVE } from "./diff.ts";
import { countChanges, type Plan } from "./model.ts";

const SYMBOL = { create: "+", update: "~", delete: "-", replace: "-/+" } as const;
const COLOUR: Record<Change["action"], Colour> = {
  create: "green",
  update: "yellow",
  delete: "red",
  replace: "magenta",
};
const VERB = {
  create: "will be created",
  update: "will be updated in place",
  delete: "will be destroyed",
  replace: "must be replaced",
} as const;

/** Leaves of a value by dotted path; arrays of scalars stay whole (shown as sets). */
export function flatten(value: AttributeValue, path = ""): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  const scalarArray = Array.isArray(value) &&
    value.every((v) => v === null || typeof v !== "object");
  if (value !== null && typeof value === "object" && !scalarArray) {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`[${i}]`, v] as const)
      : Object.entries(value);
    if (entries.length === 0) out.set(path, value);
    for (const [key, v] of entries) {
      const child = Array.isArray(value) ? `${path}${key}` : path ? `${path}.${key}` : key;
      for (const [p, leaf] of flatten(v, child)) out.set(p, leaf);
    }
  } else {
    out.set(path, value);
  }
  return out;
}

export function formatValue(value: AttributeValue | undefined, maxItems = 8): string {
  if (value === undefined) return "(none)";
  if (value === SENSITIVE) return SENSITIVE;
  if (Array.isArray(value)) {
    if (value.length > maxItems) return `[${value.length} items]`;
    return `[${value.map((v) => formatValue(v)).join(", ")}]`;
  }
  if (value !== null && typeof value === "object") {
    const text = JSON.stringify(value);
    return text.length > 120 ? `{…} (${Object.keys(value).length} keys)` : text;
  }
  return JSON.stringify(value);
}

function arrayDelta(before: AttributeValue[], after: AttributeValue[]): string {
  const b = new Set(before.map((v) => JSON.stringify(v)));
  const a = new Set(after.map((v) => JSON.stringify(v)));
  const added = [...a].filter((v) => !b.has(v)).map((v) => `+${JSON.parse(v)}`);
  const removed = [...b].filter((v) => !a.has(v)).map((v) => `-${JSON.parse(v)}`);
  if (added.length + removed.length === 0) return "(order only)";
  return [...removed, ...added].join(" ");
}

function attributeLines(change: Change, colour: boolean): string[] {
  const lines: string[] = [];
  const pad = "      ";
  if (change.action === "create") {
    for (const [key, value] of Object.entries(change.after ?? {})) {
      lines.push(`${pad}${paint("+", "green", colour)} ${key}: ${formatValue(value)}`);
    }
    return lines;
  }
  if (change.action === "delete") return lines;
  for (const key of change.changedAttributes) {
    const before = change.before?.[key];
    const after = change.after?.[key];
    const forces = change.action === "replace"
      ? paint("  # forces replacement", "gray", colour)
      : "";
    if (change.sensitive.includes(key)) {
      lines.push(`${pad}${paint("~", "yellow", colour)} ${key}: ${SENSITIVE}${forces}`);
      continue;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
      lines.push(
        `${pad}${paint("~", "yellow", colour)} ${key}: ${arrayDelta(before, after)}${forces}`,
      );
      continue;
    }
    const b = flatten(before ?? null, key);
    const a = flatten(after ?? null, key);
    for (const path of new Set([...b.keys(), ...a.keys()])) {
      const bv = b.get(path);
      const av = a.get(path);
      if (JSON.stringify(bv) === JSON.stringify(av)) continue;
      const shown = Array.isArray(bv) && Array.isArray(av)
        ? arrayDelta(bv, av)
        : `${formatValue(bv)} → ${formatValue(av)}`;
      lines.push(`${pad}${paint("~", "yellow", colour)} ${path}: ${shown}${forces}`);
    }
  }
  return lines;
}

export function renderChange(change: Change, colour: boolean): string {
  const symbol = paint(SYMBOL[change.action].padStart(3), COLOUR[change.action], colour);
  const header = paint(
    `  # ${change.address} ${VERB[change.action]} (${change.reason})`,
    "bold",
    colour,
  );
  return [header, `${symbol} ${change.address}`, ...attributeLines(change, colour)].join("\n");
}

export function renderPlanText(plan: Plan, colour: boolean): string {
  const out: string[] = [];
  const storeWidth = Math.max(...plan.stores.map((s) => s.store.length), 6);
  out.push("Stores:");
  for (const s of plan.stores) {
    const state = s.status === "verified"
      ? paint("verified", "green", colour) +
        (s.roundTrips !== undefined
          ? ` (${s.roundTrips} round trip${s.roundTrips === 1 ? "" : "s"})`
          : "")
      : paint(s.status === "not_verified" ? "not verified" : "not configured", "yellow", colour) +
        (s.reason ? `: ${s.reason}` : "");
    out.push(`  ${s.store.padEnd(storeWidth)}  ${state}`);
    for (const note of s.notes) {
      out.push(`  ${"".padEnd(storeWidth)}  ${paint("note:", "gray", colour)} ${note}`);
    }
  }
  out.push("");
  if (plan.changes.length === 0) {
    out.push(paint("No changes.", "green", colour) + " The stores match the tenant files.");
  } else {
    out.push("Bulkhead will perform the following actions:", "");
    let tenant: string | undefined = "\0";
    for (const change of plan.changes) {
      if (change.tenant !== tenant) {
        tenant = change.tenant;
        out.push(
          paint(tenant === undefined ? "  ## shared" : `  ## tenant ${tenant}`, "cyan", colour),
          "",
        );
      }
      out.push(renderChange(change, colour), "");
    }
  }
  if (plan.withheld.length > 0) {
    out.push("", "Kept back (not applied):");
    for (const w of plan.withheld) {
      out.push(`  ${paint("!", "yellow", colour)} ${w.address}: ${w.reason}`);
    }
  }
  if (plan.notes.length > 0) {
    out.push("", "Notes:");
    for (const n of plan.notes) out.push(`  ${n.tenant}: ${n.note}`);
  }
  if (plan.refusals.length > 0) {
    out.push("", paint("This plan cannot be applied:", "red", colour));
    for (const r of plan.refusals) out.push(`  ${paint("✗", "red", colour)} ${r}`);
  }
  const c = countChanges(plan.changes);
  while (out.at(-1) === "") out.pop();
  out.push(
    "",
    paint("Plan:", "bold", colour) +
      ` ${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to destroy` +
      (plan.withheld.length > 0 ? `; ${plan.withheld.length} kept back` : "") + ".",
  );
  return out.join("\n") + "\n";
}
