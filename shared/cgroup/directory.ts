// Reads files of one cgroup directory. A file the kernel does not provide is
// simply absent (undefined); a file that cannot be read or parsed is absent
// too and adds one line to `errors` naming the file and the problem. Nothing
// here throws.
import { join } from "node:path";

export class CgroupDirectory {
  constructor(readonly path: string, private readonly errors: string[]) {}

  /** Reads `name` and parses it; undefined when absent, unreadable or malformed. */
  async read<T>(name: string, parse: (text: string) => T): Promise<T | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(join(this.path, name));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
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
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
