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

/** Reads a whole file as text; throws as `Deno.readTextFileSync` does (NotFound when absent). */
export interface FileReader {
  read(path: string): string;
}

export const openPerRead: FileReader = { read: (path) => Deno.readTextFileSync(path) };

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
 * then drops this reader and locates the cgroup afresh.
 */
export class KeptFiles implements FileReader, Disposable {
  #files = new Map<string, Deno.FsFile>();
  #buffer = new Uint8Array(16 * 1024);
  /** A kept descriptor failed since this reader was made. */
  failed = false;

  read(path: string): string {
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
    const file = Deno.openSync(path);
    try {
      const text = this.#readFromStart(file);
      this.#files.set(path, file);
      return text;
    } catch (error) {
      file.close();
      throw error;
    }
  }

  #readFromStart(file: Deno.FsFile): string {
    file.seekSync(0, Deno.SeekMode.Start);
    let length = 0;
    for (;;) {
      if (length === this.#buffer.length) {
        const larger = new Uint8Array(this.#buffer.length * 2);
        larger.set(this.#buffer);
        this.#buffer = larger;
      }
      const count = file.readSync(this.#buffer.subarray(length));
      if (count === null) break;
      length += count;
    }
    return decoder.decode(this.#buffer.subarray(0, length));
  }

  [Symbol.dispose](): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
  }
}
