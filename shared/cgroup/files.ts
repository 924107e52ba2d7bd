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
  #buffer = new Uint8Array(16 * 1024);
  /** A kept descriptor failed since this reader was made. */
  failed = false;

  read(path: string): string | undefined {
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
      if (length === this.#buffer.length) {
        const larger = new Uint8Array(this.#buffer.length * 2);
        larger.set(this.#buffer);
        this.#buffer = larger;
      }
      const wanted = this.#buffer.length - length;
      const count = file.readSync(this.#buffer.subarray(length));
      if (count === null) break;
      length += count;
      if (count < wanted) break;
    }
    return decoder.decode(this.#buffer.subarray(0, length));
  }

  [Symbol.dispose](): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
    this.#absent.clear();
  }
}
