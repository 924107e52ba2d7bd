/**
 * The repository's own files, for the tests that hold documentation and
 * deployment files to the code: paths are relative to the repository root.
 *
 * @module
 */

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url);

/** A file of the repository, as text. */
export function readRepositoryFile(path: string): string {
  return Deno.readTextFileSync(new URL(path, ROOT));
}

/** Whether the repository holds `path` (a file or a directory). */
export function repositoryHas(path: string): boolean {
  try {
    Deno.statSync(new URL(path, ROOT));
    return true;
  } catch {
    return false;
  }
}

/**
 * The repository paths a text names: words that start with a top-level entry
 * of the repository (`collector/…`, `Dockerfile.collector`, `.ci/run`), not a
 * pattern or a template (`tests/*_test.ts`, `<id>/…`); a sentence's full stop
 * is not part of the path.
 */
export function repositoryPaths(text: string): Set<string> {
  const topLevel = [...Deno.readDirSync(ROOT)].map((entry) => entry.name)
    .filter((name) => name !== ".git");
  const pattern = new RegExp(
    `(?<![\\w./<-])(?:${topLevel.map((name) => name.replace(/\./g, "\\.")).join("|")})` +
      `(?:/[\\w.@-]+)*/?(?![\\w<*{])`,
    "g",
  );
  return new Set(
    (text.match(pattern) ?? [])
      .map((path) => path.replace(/\.+$/, ""))
      .filter((path) => !path.startsWith("toolchain/node_modules")),
  );
}
