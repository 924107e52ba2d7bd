/**
 * Reads files of one cgroup directory. A file the kernel does not provide is
 * simply absent (undefined); a file that cannot be read or parsed is absent
 * too and adds one line to `errors` naming the file and the problem. Nothing
 * here throws. Files are read synchronously, and so is everything that reads
 * a cgroup (../v1/read.ts, ../v2/read.ts): a cgroup file is generated in memory
 * by the kernel, an asynchronous read costs a thread-pool round trip per file,
 * which made a sample several times dearer, and even a promise per file (a
 * sample reads 8–11) was garbage the collector paid for (BENCHMARKS.md).
 * `files` says how: opened per read, or kept open (./files.ts).
 *
 * @module
 */

import { join } from "node:path";
import { type FileReader, openPerRead } from "./files.ts";

export class CgroupDirectory {
  constructor(
    readonly path: string,
    private readonly errors: string[],
    private readonly files: FileReader = openPerRead,
  ) {}

  /** Reads `name` and parses it; undefined when absent, unreadable or malformed. */
  read<T>(name: string, parse: (text: string) => T): T | undefined {
    let text: string | undefined;
    try {
      text = this.files.read(`${this.path}/${name}`);
    } catch (error) {
      this.errors.push(`${join(this.path, name)}: cannot read: ${(error as Error).message}`);
      return undefined;
    }
    return this.pick(name, text, parse);
  }

  /** Extracts a value from an already parsed file; a failure is reported against that file. */
  pick<T, R>(name: string, content: T | undefined, extract: (content: T) => R): R | undefined {
    if (content === undefined) return undefined;
    try {
      return extract(content);
    } catch (error) {
      this.errors.push(`${join(this.path, name)}: ${(error as Error).message}`);
      return undefined;
    }
  }
}

/** Whether `path` is an existing directory (false for anything unreadable). */
export function isDirectory(path: string): Promise<boolean> {
  try {
    return Promise.resolve(Deno.statSync(path).isDirectory);
  } catch {
    return Promise.resolve(false);
  }
}

/** Whether `path` exists. */
export function exists(path: string): Promise<boolean> {
  try {
    Deno.lstatSync(path);
    return Promise.resolve(true);
  } catch {
    return Promise.resolve(false);
  }
}
