/**
 * Unknown keys in the aggregator's JSON configuration variables are refused,
 * not ignored: a misspelt `"sit"` would otherwise silently fall back to the
 * default Datadog site. The error names the variable and suggests the nearest
 * known key.
 *
 * @module
 */
import { ConfigError } from "./env.ts";

/** Throws a ConfigError naming `variable` for the first key of `object` not in `known`. */
export function refuseUnknownKeys(
  object: Record<string, unknown>,
  variable: string,
  known: readonly string[],
  example: string,
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const nearest = nearestKey(key, known);
    const hint = nearest === undefined ? "" : `; did you mean "${nearest}"?`;
    throw new ConfigError(
      variable,
      `unknown key "${key}"${hint} (known keys: ${known.join(", ")})`,
      example,
    );
  }
}

/** The known key closest to `key` by edit distance, when close enough to be a typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate);
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(2, Math.floor(best.key.length / 3));
  return best.distance <= allowed ? best.key : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
