import { ConfigError, STORE_ENV, storeEndpointsFromEnv } from "../config.ts";
import { loadTenants } from "../tenant/load.ts";
import type { StoreName } from "../tenant/model.ts";
import { serverReady } from "../stores/inspect.ts";
import { STORE_REGISTRATIONS } from "../stores/registry.ts";
import { paint, print, printError } from "../output.ts";
import { type Command, EXIT, TENANTS_DIR_OPTION, tenantsDir } from "./command.ts";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "Connect to every configured store with the admin credentials and check it",
  usage: "bulkhead doctor [--tenants-dir DIR]",
  description:
    "Connects to each store named by the BULKHEAD_* environment (see `bulkhead sandbox env`),\n" +
    "prints its version and whether what Bulkhead needs is there. A store that the tenants in\n" +
    "DIR use but that is not configured is an error; Qdrant not configured is 'not verified'.",
  options: {
    ...TENANTS_DIR_OPTION,
  },
  maxPositionals: 0,
  examples: ['eval "$(bulkhead sandbox env)" && bulkhead doctor'],
  exitCodes: [
    "0 every needed store is reachable and fit",
    "2 a store is unreachable, refuses the credentials or lacks a capability",
  ],
  async run({ values }) {
    let endpoints;
    try {
      endpoints = storeEndpointsFromEnv();
    } catch (error) {
      if (error instanceof ConfigError) {
        printError(`doctor: ${error.message}`);
        return EXIT.cannotRun;
      }
      throw error;
    }
    const { tenants } = await loadTenants(tenantsDir(values));
    const needed = new Set<StoreName>(tenants.flatMap((t) => Object.keys(t.stores) as StoreName[]));
    const reports = new Map(
      STORE_REGISTRATIONS.map((r) => [r.name, r.inspect(endpoints)] as const),
    );
    let failed = false;
    for (const { name: store, optional } of STORE_REGISTRATIONS) {
      const report = await reports.get(store);
      if (!report) {
        if (optional) {
          print(
            `${store.padEnd(8)} ${paint("not verified", "yellow")}  not available: ${
              STORE_ENV[store]
            } is not set`,
          );
        } else if (needed.has(store)) {
          failed = true;
          print(
            `${store.padEnd(8)} ${paint("error", "red")}  not configured: set ${
              STORE_ENV[store]
            } (tenants use ${store})`,
          );
        } else {
          print(
            `${store.padEnd(8)} ${paint("skipped", "gray")}  not configured (${
              STORE_ENV[store]
            }); no tenant uses it`,
          );
        }
        continue;
      }
      if (report.error || !serverReady(report)) failed = true;
      if (report.error) {
        print(`${store.padEnd(8)} ${paint("error", "red")}  ${report.error}`);
        continue;
      }
      const ok = serverReady(report);
      print(
        `${store.padEnd(8)} ${
          paint(ok ? "ok" : "error", ok ? "green" : "red")
        }  ${report.endpoint}  version ${report.version}`,
      );
      for (const check of report.checks) {
        print(
          `         ${
            check.ok ? paint("✓", "green") : paint("✗", "red")
          } ${check.name}: ${check.detail}`,
        );
      }
    }
    return failed ? EXIT.cannotRun : EXIT.ok;
  },
};
