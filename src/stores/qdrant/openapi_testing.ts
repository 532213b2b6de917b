/**
 * For tests: Qdrant's OpenAPI description as the pinned client ships it
 * (`@qdrant/js-client-rest` 1.19.0, `dist/types/openapi/generated_schema.d.ts`), read
 * from Deno's npm cache, so the route table and the request bodies are checked against
 * the package itself rather than against a copy.
 */
import { join } from "node:path";

const PACKAGE = "@qdrant/js-client-rest";
export const PINNED_CLIENT_VERSION = "1.19.0";

async function npmCache(): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(output.stdout));
  if (typeof info.npmCache !== "string") throw new Error("deno info gave no npmCache");
  return info.npmCache;
}

/** The text of the pinned client's OpenAPI types. */
export async function openApiTypes(): Promise<string> {
  const file = join(
    await npmCache(),
    "registry.npmjs.org",
    PACKAGE,
    PINNED_CLIENT_VERSION,
    "dist/types/openapi/generated_schema.d.ts",
  );
  return await Deno.readTextFile(file);
}

/** The body of `export interface <name> { … }` (top-level, 4-space indented members). */
function section(text: string, start: RegExp): string {
  const match = start.exec(text);
  if (!match) throw new Error(`no ${start} in the OpenAPI types`);
  const rest = text.slice(match.index + match[0].length);
  return rest.slice(0, rest.search(/^}/m));
}

/** Every (operationId, method, path) of the `paths` interface. */
export function openApiRoutes(text: string): { operation: string; method: string; path: string }[] {
  const routes: { operation: string; method: string; path: string }[] = [];
  let path = "";
  for (const line of section(text, /^export interface paths \{$/m).split("\n")) {
    const p = /^ {4}"([^"]+)": \{$/.exec(line);
    if (p) path = p[1];
    const m = /^ {8}(get|put|post|delete|patch): operations\["([a-z_]+)"\];$/.exec(line);
    if (m) routes.push({ operation: m[2], method: m[1].toUpperCase(), path });
  }
  return routes;
}

export interface OperationBody {
  /** `application/json`, `multipart/form-data`, or none. */
  contentType?: string;
  /** The named schema of a JSON body, e.g. `ScrollRequest`. */
  schema?: string;
}

/** The request body each operation takes, from the `operations` interface. */
export function openApiBodies(text: string): Map<string, OperationBody> {
  const bodies = new Map<string, OperationBody>();
  const ops = section(text, /^export interface operations \{$/m);
  for (const block of ops.split(/^ {4}(?=[a-z_]+: \{$)/m)) {
    const name = /^([a-z_]+): \{/.exec(block)?.[1];
    if (!name) continue;
    const request = /requestBody\??: \{([\s\S]*?)\n {8}\};/.exec(block)?.[1];
    if (!request) {
      bodies.set(name, {});
      continue;
    }
    const json = /"application\/json": components\["schemas"\]\["([A-Za-z]+)"\]/.exec(request);
    if (json) bodies.set(name, { contentType: "application/json", schema: json[1] });
    else if (request.includes('"multipart/form-data"')) {
      bodies.set(name, { contentType: "multipart/form-data" });
    } else bodies.set(name, { contentType: "unknown" });
  }
  return bodies;
}

/**
 * The required top-level properties of a named object schema, or undefined when the
 * schema is a union or an alias (those are checked by hand).
 */
export function requiredProperties(text: string, schema: string): string[] | undefined {
  const start = new RegExp(`^ {8}${schema}: \\{$`, "m").exec(text);
  if (!start) return undefined;
  const rest = text.slice(start.index + start[0].length);
  const body = rest.slice(0, rest.search(/^ {8}\};$/m));
  return [...body.matchAll(/^ {12}([a-z_]+): /gm)].map((m) => m[1]);
}
