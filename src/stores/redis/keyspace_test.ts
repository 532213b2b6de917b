import assert from "node:assert/strict";
import { databasesWithKeys } from "./keyspace.ts";

Deno.test("keyspace: the databases that hold keys come from INFO keyspace", () => {
  const info =
    "# Keyspace\r\ndb0:keys=12,expires=0,avg_ttl=0\r\ndb3:keys=1,expires=1,avg_ttl=5\r\n";
  assert.deepEqual(databasesWithKeys(info), [0, 3]);
  assert.deepEqual(databasesWithKeys("# Keyspace\r\n"), []);
});
