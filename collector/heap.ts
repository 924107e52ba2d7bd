/**
 * The collector's V8 heap, sized from its queue. Everything but the queue
 * fits in a fixed base; each queued point costs at most
 * {@link POINT_HEAP_BYTES} (measured with every field set:
 * tests/collector_heap_test.ts). The old-space cap the flags give V8 is the base
 * plus a full queue, so a small queue gets a small heap and V8 collects
 * before it grows. A compiled binary keeps the cap of the configuration it
 * was built with; started with a larger `MINI_COLLECTOR_QUEUE_SIZE`, it
 * refuses to start rather than run out of heap when the aggregators are
 * away (docs/ARCHITECTURE.md, "Memory").
 *
 * @module
 */
import type { CollectorSettings } from "./config/mod.ts";

/** Heap for all but the queue: code, the samplers of every container, one batch in flight. */
export const BASE_HEAP_MIB = 32;
/** The most heap one queued point takes: its PublishRequest, its BigInts and its queue entry. */
export const POINT_HEAP_BYTES = 1024;

const MIB = 2 ** 20;

/** The old-space cap, in MiB, that holds the base and a full queue. */
export function oldSpaceMib(settings: Pick<CollectorSettings, "queueSize">): number {
  return BASE_HEAP_MIB + Math.ceil(settings.queueSize * POINT_HEAP_BYTES / MIB);
}

/**
 * Undefined when a queue of `queueSize` fits in V8's heap limit
 * (`getHeapStatistics().heap_size_limit`), else why not and what to do.
 */
export function heapProblem(
  settings: Pick<CollectorSettings, "queueSize">,
  heapLimitBytes: number,
): string | undefined {
  const needMib = oldSpaceMib(settings);
  if (heapLimitBytes >= needMib * MIB) return undefined;
  const queueMib = Math.max(0, Math.floor(heapLimitBytes / MIB) - BASE_HEAP_MIB);
  const fits = Math.floor(queueMib * MIB / POINT_HEAP_BYTES);
  return `MINI_COLLECTOR_QUEUE_SIZE: ${settings.queueSize} points need a V8 heap of ` +
    `${needMib} MiB, but this process's heap limit is ${Math.floor(heapLimitBytes / MIB)} MiB ` +
    `(--max-old-space-size, fixed when a binary is built): set MINI_COLLECTOR_QUEUE_SIZE to at ` +
    `most ${fits}, or build the binary with this MINI_COLLECTOR_QUEUE_SIZE set ` +
    `(deno task compile:collector sizes the heap from it)`;
}
