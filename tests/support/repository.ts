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

/**
 * The files below `folders` whose names `keep` accepts, as sorted repository
 * paths; generated code and fixtures are not walked.
 */
export function repositoryFiles(
  folders: readonly string[],
  keep: (name: string) => boolean,
): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(new URL(`${dir}/`, ROOT))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        if (!["gen", "fixtures"].includes(entry.name)) walk(path);
      } else if (keep(entry.name)) files.push(path);
    }
  };
  for (const folder of folders) walk(folder);
  return files.sort();
}
