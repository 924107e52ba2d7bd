/**
 * Deno's permission refusals reworded for operators. Deno's own message ends
 * "run again with the --allow-… flag", advice that would widen the program's
 * narrow permission set (docs/ARCHITECTURE.md, "Permissions"). The reworded
 * line says what was refused and that the permissions are derived from the
 * program's own variables, so the fix is the variable, not a broader flag.
 *
 * @module
 */

/** The refusal as one line when `error` is Deno's NotCapable, else undefined. */
export function permissionRefusal(error: unknown, variables: string): string | undefined {
  if (!(error instanceof Deno.errors.NotCapable)) return undefined;
  return `${refusedAccess(error.message)} was refused: the program's permissions are derived ` +
    `from ${variables} when it starts (deno task, or the image's build arguments); set the ` +
    `variable that names this path or address and start it the same way again`;
}

/** Any Deno refusal inside `message`, reworded, or the message itself. */
export function withoutFlagAdvice(message: string): string {
  return message.replace(/,?\s*run again with the --allow-[a-z-]+ flag/g, " (not granted)");
}

/** "Requires net access to "0.0.0.0:8000", run again …" → `net access to "0.0.0.0:8000"`. */
function refusedAccess(message: string): string {
  const match = /Requires (.+?)(?:, run again with the --allow-[a-z-]+ flag|$)/.exec(message);
  return match ? match[1] : message;
}
