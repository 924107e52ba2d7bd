/**
 * Shared setup of the end-to-end scenarios: the real collector watching the
 * live-captured v1 fixture (its later snapshot, read in place) at a 1 s poll,
 * logging JSON with debug so its ledger can be read back, pointed at an
 * aggregator; and the produced-versus-stored accounting every scenario reports.
 */
import assert from "node:assert/strict";
import { fixturePath, readCapture } from "./cgroup_fixtures.ts";
import { LEDGER_ENV } from "./collector_ledger.ts";
import { until } from "./until.ts";

export const FIXTURE = "v1-cgroupfs";
export const { containerId: CONTAINER_ID } = await readCapture(FIXTURE);

export function collectorEnv(
  aggregatorPort: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    MINI_COLLECTOR_REMOTE_ADDRESS: `127.0.0.1:${aggregatorPort}`,
    MINI_COLLECTOR_CONTAINER_ID: CONTAINER_ID,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "e2e",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_APP_NAME: "shop",
    MINI_COLLECTOR_CGROUP_PATH: fixturePath(FIXTURE, "t1"),
    MINI_COLLECTOR_POLL_INTERVAL: "1s",
    MINI_COLLECTOR_QUEUE_SIZE: "30",
    ...LEDGER_ENV,
    ...extra,
  };
}

export interface Accounting {
  produced: number;
  stored: number;
  /** Produced points the destination does not hold, sorted. */
  missing: number[];
}

/**
 * Waits (bounded) until the destination holds every produced point except
 * `expectedMissing`, then accounts. A stored point the collectors never
 * produced fails the check: nothing may appear from nowhere.
 */
export async function account(
  produced: Set<number>,
  stored: () => Set<number> | Promise<Set<number>>,
  timeoutMs: number,
  expectedMissing: Set<number> = new Set(),
): Promise<Accounting> {
  let held = new Set<number>();
  const missing = () => [...produced].filter((time) => !held.has(time)).sort();
  await until(
    async () => {
      held = await stored();
      return missing().every((time) => expectedMissing.has(time));
    },
    timeoutMs,
    500,
  );
  const phantom = [...held].filter((time) => !produced.has(time));
  assert.deepEqual(phantom, [], "stored points that no collector produced");
  return { produced: produced.size, stored: produced.size - missing().length, missing: missing() };
}
