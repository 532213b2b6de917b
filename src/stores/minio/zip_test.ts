import assert from "node:assert/strict";
import { readZip, ZipFormatError } from "./zip.ts";
import { utf8 } from "../../encoding.ts";

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(
    new CompressionStream("deflate-raw"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A zip the way Go's archive/zip streams it: data descriptors, sizes only in the central directory. */
async function buildZip(entries: Array<{ name: string; data: string; deflate: boolean }>) {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = utf8.encode(entry.name);
    const raw = utf8.encode(entry.data);
    const body = entry.deflate ? await deflateRaw(raw) : raw;
    const local = new Uint8Array(30 + name.length + body.length + 16);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(6, 0x08, true); // sizes follow in a data descriptor
    lv.setUint16(8, entry.deflate ? 8 : 0, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(body, 30 + name.length);
    lv.setUint32(30 + name.length + body.length, 0x08074b50, true);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, entry.deflate ? 8 : 0, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, raw.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const centralSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

Deno.test("zip: reads stored and deflated entries whose sizes are only in the central directory", async () => {
  const zip = await buildZip([
    { name: "b/policy.json", data: '{"Version":"2012-10-17"}', deflate: true },
    { name: "b/tagging.xml", data: "<Tagging/>", deflate: false },
  ]);
  const files = await readZip(zip);
  assert.deepEqual([...files.keys()], ["b/policy.json", "b/tagging.xml"]);
  assert.equal(utf8.decode(files.get("b/policy.json")!), '{"Version":"2012-10-17"}');
  assert.equal(utf8.decode(files.get("b/tagging.xml")!), "<Tagging/>");
});

Deno.test("zip: an empty answer is an empty archive; garbage is a clear error", async () => {
  assert.equal((await readZip(new Uint8Array())).size, 0);
  await assert.rejects(
    () => readZip(utf8.encode("not a zip at all, certainly not")),
    ZipFormatError,
  );
});
