/**
 * Each program's Deno flags by the program's name, for the tests and tools
 * that start either program: the declarations live in each program's tree
 * (collector/permissions.ts, aggregator/permissions.ts).
 *
 * @module
 */
import type { Env } from "../../shared/config/mod.ts";
import { programFlags as flagsOf } from "../../shared/permissions/mod.ts";
import { COLLECTOR_PERMISSIONS } from "../../collector/permissions.ts";
import { AGGREGATOR_PERMISSIONS } from "../../aggregator/permissions.ts";

export type Program = "collector" | "aggregator";

export const PERMISSIONS = {
  collector: COLLECTOR_PERMISSIONS,
  aggregator: AGGREGATOR_PERMISSIONS,
} as const;

/** The environment variables each program may read. */
export const ENV_ALLOWED: Record<Program, string> = {
  collector: COLLECTOR_PERMISSIONS.env,
  aggregator: AGGREGATOR_PERMISSIONS.env,
};

/** Every flag `deno run` needs to start `program` in `env`. */
export function programFlags(program: Program, env: Env): string[] {
  return flagsOf(PERMISSIONS[program], env);
}
