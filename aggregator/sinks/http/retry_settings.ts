/**
 * The `timeout` and `retry_count` keys every HTTP sink's JSON variable shares
 * with the Go original (string numbers included), read once for all of them.
 *
 * @module
 */
import { durationValue, integerValue, type JsonVariable } from "../../../shared/config/mod.ts";

/** A sink's configured timeout and retries (`timeout`, `retry_count`). */
export interface RetrySettings {
  timeoutMs: number;
  retryCount: number;
}

/** The keys read here, for the sinks' lists of known keys. */
export const RETRY_KEYS = ["timeout", "retry_count"] as const;

export function retrySettings(json: JsonVariable): RetrySettings {
  return {
    timeoutMs: durationValue(`${json.name} key "timeout"`, json.string("timeout") ?? "30s", "30s"),
    retryCount: integerValue(
      `${json.name} key "retry_count"`,
      json.string("retry_count") ?? "3",
      0,
      100,
      "3",
    ),
  };
}
