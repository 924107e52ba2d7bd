import assert from "node:assert/strict";
import { NO_LIMIT, parseLimit, parseValue } from "./single.ts";

Deno.test("parseValue reads a single value with its newline", () => {
  assert.equal(parseValue("1076344379\n"), 1076344379n);
});

Deno.test("parseValue rejects empty, multi-value and out-of-range files", () => {
  assert.throws(() => parseValue(""), /the file is empty/);
  assert.throws(() => parseValue("\n"), /the file is empty/);
  assert.throws(() => parseValue("551737458 527024835 \n"), /expected a single value/);
  assert.throws(() => parseValue("99999999999999999999999\n"), /does not fit in 64 bits/);
  assert.throws(() => parseValue("max\n"), /"max" is not an unsigned integer/);
});

Deno.test("parseLimit reads numbers and max", () => {
  assert.equal(parseLimit("536870912\n"), 536870912n);
  assert.equal(parseLimit("max\n"), NO_LIMIT);
  assert.throws(() => parseLimit("lots\n"), /"lots" is not an unsigned integer/);
});
