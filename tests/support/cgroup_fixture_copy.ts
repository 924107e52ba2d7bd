/**
 * Writable copies of the cgroup fixtures (tests/fixtures/cgroup/<name>/<snapshot>)
 * for tests that damage a file or let a running collector watch the counters
 * move: `advanceTo` replaces every file of the copy with the later snapshot's,
 * each by an atomic rename, so a concurrent reader never sees a torn file.
 */
import { dirname, join, relative } from "node:path";
import { fixturePath } from "./cgroup_fixtures.ts";

async function* files(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* files(path);
    else yield path;
  }
}

/** A temporary directory holding a copy of one snapshot of a fixture. */
export async function copyFixture(name: string, snapshot: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: `mini-collector-${name}-` });
  await advanceTo(root, name, snapshot);
  return root;
}

/** Overwrites the copy with another snapshot of the same fixture, file by file, atomically. */
export async function advanceTo(root: string, name: string, snapshot: string): Promise<void> {
  const source = fixturePath(name, snapshot);
  for await (const file of files(source)) {
    const target = join(root, relative(source, file));
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.copyFile(file, `${target}.new`);
    await Deno.rename(`${target}.new`, target);
  }
}
