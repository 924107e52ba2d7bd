/**
 * Runs `aggregator/main.ts --healthcheck` as a container HEALTHCHECK would:
 * under the aggregator's own permission set, with only its environment.
 */
import { programFlags } from "../../shared/permissions/mod.ts";

const ENTRY = new URL("../../aggregator/main.ts", import.meta.url).pathname;

export async function runHealthcheck(env: Record<string, string>): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", ...programFlags("aggregator", (name) => env[name]), ENTRY, "--healthcheck"],
    clearEnv: true,
    env,
  }).output();
}
