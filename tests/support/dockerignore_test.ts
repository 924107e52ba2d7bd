import assert from "node:assert/strict";
import { dockerignore } from "./dockerignore.ts";

Deno.test("allow-list .dockerignore: last match wins, directories cover their contents", () => {
  const ignored = dockerignore(
    "# comment\n*\n!src/\n!deno.json\n**/*_test.ts\n!src/keep_test.ts\n",
  );
  const cases: [string, boolean][] = [
    ["deno.json", false],
    ["deno.lock", true],
    ["src/a/b.ts", false],
    ["src/a/b_test.ts", true],
    ["src/keep_test.ts", false],
    ["toolchain/node_modules/x.js", true],
    ["./src/", false],
  ];
  assert.deepEqual(cases.map(([path]) => [path, ignored(path)]), cases);
});

Deno.test("single-character and in-segment wildcards stop at slashes", () => {
  const ignored = dockerignore("a?c\nlogs/*.log\n");
  assert.equal(ignored("abc"), true);
  assert.equal(ignored("a/c"), false);
  assert.equal(ignored("logs/x.log"), true);
  assert.equal(ignored("logs/deep/x.log"), false);
  assert.throws(() => dockerignore("[ab]"), /unsupported .dockerignore pattern/);
});
