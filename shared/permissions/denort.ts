/**
 * The compile tasks' second check, before `deno compile` runs: a compiled
 * binary is Deno's runtime (`denort`) with the program appended, and
 * `deno compile` downloads that runtime from dl.deno.land unless `DENORT_BIN`
 * names a local copy or an earlier build left it in Deno's cache. Where the
 * host cannot be reached, `deno compile` would stop with a DNS or connection
 * error after creating the output directory; this stops first, says what is
 * downloaded and how to build offline, and creates nothing.
 *
 * @module
 */

import { join } from "node:path";

const PROBE_TIMEOUT_MS = 15_000;

/** The runtime archive `deno compile` fetches for this Deno and this machine. */
export function denortArchive(): { name: string; url: string } {
  const name = `denort-${Deno.build.target}.zip`;
  return { name, url: `https://dl.deno.land/release/v${Deno.version.deno}/${name}` };
}

/** Where Deno keeps a runtime it downloaded before, so a second build needs no network. */
export function cachedArchive(env: (name: string) => string | undefined): string | undefined {
  const home = env("HOME");
  const cacheHome = env("XDG_CACHE_HOME") ?? (home ? join(home, ".cache") : undefined);
  const denoDir = env("DENO_DIR") ?? (cacheHome ? join(cacheHome, "deno") : undefined);
  return denoDir && join(denoDir, "dl", "release", `v${Deno.version.deno}`, denortArchive().name);
}

/** The hint printed when the runtime cannot be had, or undefined when the build may go on. */
export async function missingRuntime(
  env: (name: string) => string | undefined,
): Promise<string | undefined> {
  if (env("DENORT_BIN")) return undefined;
  const cached = cachedArchive(env);
  if (cached && (await Deno.stat(cached).catch(() => undefined))?.isFile) return undefined;
  const { url } = denortArchive();
  try {
    const response = await fetch(url, {
      method: "HEAD",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return undefined;
  } catch (error) {
    return [
      `cannot compile: deno compile downloads Deno's runtime for the binary from ${url}, ` +
      `and that host cannot be reached (${reason(error)}).`,
      `To build offline, set DENORT_BIN to the path of a denort binary of Deno ` +
      `${Deno.version.deno} for ${Deno.build.target} (the file "denort" inside that zip, ` +
      `fetched on a machine that can reach the host), e.g. DENORT_BIN=/opt/denort deno task compile:…`,
    ].join("\n");
  }
}

/** fetch says "fetch failed"; its cause says why (DNS, refused, timeout). */
function reason(error: unknown): string {
  const cause = (error as Error).cause;
  const message = cause instanceof Error ? cause.message : (error as Error).message;
  return message.replace(/^error sending request for url \([^)]*\): /, "");
}

if (import.meta.main) {
  const hint = await missingRuntime((name) => Deno.env.get(name));
  if (hint) {
    console.error(hint);
    Deno.exit(1);
  }
}
