/**
 * Why the spool refused points, as errors a caller can tell apart: full (the
 * points alone exceed the size cap) or unavailable (the database cannot be
 * opened or written; `cause` holds the SQLite or file-system error). What a
 * refusal means to a client is for the caller to say: the Publish RPC answers
 * `resource_exhausted` and `unavailable`.
 *
 * @module
 */

/** The points of one append are larger than the whole spool. */
export class SpoolFull extends Error {
  override name = "SpoolFull";

  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`${bytes} bytes of points exceed the spool cap of ${maxBytes}`);
  }
}

/** The spool's database cannot be opened or written right now. */
export class SpoolUnavailable extends Error {
  override name = "SpoolUnavailable";

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}
