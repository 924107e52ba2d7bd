/**
 * What the demo's collector watches: the environment it runs with, what to
 * tell the viewer, and (host mode) a container that can be stopped and
 * started again while it runs.
 *
 * @module
 */

export interface Scene {
  /** MINI_COLLECTOR_* of the one collector, without the aggregator's address. */
  collectorEnv: Record<string, string>;
  /** Lines that say what is being watched. */
  description: string[];
  /** A container the demo stops and starts again, to show `running` go false and come back. */
  churn?: Churn;
  /** Removes everything the scene made. */
  remove(): Promise<void>;
}

export interface Churn {
  /** The container's name, for the viewer. */
  name: string;
  /** Stops its workload and removes its cgroup. */
  stop(): Promise<void>;
  /** Recreates its cgroup (same id) with its workload. */
  start(): Promise<void>;
}
