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
