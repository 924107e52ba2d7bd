/**
 * Go duration strings (`time.ParseDuration` syntax), the format every interval
 * and timeout variable has used since the Go original: `30s`, `1m30s`,
 * `500ms`, `1.5h`. Units are required and the value must not be negative.
 *
 * @module
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration into milliseconds; throws a RangeError describing what is wrong. */
export function parseDuration(text: string): number {
  if (text === "") throw new RangeError("empty duration");
  if (text.startsWith("-")) throw new RangeError(`negative duration "${text}"`);
  const body = text.startsWith("+") ? text.slice(1) : text;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    TERM.lastIndex = at;
    const term = TERM.exec(body);
    if (term === null) {
      throw new RangeError(
        `"${text}" is not a duration: expected a number followed by one of ns, us, ms, s, m, h`,
      );
    }
    total += Number(term[1]) * UNIT_MS[term[2]];
    at = TERM.lastIndex;
  }
  if (body.length === 0) throw new RangeError(`"${text}" is not a duration`);
  return total;
}

/** Formats milliseconds the way Go prints durations (`1m30s`, `500ms`), for log lines. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return (hours ? `${hours}h` : "") + (hours || minutes ? `${minutes}m` : "") + `${seconds}s`;
}
