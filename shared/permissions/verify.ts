/**
 * Fails when the build environment does not configure a program completely.
 * `deno compile` bakes the flags main.ts prints into the binary, and main.ts
 * answers a configuration error with the env permission alone (so `deno run`
 * can report it in the program's words); the compile tasks run this first so
 * a bad build argument stops the build instead of producing a binary that may
 * read its variables and nothing else.
 *
 * @module
 */

import { ConfigError } from "../config/mod.ts";
import { type Program, programFlags, PROGRAMS } from "./flags.ts";

const program = Deno.args[0] as Program;
if (!PROGRAMS.includes(program)) {
  console.error(`usage: permissions/verify.ts ${PROGRAMS.join("|")}`);
  Deno.exit(2);
}
try {
  programFlags(program, (name) => Deno.env.get(name));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`cannot compile the ${program} for this configuration: ${error.message}`);
  Deno.exit(1);
}
