/**
 * What a program's permissions entry (collector/permissions.ts,
 * aggregator/permissions.ts) does when run, for tasks and image builds:
 * `deno run $(deno run --allow-env=… collector/permissions.ts) collector/main.ts`.
 *
 * - With no argument it prints the program's flags for the current
 *   environment. On a configuration error it prints only the env permission,
 *   so the program itself starts and reports the error in its own words.
 * - With `--verify` it fails when the environment does not configure the
 *   program completely. `deno compile` bakes the printed flags into the
 *   binary; the compile tasks verify first, so a bad build argument stops the
 *   build instead of producing a binary that may read its variables and
 *   nothing else.
 *
 * @module
 */

import { ConfigError } from "../config/mod.ts";
import { programFlags, type ProgramPermissions } from "./flags.ts";

/** Prints `program`'s flags, or with `--verify` checks its configuration (above). */
export function permissionsCommand(program: ProgramPermissions, args: readonly string[]): void {
  const verify = args[0] === "--verify";
  if (args.length > (verify ? 1 : 0)) {
    console.error(`usage: ${program.name} permissions [--verify]`);
    Deno.exit(2);
  }
  try {
    const flags = programFlags(program, (name) => Deno.env.get(name));
    if (!verify) console.log(flags.join(" "));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (verify) {
      console.error(`cannot compile the ${program.name} for this configuration: ${error.message}`);
      Deno.exit(1);
    }
    console.log(`--no-prompt --allow-env=${program.env}`);
  }
}
