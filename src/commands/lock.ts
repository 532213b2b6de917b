/** `bulkhead force-unlock`: breaks the apply lock of a holder that is gone for good. */
import { withRegistry } from "../registry/registry.ts";
import { actorName } from "../keys/mod.ts";
import { formatTime, print } from "../output.ts";
import { type Command, EXIT } from "./command.ts";

export const forceUnlockCommand: Command = {
  name: "force-unlock",
  summary: "Break the apply lock (ends the holder's registry session); audited",
  usage: "bulkhead force-unlock",
  description:
    "An apply that dies loses the lock by itself as soon as PostgreSQL notices its closed\n" +
    "connection. Use this only when the holder hangs or its host vanished without closing\n" +
    "the connection: it ends the holder's registry session, removes the lock record and\n" +
    "records who did it on the `bulkhead` audit chain.",
  options: {},
  maxPositionals: 0,
  examples: ["bulkhead force-unlock"],
  exitCodes: ["0 unlocked, or no lock was held", "2 could not run"],
  async run() {
    return await withRegistry(async (registry) => {
      const status = await registry.applyLockStatus();
      if (status) {
        print(
          `apply lock: held by ${status.holder} since ${
            formatTime(status.since)
          } for "${status.purpose}"${status.stale ? " (stale: its session is gone)" : ""}`,
        );
      }
      const broken = await registry.forceUnlock(actorName());
      print(broken ? `unlocked (was held by ${broken.holder})` : "the apply lock is not held");
      return EXIT.ok;
    });
  },
};
