/**
 * Each program's Deno flags (narrow permissions derived from its configuration,
 * plus V8 flags), for tests and tools that start the programs. `main.ts` and
 * `verify.ts` beside it are the programs the deno.json tasks run.
 *
 * @module
 */

export { ENV_ALLOWED, type Program, programFlags } from "./flags.ts";
