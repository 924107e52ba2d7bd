import assert from "node:assert/strict";
import { ConfigError } from "./env.ts";
import { nearestKey, refuseUnknownKeys } from "./json_keys.ts";

const KNOWN = ["api_key", "site", "series_url", "send_host", "timeout", "retry_count"];

Deno.test("the nearest known key is suggested only when it is a plausible typo", () => {
  assert.equal(nearestKey("sit", KNOWN), "site");
  assert.equal(nearestKey("apikey", KNOWN), "api_key");
  assert.equal(nearestKey("Retry_Count", KNOWN), "retry_count");
  assert.equal(nearestKey("colour", KNOWN), undefined);
});

Deno.test("known keys pass; an unknown one names the variable and lists the known keys", () => {
  refuseUnknownKeys({ api_key: "k", site: "x" }, "VAR", KNOWN, "{}");
  assert.throws(
    () => refuseUnknownKeys({ api_key: "k", seriesurl: "x" }, "VAR", KNOWN, "{}"),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === "VAR" &&
      error.message.startsWith(
        `VAR: unknown key "seriesurl"; did you mean "series_url"? (known keys: api_key, site,`,
      ),
  );
});
