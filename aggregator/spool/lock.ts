/**
 * One writer per spool. Two aggregators on one spool directory would each run
 * delivery loops over the same rows and send every point twice, and each
 * would report the other's points as its own backlog. So the spool takes an
 * exclusive lock on `spool.lock` in its directory before it opens the
 * database, and holds it until it closes. The lock is the operating system's
 * (`flock`, through Deno.FsFile.tryLockSync): it belongs to the open file, so
 * it goes away with the process however the process ends, `kill -9`
 * included, and a stale lock file never keeps an aggregator from starting.
 * The holder writes its process id into the file, so a refused second
 * aggregator can name it.
 *
 * @module
 */

import { SpoolUnavailable } from "./refusal.ts";

/** Another process holds the spool: unavailable to this one, and a reason not to start. */
export class SpoolLocked extends SpoolUnavailable {
  override name = "SpoolLocked";

  constructor(readonly path: string, readonly holder: number | undefined) {
    super(
      `${path} is locked by another aggregator (${
        holder === undefined ? "process id unknown" : `pid ${holder}`
      }): only one aggregator may use a spool; stop it or give this one another AGGREGATOR_SPOOL_PATH`,
      { cause: undefined },
    );
  }
}

/** A held lock; `release` gives it up (closing the file releases it too). */
export interface SpoolLock {
  release(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Takes the lock at `path` (created when missing) or throws SpoolLocked naming the holder. */
export function lockSpool(path: string): SpoolLock {
  const file = Deno.openSync(path, { read: true, write: true, create: true });
  try {
    if (!file.tryLockSync(true)) throw new SpoolLocked(path, holderOf(file));
    file.truncateSync(0);
    file.writeSync(encoder.encode(`${Deno.pid}\n`));
  } catch (error) {
    file.close();
    throw error;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.close();
    },
  };
}

/** The process id the holder wrote, if it wrote one already. */
function holderOf(file: Deno.FsFile): number | undefined {
  const buffer = new Uint8Array(32);
  const read = file.readSync(buffer) ?? 0;
  const text = decoder.decode(buffer.subarray(0, read)).trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
