/**
 * Per-connection rate limits on the frames that cost a server work but open
 * nothing it can bound otherwise (the HTTP/2 flood attacks: PING, SETTINGS,
 * PRIORITY, RST_STREAM, WINDOW_UPDATE, empty DATA, CONTINUATION, unknown
 * frame types, header blocks decoded only to be ignored). Each kind is a
 * token bucket: a burst, refilled at a steady rate. A peer past a limit is
 * told GOAWAY(ENHANCE_YOUR_CALM) by the caller and the connection closes.
 *
 * @module
 */

/** One bucket: up to `burst` frames at once, `perSecond` on average. */
export interface Rate {
  burst: number;
  perSecond: number;
}

/** The kinds of frames counted, and the default rate of each. */
export const FRAME_RATES = {
  /** Each SETTINGS costs an ACK and a pass over its entries. */
  settings: { burst: 50, perSecond: 10 },
  /** Each PING costs an ACK; keepalives come every few seconds at most. */
  ping: { burst: 100, perSecond: 20 },
  /** Ignored here, but still parsed; some browsers send a few per request. */
  priority: { burst: 500, perSecond: 200 },
  /** Beyond the reset budget, which counts streams: the frames themselves. */
  reset: { burst: 500, perSecond: 200 },
  /** One per DATA frame the peer reads is the most a reader needs. */
  windowUpdate: { burst: 2_000, perSecond: 1_000 },
  /** DATA with no content and no END_STREAM carries nothing. */
  emptyData: { burst: 100, perSecond: 50 },
  /** Every request is one HEADERS; the stream and reset limits bound the rest. */
  headers: { burst: 20_000, perSecond: 20_000 },
  /** CONTINUATION frames, beyond the cap on their number per block. */
  continuation: { burst: 1_000, perSecond: 500 },
  /** Frame types this end does not know are ignored, but each is read. */
  unknown: { burst: 100, perSecond: 50 },
  /** Header blocks decoded only to keep the HPACK table in step (a reset stream's). */
  ignoredHeaders: { burst: 100, perSecond: 50 },
} as const satisfies Record<string, Rate>;

export type FrameKind = keyof typeof FRAME_RATES;

export class FrameRates {
  #rates: Record<FrameKind, Rate>;
  #tokens = new Map<FrameKind, number>();
  #last = new Map<FrameKind, number>();
  #now: () => number;

  constructor(
    rates: Partial<Record<FrameKind, Rate>> = {},
    now: () => number = () => performance.now(),
  ) {
    this.#rates = { ...FRAME_RATES, ...rates };
    this.#now = now;
  }

  /** Counts one frame of `kind`; false when that exceeds its rate. */
  take(kind: FrameKind): boolean {
    const rate = this.#rates[kind];
    const now = this.#now();
    const last = this.#last.get(kind) ?? now;
    const tokens = Math.min(
      rate.burst,
      (this.#tokens.get(kind) ?? rate.burst) + (now - last) * rate.perSecond / 1000,
    );
    this.#last.set(kind, now);
    if (tokens < 1) {
      this.#tokens.set(kind, tokens);
      return false;
    }
    this.#tokens.set(kind, tokens - 1);
    return true;
  }
}
