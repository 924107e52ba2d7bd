/**
 * Permissions, the mechanism both programs share: how a program's declared
 * permissions become Deno flags and the helpers that derive them
 * (`flags.ts`), what its permissions entry does when run (`command.ts`), and
 * Deno's refusals reworded for operators (`refusal.ts`). Which permissions
 * each program needs is declared in its own tree: collector/permissions.ts,
 * aggregator/permissions.ts.
 *
 * @module
 */

export { permissionsCommand } from "./command.ts";
export {
  hostPort,
  listenHostPorts,
  pathFlag,
  programFlags,
  type ProgramPermissions,
  urlHostPort,
} from "./flags.ts";
export { permissionRefusal, withoutFlagAdvice } from "./refusal.ts";
