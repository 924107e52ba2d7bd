/**
 * Typed reads of environment variables. Every failure is a ConfigError whose
 * one-line message names the variable, says what is wrong with its value and
 * shows a valid example, so a misconfigured process stops with a sentence an
 * operator can act on instead of a stack trace.
 *
 * @module
 */

import { parseDuration } from "../duration.ts";

/** Where configuration comes from: `Deno.env.get` in production, a map in tests. */
export type Env = (name: string) => string | undefined;

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly variable: string, problem: string, example: string) {
    super(`${variable}: ${problem} (example: ${variable}=${example})`);
  }
}

/** An Env reading a fixed set of values. */
export function envFrom(values: Record<string, string | undefined>): Env {
  return (name) => values[name];
}

/** Whether the variable is present at all, even empty (the original's on/off switches). */
export function isSet(env: Env, name: string): boolean {
  return env(name) !== undefined;
}

export function optionalString(env: Env, name: string): string | undefined {
  const value = env(name);
  return value === undefined || value === "" ? undefined : value;
}

export function requiredString(env: Env, name: string, example: string): string {
  const value = optionalString(env, name);
  if (value === undefined) throw new ConfigError(name, "is required but not set", example);
  return value;
}

/** One of `choices`, or `fallback` when unset. */
export function choice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = optionalString(env, name) ?? fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `"${value}" is not one of ${choices.join(", ")}`, choices.at(-1)!);
  }
  return value as T;
}

/** A Go duration in milliseconds, strictly positive. */
export function duration(env: Env, name: string, fallback: string): number {
  return durationValue(name, optionalString(env, name) ?? fallback, fallback);
}

/** Validates a duration found under `name` (an env var, or a key inside a JSON variable). */
export function durationValue(name: string, text: string, example: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message, example);
  }
  if (ms <= 0) throw new ConfigError(name, `"${text}" must be longer than zero`, example);
  return ms;
}

/** A whole number within [min, max]. */
export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = optionalString(env, name);
  return text === undefined ? fallback : integerValue(name, text, min, max, String(fallback));
}

export function integerValue(
  name: string,
  text: string,
  min: number,
  max: number,
  example: string,
): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(name, `"${text}" is not a whole number`, example);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new ConfigError(name, `${value} is outside ${min}..${max}`, example);
  }
  return value;
}

export interface Address {
  host: string;
  port: number;
}

/** `host:port` (IPv6 hosts in brackets), as Go's net.Dial takes it. */
export function addressValue(name: string, text: string, example: string): Address {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]\s]*):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(name, `"${text}" is not a host:port address`, example);
  }
  return { host: match[1], port };
}

/**
 * A comma-separated list of distinct `host:port` addresses; a single address
 * reads exactly as {@link addressValue} reads it, and a bad entry of a longer
 * list is named by its position and text.
 */
export function addressListValue(name: string, text: string, example: string): Address[] {
  const entries = text.split(",").map((entry) => entry.trim());
  if (entries.length === 1) return [addressValue(name, text, example)];
  const addresses = entries.map((entry, index) => {
    try {
      return addressValue(name, entry, example);
    } catch {
      const what = entry === "" ? "is empty" : `"${entry}" is not a host:port address`;
      throw new ConfigError(name, `entry ${index + 1} of the list ${what}`, example);
    }
  });
  const duplicate = entries.find((entry, index) => entries.indexOf(entry) !== index);
  if (duplicate !== undefined) {
    throw new ConfigError(name, `"${duplicate}" is listed more than once`, example);
  }
  return addresses;
}

/** A JSON object, for the aggregator's `*_CONFIGURATION` variables. */
export function jsonObject(
  env: Env,
  name: string,
  example: string,
): Record<string, unknown> | undefined {
  const text = optionalString(env, name);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(name, `is not valid JSON (${(error as Error).message})`, example);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(name, "must be a JSON object", example);
  }
  return value as Record<string, unknown>;
}

/** A string key of a JSON configuration object; numbers are accepted as the original's JSON had them quoted. */
export function jsonString(
  object: Record<string, unknown>,
  variable: string,
  key: string,
  example: string,
): string | undefined {
  const value = object[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new ConfigError(variable, `key "${key}" must be a string`, example);
}
