/**
 * Tests of reading the Retry-After header.
 *
 * @module
 */
import { equal } from "node:assert/strict";
import { retryAfterMs } from "./retry_after.ts";

const now = Date.parse("2026-11-25T12:00:00Z");

Deno.test("Retry-After in seconds becomes milliseconds", () => {
  equal(retryAfterMs("3", 60_000, now), 3_000);
  equal(retryAfterMs(" 0 ", 60_000, now), 0);
});

Deno.test("Retry-After as an HTTP date waits until that date", () => {
  equal(retryAfterMs("Wed, 25 Nov 2026 12:00:07 GMT", 60_000, now), 7_000);
  equal(retryAfterMs("Wed, 25 Nov 2026 11:59:00 GMT", 60_000, now), 0);
});

Deno.test("Retry-After is capped, and ignored when absent or unreadable", () => {
  equal(retryAfterMs("3600", 60_000, now), 60_000);
  equal(retryAfterMs(null, 60_000, now), undefined);
  equal(retryAfterMs("soon", 60_000, now), undefined);
  equal(retryAfterMs("-5", 60_000, now), undefined);
});
