/**
 * Loading `tenants/*.yaml`: YAML parsing with positions, strict validation, tier
 * defaults, and the cross-file checks (duplicate ids, colliding store names). Every
 * problem is reported, each with file, line, column and field path.
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import { basename, join, relative } from "node:path";
import type { z } from "zod";
import { type Tenant, type TenantFile, tenantFileSchema } from "./model.ts";
import { TIER_DEFAULTS } from "./tiers.ts";
import { allNames } from "./names.ts";

export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dotted field path, e.g. `stores.postgres.isolation`; empty for the whole file. */
  path: string;
  message: string;
}

export interface LoadResult {
  tenants: Tenant[];
  problems: Problem[];
}

export const TENANT_FILE_EXTENSION = ".yaml";

/** Where each loaded tenant's `id` is written, for problems found across files. */
const idPositions = new WeakMap<Tenant, { line: number; column: number }>();

/** `file:line:column: field.path: message`, the format `validate` prints. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path || "(file)"}: ${p.message}`;
}

/**
 * Loads and validates every tenant file under `dir` (subdirectories too, so teams can
 * keep their tenants in folders); never throws for bad content.
 */
export async function loadTenants(dir: string): Promise<LoadResult> {
  let files: string[];
  try {
    files = await listFiles(dir);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "directory not found" : String(error);
    return {
      tenants: [],
      problems: [{
        file: dir,
        line: 1,
        column: 1,
        path: "",
        message: `cannot read tenant directory: ${why}`,
      }],
    };
  }
  const tenants: Tenant[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const path = displayPath(file);
    if (file.endsWith(".yml")) {
      problems.push({
        file: path,
        line: 1,
        column: 1,
        path: "",
        message: `tenant files must end in ${TENANT_FILE_EXTENSION}: rename it to ${
          basename(file, ".yml")
        }${TENANT_FILE_EXTENSION}`,
      });
      continue;
    }
    if (!file.endsWith(TENANT_FILE_EXTENSION)) continue;
    const result = parseTenantFile(path, await Deno.readTextFile(file));
    problems.push(...result.problems);
    if (result.tenant) tenants.push(result.tenant);
  }
  problems.push(...crossTenantProblems(tenants));
  return { tenants, problems };
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await listFiles(path));
    else if (entry.isFile) files.push(path);
  }
  return files.sort();
}

