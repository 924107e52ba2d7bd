/**
 * One JSON-object variable (the aggregator's `*_CONFIGURATION`), read whole:
 * its unknown keys refused, its keys read by name, and every problem a
 * ConfigError naming the variable, the key and a valid example.
 *
 * @module
 */
import { ConfigError, type Env, jsonObject, jsonString } from "./env.ts";
import { refuseUnknownKeys } from "./json_keys.ts";

export interface JsonVariable {
  name: string;
  object: Record<string, unknown>;
  /** A string key (numbers accepted, as the Go original's JSON quoted them), unset when empty. */
  string(key: string): string | undefined;
  /** A string key that must be set. */
  required(key: string): string;
  /**
   * An http(s) URL, `text` when given (a default) else the key's own value.
   * Credentials and query strings are refused: URLs are logged, so secrets go
   * in their own keys.
   */
  url(key: string, text?: string): URL;
  fail(problem: string): never;
}

/** The variable `name` as a JSON object of the `known` keys; undefined when it is unset. */
export function jsonVariable(
  env: Env,
  name: string,
  known: readonly string[],
  example: string,
): JsonVariable | undefined {
  const object = jsonObject(env, name, example);
  if (!object) return undefined;
  refuseUnknownKeys(object, name, known, example);
  const fail = (problem: string): never => {
    throw new ConfigError(name, problem, example);
  };
  const string = (key: string) => jsonString(object, name, key, example);
  const required = (key: string) => string(key) ?? fail(`key "${key}" is required`);
  const url = (key: string, text = required(key)): URL => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return fail(`key "${key}": "${text}" is not a URL`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      fail(`key "${key}": "${text}" is not an http(s) URL`);
    }
    if (parsed.username || parsed.password || parsed.search) {
      fail(`key "${key}" must not carry credentials or a query string`);
    }
    return parsed;
  };
  return { name, object, string, required, url, fail };
}
