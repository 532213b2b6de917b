/**
 * What apply prints while it works: one line per change when output is not a terminal
 * (CI logs); on a terminal the same lines plus a status line that is rewritten in place.
 */
import type { Change } from "../stores/store.ts";
import { paint } from "../output.ts";

export interface Progress {
  started(total: number): void;
  changeDone(change: Change, ms: number): void;
  changeFailed(change: Change, message: string): void;
  changeSkipped(change: Change, why: string): void;
  finished(): void;
}

const PAST = {
  create: "created",
  update: "updated",
  delete: "destroyed",
  replace: "replaced",
} as const;

export function lineProgress(
  write: (text: string) => void,
  options: { tty: boolean; colour: boolean },
): Progress {
  let total = 0;
  let done = 0;
  const status = () => {
    if (options.tty) {
      write(`\r\x1b[2K${paint(`[${done}/${total}] applying…`, "gray", options.colour)}`);
    }
  };
  const line = (text: string) => {
    if (options.tty) write("\r\x1b[2K");
    write(text + "\n");
    status();
  };
  const who = (c: Change) => (c.tenant ? `${c.tenant}: ` : "shared: ");
  return {
    started(n) {
      total = n;
      status();
    },
    changeDone(c, ms) {
      done++;
      line(
        `${who(c)}${c.address}: ${paint(PAST[c.action], "green", options.colour)} (${
          (ms / 1000).toFixed(2)
        }s)`,
      );
    },
    changeFailed(c, message) {
      done++;
      line(
        `${who(c)}${c.address}: ${paint(`${c.action} failed`, "red", options.colour)}: ${message}`,
      );
    },
    changeSkipped(c, why) {
      done++;
      line(`${who(c)}${c.address}: ${paint("skipped", "yellow", options.colour)} (${why})`);
    },
    finished() {
      if (options.tty) write("\r\x1b[2K");
    },
  };
}
