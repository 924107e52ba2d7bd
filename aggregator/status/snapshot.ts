/**
 * The status snapshot: what `GET /api/status` answers and the page draws,
 * built on request from what the aggregator already holds — the containers'
 * latest points and history ({@link ContainerBoard}), the counters of
 * {@link StatsSnapshot}, each sink's backlog in the spool and its last
 * problem. It reads them through small functions, so it depends on no
 * particular spool or delivery loop. Error texts are redacted.
 *
 * @module
 */
import type { StatsSnapshot } from "../stats.ts";
import type { ContainerBoard, ContainerStatus } from "./containers.ts";
import { HISTORY_SECONDS, MAX_CONTAINERS } from "./history.ts";
import { Rates } from "./rates.ts";
import { redact } from "./redact.ts";

/** A sink's points not yet delivered, as the spool holds them. */
export interface SinkBacklog {
  depth: number;
  /** Time since the arrival of the oldest of them, 0 when there is none. */
  oldestAgeMs: number;
}

/** The last thing that went wrong delivering to a sink. */
export interface SinkProblem {
  message: string;
  atMs: number;
}

/** Where the snapshot reads the aggregator's state. */
export interface StatusSources {
  /** The configured sinks, in order. */
  sinks: readonly string[];
  stats: () => StatsSnapshot;
  backlog: (sink: string) => SinkBacklog;
  problem: (sink: string) => SinkProblem | undefined;
  serving: () => boolean;
  /** How often the page asks again: the aggregator's publish frequency. */
  refreshMs: number;
  /** Values replaced by `***` wherever free text is shown. */
  secrets: readonly string[];
  now?: () => number;
}

export interface DestinationStatus {
  sink: string;
  deliveredPerSecond: number;
  /** Points by decision since the start (`delivered`, `deferred`, `retried`, …). */
  points: Record<string, number>;
  spoolDepth: number;
  oldestAgeMs: number;
  lastError: SinkProblem | null;
}

export interface CollectorStatus {
  /** The `host_name` tag its points carry. */
  hostName: string;
  lastSeenMs: number;
  containers: number;
}

export interface IntakeStatus {
  callsPerSecond: Record<string, number>;
  calls: Record<string, number>;
  acceptedPerSecond: number;
  accepted: number;
  rejected: Record<string, number>;
  collectors: CollectorStatus[];
}

export interface StatusSnapshot {
  generatedMs: number;
  refreshMs: number;
  serving: boolean;
  /** The window the per-second rates cover; 0 until two snapshots were taken. */
  rateWindowMs: number;
  historySeconds: number;
  maxContainers: number;
  /** Points of containers left out of the view since the start, because it was full. */
  pointsLeftOut: number;
  containers: ContainerStatus[];
  destinations: DestinationStatus[];
  intake: IntakeStatus;
  spool: { depth: number; bytes: number; writable: boolean };
}

/** The shortest window rates are measured over. */
const RATE_WINDOW_MS = 10_000;

export class SnapshotBuilder {
  readonly #sources: StatusSources;
  readonly #board: ContainerBoard;
  readonly #rates: Rates;
  readonly #now: () => number;

  constructor(sources: StatusSources, board: ContainerBoard) {
    this.#sources = sources;
    this.#board = board;
    this.#now = sources.now ?? Date.now;
    // Several refreshes, at least 10 s: batched delivery grows its counters in steps.
    this.#rates = new Rates(sources.refreshMs / 2, Math.max(RATE_WINDOW_MS, 5 * sources.refreshMs));
  }

  build(): StatusSnapshot {
    const sources = this.#sources;
    const nowMs = this.#now();
    const stats = sources.stats();
    this.#rates.sample(nowMs, counts(stats));
    const rates = this.#rates;
    const containers = this.#board.list(nowMs);
    return {
      generatedMs: nowMs,
      refreshMs: sources.refreshMs,
      serving: sources.serving(),
      rateWindowMs: rates.windowMs,
      historySeconds: HISTORY_SECONDS,
      maxContainers: MAX_CONTAINERS,
      pointsLeftOut: this.#board.leftOut,
      containers,
      destinations: sources.sinks.map((sink) => {
        const backlog = sources.backlog(sink);
        const problem = sources.problem(sink);
        return {
          sink,
          deliveredPerSecond: rates.perSecond(`sink ${sink}`),
          points: stats.sinks[sink] ?? {},
          spoolDepth: backlog.depth,
          oldestAgeMs: backlog.oldestAgeMs,
          lastError: problem
            ? { message: redact(problem.message, sources.secrets), atMs: problem.atMs }
            : null,
        };
      }),
      intake: {
        callsPerSecond: Object.fromEntries(
          Object.keys(stats.calls).map((method) => [method, rates.perSecond(`call ${method}`)]),
        ),
        calls: stats.calls,
        acceptedPerSecond: rates.perSecond("accepted"),
        accepted: stats.accepted,
        rejected: stats.rejected,
        collectors: collectors(containers),
      },
      spool: {
        depth: stats.spool.depth,
        bytes: stats.spool.bytes,
        writable: stats.spool.writable,
      },
    };
  }
}

function counts(stats: StatsSnapshot): Map<string, number> {
  const counts = new Map<string, number>([["accepted", stats.accepted]]);
  for (const [method, calls] of Object.entries(stats.calls)) counts.set(`call ${method}`, calls);
  for (const [sink, decisions] of Object.entries(stats.sinks)) {
    counts.set(`sink ${sink}`, decisions.delivered ?? 0);
  }
  return counts;
}

/** The hosts whose points arrived in the last 15 minutes, by their `host_name` tag. */
function collectors(containers: readonly ContainerStatus[]): CollectorStatus[] {
  const hosts = new Map<string, CollectorStatus>();
  for (const container of containers) {
    const hostName = container.tags.host_name;
    const host = hosts.get(hostName) ?? { hostName, lastSeenMs: 0, containers: 0 };
    host.lastSeenMs = Math.max(host.lastSeenMs, container.receivedMs);
    host.containers++;
    hosts.set(hostName, host);
  }
  return [...hosts.values()].sort((a, b) => a.hostName.localeCompare(b.hostName));
}
