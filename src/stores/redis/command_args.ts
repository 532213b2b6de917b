/**
 * Argument vectors for any command of the server's table with chosen keys in exactly
 * the positions its key specs name, so that the keys the server checks against a user's
 * key patterns are the keys a probe meant to send. Key positions are counted as the
 * server counts them: argv[0] is the command name.
 */
import type { CommandSpec, KeySpec } from "./command_table.ts";

/** One key spec the server can follow, and how many keys it takes. */
export interface KeySlot {
  /** Index into the command's key specs. */
  spec: number;
  /** Found from a fixed position (always present) or after a keyword (optional). */
  begin: "index" | "keyword";
  /** How many keys the slot takes: a fixed number, or one or more. */
  count: number | "many";
  /** The spec writes or deletes (RW, OW, RM), rather than only reading (RO). */
  writes: boolean;
}

function complete(spec: KeySpec): boolean {
  return spec.beginSearch.type !== "unknown" && spec.findKeys.type !== "unknown" &&
    !spec.flags.includes("not_key");
}

/** The key slots of a command, in key-spec order; specs the server cannot follow are left out. */
export function keySlots(command: CommandSpec): KeySlot[] {
  return command.keySpecs.flatMap((spec, index): KeySlot[] => {
    if (!complete(spec)) return [];
    const find = spec.findKeys;
    const count = find.type === "keynum"
      ? "many"
      : find.type === "range" && find.lastkey < 0
      ? "many"
      : find.type === "range"
      ? find.lastkey + 1
      : 1;
    return [{
      spec: index,
      begin: spec.beginSearch.type === "keyword" ? "keyword" : "index",
      count,
      writes: spec.flags.some((f) => f === "RW" || f === "OW" || f === "RM"),
    }];
  });
}

/** How many keys a command can take at most through its slots (Infinity for variadic ones). */
export function keyCapacity(slots: readonly KeySlot[]): number {
  return slots.reduce((n, s) => n + (s.count === "many" ? Infinity : s.count), 0);
}

export function commandHead(command: CommandSpec): string[] {
  return command.subcommand === undefined
    ? [command.name.toUpperCase()]
    : [command.name.toUpperCase(), command.subcommand.toUpperCase()];
}

/**
 * The argument vector of `command` with `keys[i]` in slot i of `keySlots(command)`:
 * a fixed-count slot repeats its keys to fill its count, a variadic slot takes them all,
 * a keyword slot is written (keyword, keys) only when given keys. Every other argument
 * is `filler`, up to the command's arity.
 */
export function commandArgv(
  command: CommandSpec,
  keys: readonly (readonly string[])[],
  filler = "0",
): string[] {
  const slots = keySlots(command);
  const argv = commandHead(command);
  const set = (position: number, value: string) => {
    while (argv.length < position) argv.push(filler);
    argv[position] = value;
  };
  const fill = (length: number) => {
    while (argv.length < length) argv.push(filler);
  };
  const arity = Math.abs(command.arity);
  const indexed = slots.map((slot, i) => ({ slot, keys: keys[i] ?? [] }))
    .filter(({ slot }) => slot.begin === "index")
    .sort((a, b) => beginIndex(command, a.slot) - beginIndex(command, b.slot));
  let trailing = 0;
  for (const { slot, keys: given } of indexed) {
    if (given.length === 0) throw new Error(`${command.id}: key slot ${slot.spec} needs a key`);
    const spec = command.keySpecs[slot.spec];
    const begin = beginIndex(command, slot);
    const find = spec.findKeys;
    if (find.type === "keynum") {
      set(begin + find.keynumidx, String(given.length));
      given.forEach((key, i) => set(begin + find.firstkey + i * find.keystep, key));
    } else if (find.type === "range") {
      const count = slot.count === "many" ? given.length : slot.count;
      for (let i = 0; i < count; i++) set(begin + i * find.keystep, given[i % given.length]);
      // lastkey -2: the last key is followed by one more argument (BLPOP … timeout);
      // keystep 2: each key by its value (MSET).
      if (find.lastkey < 0) trailing = -find.lastkey - 1 + find.keystep - 1;
    }
  }
  for (let i = 0; i < trailing; i++) argv.push(filler);
  const keywords = slots.map((slot, i) => ({ slot, keys: keys[i] ?? [] }))
    .filter(({ slot, keys }) => slot.begin === "keyword" && keys.length > 0);
  if (indexed.length > 0 || keywords.length === 0) fill(arity);
  for (const { slot, keys: given } of keywords) {
    const spec = command.keySpecs[slot.spec];
    if (spec.beginSearch.type !== "keyword" || spec.findKeys.type !== "range") continue;
    fill(Math.max(spec.beginSearch.startfrom, 0));
    const pairs = spec.findKeys.limit === 2;
    const taken = slot.count === "many" ? given : given.slice(0, slot.count);
    argv.push(spec.beginSearch.keyword, ...taken, ...(pairs ? taken.map(() => "0") : []));
  }
  fill(arity);
  return argv;
}

function beginIndex(command: CommandSpec, slot: KeySlot): number {
  const begin = command.keySpecs[slot.spec].beginSearch;
  return begin.type === "index" ? begin.index : Infinity;
}

/** An argument as text for reports: printable ASCII as is, other bytes as `\xNN`, quoted when needed. */
export function renderArgument(arg: string): string {
  let text = "";
  for (const ch of arg) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === "\\") text += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) text += ch;
    else text += `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return text === "" || /[\s"'\\]/.test(text) || text !== arg ? `"${text}"` : text;
}

export function renderArgv(argv: readonly string[]): string {
  return argv.map(renderArgument).join(" ");
}
