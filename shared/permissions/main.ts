/**
 * Prints a program's Deno flags for the current environment, for tasks and
 * image builds: `deno run $(deno run --allow-env=… shared/permissions/main.ts collector) collector/main.ts`.
 * On a configuration error it prints only the env permission, so the program
 * itself starts and reports the error in its own words.
 *
 * @module
 */

import { ConfigError } from "../config/mod.ts";
import { ENV_ALLOWED, type Program, programFlags, PROGRAMS } from "./flags.ts";

const program = Deno.args[0] as Program;
if (!PROGRAMS.includes(program)) {
  console.error(`usage: permissions/main.ts ${PROGRAMS.join("|")}`);
  Deno.exit(2);
}
try {
  console.log(programFlags(program, (name) => Deno.env.get(name)).join(" "));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.log(`--no-prompt --allow-env=${ENV_ALLOWED[program]}`);
}
