/**
 * The in-memory history behind the status page's sparklines: for each
 * container, its CPU and memory over the last 15 minutes in ninety 10-second
 * slots (the latest point of each slot wins), whatever the collectors'
 * publish interval. The cap is hard: at most {@link MAX_CONTAINERS}
 * containers × {@link SLOTS} slots, allocated per container as it appears and
 * freed 15 minutes after its last point. A point of a container beyond the cap
 * is left out of the view and counted; it is still spooled and delivered,
 * since the ring only watches what the intake accepted.
 *
 * @module
 */

/** Containers the view holds at most. */
export const MAX_CONTAINERS = 10_000;
/** Width of one slot, in seconds of sample time. */
export const SLOT_SECONDS = 10;
/** Slots per container: 15 minutes. */
export const SLOTS = 90;
export const HISTORY_SECONDS = SLOT_SECONDS * SLOTS;

/** One container's sparkline values, oldest first; `null` where no point fell in a slot. */
export interface Series {
  /** Sample time (Unix seconds) of the first slot's start. */
  from: number;
  stepSeconds: number;
  cpu: (number | null)[];
  memory: (number | null)[];
}

/** One container's ring: slot numbers (sample time / 10 s) and their values. */
export class ContainerHistory {
  readonly #slots = new Uint32Array(SLOTS);
  readonly #cpu = new Float32Array(SLOTS);
  readonly #memory = new Float32Array(SLOTS);

  /**
   * Records a point taken at `time` (Unix seconds); a point older than 15
   * minutes, or from a later slot than `nowSeconds`'s next, is ignored.
   */
  record(time: number, cpu: number, memory: number, nowSeconds: number): void {
    const slot = Math.floor(time / SLOT_SECONDS);
    const now = Math.floor(nowSeconds / SLOT_SECONDS);
    if (slot <= now - SLOTS || slot > now + 1) return;
    const index = slot % SLOTS;
    if (this.#slots[index] > slot) return;
    this.#slots[index] = slot;
    this.#cpu[index] = cpu;
    this.#memory[index] = memory;
  }

  /** The last 15 minutes up to `nowSeconds`. */
  series(nowSeconds: number): Series {
    const last = Math.floor(nowSeconds / SLOT_SECONDS);
    const series: Series = {
      from: (last - SLOTS + 1) * SLOT_SECONDS,
      stepSeconds: SLOT_SECONDS,
      cpu: [],
      memory: [],
    };
    for (let slot = last - SLOTS + 1; slot <= last; slot++) {
      const index = slot % SLOTS;
      const present = this.#slots[index] === slot;
      series.cpu.push(present ? this.#cpu[index] : null);
      series.memory.push(present ? this.#memory[index] : null);
    }
    return series;
  }
}
