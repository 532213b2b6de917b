/**
 * Test helper process: takes the apply lock of the registry at BULKHEAD_REGISTRY_URL as
 * holder $1 for purpose $2, prints "locked", and waits to be killed.
 */
import { Registry } from "../registry.ts";

const registry = await Registry.fromEnv();
await registry.acquireApplyLock(Deno.args[0], Deno.args[1]);
console.log("locked");
setInterval(() => {}, 60_000);