function displayPath(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/** Parses one tenant file; `tenant` is set only when the file has no problem. */
export function parseTenantFile(
  file: string,
  text: string,
): { tenant?: Tenant; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        path: "",
        message: `YAML syntax error: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  if (doc.contents === null) {
    return {
      problems: [{
        file,
        line: 1,
        column: 1,
        path: "",
        message: "file is empty: a tenant needs id, name, tier, contacts and stores",
      }],
    };
  }
  const data = doc.toJS();
  const parsed = tenantFileSchema.safeParse(data);
  const problems: Problem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(...issueProblems(file, doc.contents, data, issue, at));
    }
  } else {
    const expected = basename(file, TENANT_FILE_EXTENSION);
    if (parsed.data.id !== expected) {
      problems.push({
        file,
        ...at(locate(doc.contents, ["id"], "value")),
        path: "id",
        message:
          `id "${parsed.data.id}" must equal the file name "${expected}"; ids are immutable, so rename the file only for a new tenant`,
      });
    }
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  if (problems.length > 0) return { problems };
  const tenant = resolveTenant(file, (parsed as { data: TenantFile }).data);
  idPositions.set(tenant, at(locate(doc.contents, ["id"], "value")));
  return { tenant, problems };
}

function issueProblems(
  file: string,
  root: unknown,
  data: unknown,
  issue: z.core.$ZodIssue,
  at: (offset: number) => { line: number; column: number },
): Problem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      file,
      ...at(locate(root, [...path, key], "key")),
      path: [...path, key].join("."),
      message: `unknown field "${key}"${suggestion(key, knownKeysAt(path))}`,
    }));
  }
  const missing = path.length > 0 && !hasPath(data, path);
  return [{
    file,
    ...at(locate(root, path, "value")),
    path: path.join("."),
    message: missing ? "required field is missing" : issue.message,
  }];
}

function hasPath(data: unknown, path: string[]): boolean {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object" || !(segment in value)) return false;
    value = (value as Record<string, unknown>)[segment];
  }
  return true;
}

/** Known keys of the object at `path` of the tenant schema, for "did you mean". */
function knownKeysAt(path: string[]): string[] {
  // deno-lint-ignore no-explicit-any
  let schema: any = tenantFileSchema;
  for (const segment of path) {
    while (schema?.unwrap && !schema.shape) schema = schema.unwrap();
    schema = schema?.shape?.[segment];
  }
  while (schema?.unwrap && !schema.shape) schema = schema.unwrap();
  return schema?.shape ? Object.keys(schema.shape) : [];
}

function suggestion(key: string, known: string[]): string {
  const close = known.find((k) => editDistance(k, key) <= 2);
  return close ? `; did you mean "${close}"?` : `; known fields: ${known.join(", ")}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * Offset of the YAML node at `path`: the key or the value of the last segment. Missing
 * segments resolve to the nearest ancestor that exists, so a missing field points at the
 * object that lacks it.
 */
function locate(root: unknown, path: string[], part: "key" | "value"): number {
  let node = root as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === path[i]);
      if (!pair) return offset;
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      const last = i === path.length - 1;
      offset = (last && part === "key") || !value?.range ? key.range![0] : value.range[0];
      node = value;
    } else if (node && "items" in node && Array.isArray(node.items)) {
      const item = node.items[Number(path[i])] as Node | undefined;
      if (!item?.range) return offset;
      offset = item.range[0];
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Applies the tier defaults to a validated tenant file. */
export function resolveTenant(file: string, t: TenantFile): Tenant {
  const d = TIER_DEFAULTS[t.tier];
  const s = t.stores;
  return {
    id: t.id,
    name: t.name,
    tier: t.tier,
    status: t.status ?? "active",
    contacts: t.contacts,
    limits: {
      maxConnections: t.limits?.max_connections ?? d.maxConnections,
      maxStorageGb: t.limits?.max_storage_gb ?? d.maxStorageGb,
      maxRequestsPerMinute: t.limits?.max_requests_per_minute ?? d.maxRequestsPerMinute,
      maxVectors: t.limits?.max_vectors ?? d.maxVectors,
    },
    stores: {
      ...(s.postgres && { postgres: { isolation: s.postgres.isolation ?? d.postgresIsolation } }),
      ...(s.redis && { redis: {} }),
      ...(s.minio && { minio: { prefixes: s.minio.prefixes ?? [] } }),
      ...(s.qdrant && {
        qdrant: {
          vectorSize: s.qdrant.vector_size ?? d.qdrantVectorSize,
          distance: s.qdrant.distance ?? d.qdrantDistance,
        },
      }),
    },
    retentionDays: t.retention_days ?? d.retentionDays,
    labels: t.labels ?? {},
    file,
  };
}

/** Duplicate ids and store names that two tenants would share. */
export function crossTenantProblems(tenants: Tenant[]): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, Tenant>();
  for (const tenant of tenants) {
    const position = idPositions.get(tenant) ?? { line: 1, column: 1 };
    const first = owners.get(`id:${tenant.id}`);
    if (first) {
      problems.push({
        file: tenant.file,
        ...position,
        path: "id",
        message: `duplicate tenant id "${tenant.id}": also declared in ${first.file}`,
      });
      continue;
    }
    owners.set(`id:${tenant.id}`, tenant);
    for (const [kind, name] of Object.entries(allNames(tenant.id))) {
      const other = owners.get(`${kind}:${name}`);
      if (other) {
        problems.push({
          file: tenant.file,
          ...position,
          path: "id",
          message: `${kind} name "${name}" collides with tenant "${other.id}" (${other.file})`,
        });
      }
      owners.set(`${kind}:${name}`, tenant);
    }
  }
  return problems;
}
