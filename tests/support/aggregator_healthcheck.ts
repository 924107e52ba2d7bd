/**
 * Runs `aggregator/main.ts --healthcheck` as a container HEALTHCHECK would:
 * under the aggregator's own permission set, with only its environment, and
 * under a hard deadline.
 *
 * @module
 */
import { programFlags } from "./program_flags.ts";
import { outputWithin } from "./deadline.ts";

const ENTRY = new URL("../../aggregator/main.ts", import.meta.url).pathname;

export async function runHealthcheck(env: Record<string, string>): Promise<Deno.CommandOutput> {
  return await outputWithin(
    Deno.execPath(),
    {
      args: ["run", ...programFlags("aggregator", (name) => env[name]), ENTRY, "--healthcheck"],
      clearEnv: true,
      env,
    },
    60_000,
    "waiting for aggregator/main.ts --healthcheck to exit",
  );
}
