import { z } from "zod";

/** A zod schema as a draft-7 JSON Schema document with its id and title (for spec/). */
export function renderJsonSchema(
  schema: z.ZodType,
  name: string,
  title: string,
  io: "input" | "output",
): string {
  const json = z.toJSONSchema(schema, { target: "draft-7", io });
  return JSON.stringify(
    { $schema: json.$schema, $id: `https://bulkhead.dev/spec/${name}`, title, ...json },
    null,
    2,
  ) + "\n";
}
