/**
 * How a program's Deno flags are made, for both programs: each declares its
 * narrow permission set, derived from its own configuration, and its V8 flags
 * ({@link ProgramPermissions}; collector/permissions.ts and
 * aggregator/permissions.ts); this module renders them and holds the helpers
 * both derivations use. Tasks, compile tasks, container images and tests all
 * take a program's flags from its declaration through {@link programFlags}.
 *
 * @module
 */

import { type Address, ConfigError, type Env } from "../config/mod.ts";

/** What a program declares about its permissions. */
export interface ProgramPermissions {
  /** The program's name, for messages. */
  name: string;
  /** The environment variables it may read (`--allow-env`), also what its flags are derived from. */
  env: string;
  /**
   * Its file, network and system permissions, from its configuration; a
   * ConfigError when that is wrong. `--no-prompt` and `--allow-env` are added
   * to them for every program.
   */
  permissions(env: Env): string[];
  /** Its V8 flags, comma-separated, from its configuration (a heap sized from it). */
  v8Flags(env: Env): string;
}

/** Every flag `deno run` or `deno compile` needs for the program, from its environment. */
export function programFlags(program: ProgramPermissions, env: Env): string[] {
  return [
    "--no-prompt",
    ...program.permissions(env),
    `--allow-env=${program.env}`,
    `--v8-flags=${program.v8Flags(env)}`,
  ];
}

/** `path` as a permission list entry, refused (naming `variable`) when a list cannot carry it. */
export function pathFlag(variable: string, path: string): string {
  if (/[,\s]/.test(path)) {
    throw new ConfigError(variable, `"${path}" must not contain commas or spaces`, "/data");
  }
  return path;
}

export function hostPort(address: Address): string {
  return `${address.host}:${address.port}`;
}

/** A listener also answers its own health probe, sent to loopback when it listens on all interfaces. */
export function listenHostPorts(address: Address): string[] {
  const wildcard = address.host === "0.0.0.0" || address.host === "[::]" || address.host === "";
  const own = hostPort({ ...address, host: address.host || "0.0.0.0" });
  return wildcard ? [own, `127.0.0.1:${address.port}`] : [own];
}

/** The host and port a URL connects to. */
export function urlHostPort(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}
