import assert from "node:assert/strict";
import { FormatError } from "./format_error.ts";
import { MAX_UINT64, parsePercentage, parseUint64, quote } from "./number.ts";

Deno.test("parseUint64 accepts the whole uint64 range exactly", () => {
  assert.equal(parseUint64("0"), 0n);
  assert.equal(parseUint64("9223372036854771712"), 9223372036854771712n);
  assert.equal(parseUint64("18446744073709551615"), MAX_UINT64);
});

Deno.test("parseUint64 rejects values beyond 64 bits, signs, fractions and words", () => {
  assert.throws(() => parseUint64("18446744073709551616"), /18446744073709551616 does not fit/);
  for (const token of ["-1", "+1", "1.5", "1e3", "", "max", "0x10", "12abc"]) {
    assert.throws(() => parseUint64(token), FormatError, token);
  }
});

Deno.test("parsePercentage reads PSI averages and rejects anything else", () => {
  assert.equal(parsePercentage("42.18"), 42.18);
  assert.equal(parsePercentage("0.00"), 0);
  assert.equal(parsePercentage("100.00"), 100);
  assert.throws(() => parsePercentage("100.01"), /more than 100 percent/);
  for (const token of ["NaN", "Infinity", "-1.00", "", "1,5"]) {
    assert.throws(() => parsePercentage(token), FormatError, token);
  }
});

Deno.test("quote keeps messages on one line and short", () => {
  assert.equal(quote("a\nb"), '"a\\nb"');
  assert.equal(quote("x".repeat(50)), `"${"x".repeat(40)}…"`);
});
