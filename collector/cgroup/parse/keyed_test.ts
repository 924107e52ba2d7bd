import assert from "node:assert/strict";
import { FormatError } from "./format_error.ts";
import { parseKeyed } from "./keyed.ts";

const V1_STAT = "cache 4198400\nrss 50491392\nmapped_file 0\ntotal_cache 8396800\ntotal_rss 1\n";

Deno.test("parseKeyed reads values on demand, optional keys and v1 hierarchical keys", () => {
  const stat = parseKeyed(V1_STAT);
  assert.equal(stat.uint("rss"), 50491392n);
  assert.equal(stat.hierarchicalUint("cache"), 8396800n);
  assert.equal(
    stat.hierarchicalUint("mapped_file"),
    0n,
    "no total_ key: falls back to the plain one",
  );
  assert.equal(stat.optionalUint("oom_kill"), undefined);
  assert.throws(() => stat.uint("anon"), /no "anon" line/);
});

Deno.test("parseKeyed reports bad values with their key, only when asked", () => {
  const events = parseKeyed("low 0\noom_kill 0x10\nweird -3\n");
  assert.equal(events.uint("low"), 0n);
  assert.throws(() => events.uint("oom_kill"), /oom_kill: "0x10" is not an unsigned integer/);
});

Deno.test("parseKeyed rejects empty files and lines that are not key value", () => {
  assert.throws(() => parseKeyed(""), /the file is empty/);
  assert.throws(() => parseKeyed("usage_usec\nuser_usec 70315512\n"), FormatError);
  assert.throws(() => parseKeyed("a 1 2\n"), /line "a 1 2" is not "key value"/);
});

Deno.test("parseKeyed gives the same values whether or not the file is in the kernel's exact form", () => {
  const kernel = "cache 1\nrss 2\ntotal_rss 3\nrss_huge 4\n";
  const loose = "cache 1\n\n  rss\t2\ntotal_rss 3  \nrss_huge 4";
  for (const text of [kernel, loose]) {
    const stat = parseKeyed(text);
    assert.deepEqual(
      [stat.uint("cache"), stat.uint("rss"), stat.hierarchicalUint("rss"), stat.uint("rss_huge")],
      [1n, 2n, 3n, 4n],
      JSON.stringify(text),
    );
    assert.equal(stat.has("rss_hug"), false, "a key is a whole word");
    assert.equal(stat.has("ache"), false);
    assert.equal(stat.optionalUint("swap"), undefined);
  }
  assert.equal(parseKeyed("a 1\na 2\n").uint("a"), 1n, "a key listed twice: its first line");
  assert.equal(parseKeyed("a 1\n a 2\n").uint("a"), 1n);
});
