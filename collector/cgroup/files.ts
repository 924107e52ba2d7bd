/**
 * How cgroup files are read. {@link openPerRead} opens, reads and closes the
 * file every time, which any filesystem supports. {@link KeptFiles} keeps
 * each file's descriptor open and re-reads it from offset 0: cgroupfs
 * regenerates the content on every read from the start, and a read costs a
 * fraction of an open–read–close (docs/ARCHITECTURE.md, "Platform facts").
 * Only cgroupfs guarantees that: a file replaced on an ordinary filesystem
 * (a fixture advanced by rename) would keep returning the old content, so
 * {@link onCgroupFilesystem} decides which reader a directory gets.
 *
 * A kept reader also re-reads the limit files ({@link LIMIT_FILES}) at most
 * once per {@link LIMIT_REFRESH_MS}, answering from its last reading in
 * between: a limit changes only when an operator changes it (`docker
 * update`), and these four files were a quarter of the files read per poll.
 * A changed limit is therefore seen within that period.
 *
 * @module
 */

import { statfsSync } from "node:fs";

/** Reads a whole file as text; undefined when there is no such file; throws on any other failure. */
export interface FileReader {
  read(path: string): string | undefined;
}

export const openPerRead: FileReader = {
  read(path) {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  },
};

/** statfs f_type of cgroup v1 and cgroup v2 (linux/magic.h). */
const CGROUP_SUPER_MAGIC = 0x27e0eb;
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Whether every one of `paths` is a directory on a cgroup filesystem. */
export function onCgroupFilesystem(paths: readonly string[]): boolean {
  return paths.every((path) => {
    try {
      const type = Number(statfsSync(path).type);
      return type === CGROUP_SUPER_MAGIC || type === CGROUP2_SUPER_MAGIC;
    } catch {
      return false;
    }
  });
}

const decoder = new TextDecoder();

/**
 * The bytes of the file being read, shared by every kept reader: a read is
 * synchronous and decoded before it returns, so one buffer serves all (a
 * host-mode collector has one reader per container). It grows for a larger
 * file and stays grown.
 */
let buffer = new Uint8Array(16 * 1024);

/** The files that hold only a limit an operator sets: re-read on a slower cadence. */
export const LIMIT_FILES: ReadonlySet<string> = new Set([
  "memory.limit_in_bytes",
  "memory.max",
  "pids.max",
  "cpu.cfs_quota_us",
  "cpu.cfs_period_us",
  "cpu.max",
]);

/** How long a kept reader answers a limit file from its last reading. */
export const LIMIT_REFRESH_MS = 10_000;

export interface KeptFilesOptions {
  /** How long a limit file's reading is reused; 0 re-reads it every time. */
  limitRefreshMs?: number;
  /** The monotonic clock, ms (performance.now() by default). */
  now?: () => number;
}

/**
 * Descriptors kept open across reads, one per path. A kept descriptor that
 * fails (ENODEV once its cgroup is removed, and for good even when a cgroup of
 * the same name is created again) is closed and sets `failed`: the caller
 * then drops this reader and locates the cgroup afresh. A file the kernel does
 * not provide is remembered as absent: a cgroup's interface files are made
 * with the cgroup, so asking again costs a failed open every poll for nothing
 * (a fresh reader, after the cgroup is located again, asks anew).
 */
export class KeptFiles implements FileReader, Disposable {
  #files = new Map<string, Deno.FsFile>();
  #absent = new Set<string>();
  /** The last reading of each limit file and when it was taken. */
  #limits = new Map<string, { text: string; atMs: number }>();
  #limitRefreshMs: number;
  #now: () => number;
  /** A kept descriptor failed since this reader was made. */
  failed = false;

  constructor(options: KeptFilesOptions = {}) {
    this.#limitRefreshMs = options.limitRefreshMs ?? LIMIT_REFRESH_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  read(path: string): string | undefined {
    if (!LIMIT_FILES.has(path.slice(path.lastIndexOf("/") + 1))) return this.#read(path);
    const atMs = this.#now();
    const last = this.#limits.get(path);
    if (last !== undefined && atMs - last.atMs < this.#limitRefreshMs) return last.text;
    const text = this.#read(path);
    if (text === undefined) this.#limits.delete(path);
    else this.#limits.set(path, { text, atMs });
    return text;
  }

  #read(path: string): string | undefined {
    const kept = this.#files.get(path);
    if (kept !== undefined) {
      try {
        return this.#readFromStart(kept);
      } catch (error) {
        this.failed = true;
        this.#files.delete(path);
        kept.close();
        throw error;
      }
    }
    if (this.#absent.has(path)) return undefined;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#absent.add(path);
      return undefined;
    }
    try {
      const text = this.#readFromStart(file);
      this.#files.set(path, file);
      return text;
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /**
   * The whole file from offset 0. A read that returns less than it asked for
   * has reached the end: cgroupfs (seq_file) fills a read until the buffer or
   * the content runs out, so one read per file is the common case.
   */
  #readFromStart(file: Deno.FsFile): string {
    file.seekSync(0, Deno.SeekMode.Start);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const larger = new Uint8Array(buffer.length * 2);
        larger.set(buffer);
        buffer = larger;
      }
      const wanted = buffer.length - length;
      const count = file.readSync(buffer.subarray(length));
      if (count === null) break;
      length += count;
      if (count < wanted) break;
    }
    return decoder.decode(buffer.subarray(0, length));
  }

  [Symbol.dispose](): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
    this.#absent.clear();
    this.#limits.clear();
  }
}
