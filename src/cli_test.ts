import assert from "node:assert/strict";
import { join } from "node:path";
import { COMMANDS, main } from "./cli.ts";
import { runCli } from "./sandbox/testing.ts";
import { ENV } from "./config.ts";

Deno.test("cli: every command has --help with usage, description and an example", async () => {
  for (const command of COMMANDS) {
    const result = await runCli([...command.name.split(" "), "--help"]);
    assert.equal(result.code, 0, command.name);
    assert.match(result.stdout, new RegExp(`^Usage: bulkhead ${command.name}`), command.name);
    assert.match(result.stdout, /Examples:\n {2}.*bulkhead /, command.name);
    for (const option of Object.keys(command.options)) {
      assert.ok(command.usage.includes(`--${option}`), `${command.name}: --${option} in its usage`);
    }
  }
  const top = await runCli(["--help"]);
  assert.equal(top.code, 0);
  for (const command of COMMANDS) assert.ok(top.stdout.includes(command.name));
});

Deno.test("cli: every environment variable is in the main help and in the README", async () => {
  const top = await runCli(["--help"]);
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (const name of Object.values(ENV)) {
    assert.match(top.stdout, new RegExp(`^  ${name} `, "m"), `${name} in --help`);
    assert.ok(readme.includes(`\`${name}\``), `${name} in the README`);
  }
});

Deno.test("cli: unknown commands, options and stray arguments exit 2 with the usage", async () => {
  assert.equal(await main(["frobnicate"]), 2);
  const unknownOption = await runCli(["validate", "--frobnicate"]);
  assert.equal(unknownOption.code, 2);
  assert.match(
    unknownOption.stderr,
    /Unknown option '--frobnicate'[\s\S]*Usage: bulkhead validate/,
  );
  const stray = await runCli(["doctor", "extra"]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /unexpected argument "extra"/);
  const group = await runCli(["sandbox"]);
  assert.equal(group.code, 2);
  assert.match(group.stderr, /needs a subcommand: sandbox up, sandbox down/);
});

Deno.test("cli: validate exits 0 on the examples and 1 with one line per problem", async () => {
  const ok = await runCli(["validate"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /tenants valid/);
  const dir = await Deno.makeTempDir();
  try {
    const base =
      "name: X\ntier: standard\ncontacts: [{name: a, email: a@b.co, role: owner}]\nstores: {redis: {}}\n";
    const files: Record<string, string> = {
      "unknown.yaml": `id: unknown\n${base}colour: red\n`,
      "Bad_Id.yaml": `id: Bad_Id\n${base}`,
      "public.yaml": `id: public\n${base}`,
      "renamed.yaml": `id: original\n${base}`,
      "broken.yaml": `id: broken\nname: [x\n`,
      "a/twin.yaml": `id: twin\n${base}`,
      "b/twin.yaml": `id: twin\n${base}`,
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.mkdir(join(dir, name, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, name), text);
    }
    const result = await runCli(["validate", dir]);
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split("\n");
    const summary = lines.pop();
    assert.match(summary!, /^\d+ problems in 6 files$/);
    for (const line of lines) assert.match(line, /^\S+\.yaml:\d+:\d+: \S+: .+/, line);
    const byFile = (name: string) => lines.filter((l) => l.startsWith(join(dir, name) + ":"));
    assert.equal(byFile("unknown.yaml").length, 1);
    assert.match(byFile("unknown.yaml")[0], /:6:1: colour: unknown field "colour"/);
    assert.match(byFile("Bad_Id.yaml")[0], /:1:5: id: tenant id must be lowercase/);
    assert.match(byFile("public.yaml")[0], /:1:5: id: tenant id "public" is reserved/);
    assert.match(
      byFile("renamed.yaml")[0],
      /:1:5: id: id "original" must equal the file name "renamed"/,
    );
    assert.match(byFile("broken.yaml")[0], /:\d+:\d+: \(file\): YAML syntax error/);
    assert.equal(byFile("a/twin.yaml").length, 0);
    assert.match(
      byFile("b/twin.yaml")[0],
      /:1:5: id: duplicate tenant id "twin": also declared in/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
