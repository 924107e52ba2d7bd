/**
 * Logging for both programs, on LogTape: one line per record on stderr (stdout
 * belongs to the aggregator's point stream), text by default or JSON lines,
 * debug when `MINI_COLLECTOR_DEBUG` is present. Properties whose names look
 * like secrets are replaced before any formatter sees them, so an API key or
 * password passed as a log property never reaches the output.
 *
 * @module
 */

import {
  configureSync,
  defaultTextFormatter,
  getLogger,
  jsonLinesFormatter,
  type Logger,
  type LogRecord,
  resetSync,
  type Sink,
} from "@logtape/logtape";

export type { Logger };

export interface LoggingOptions {
  debug: boolean;
  json: boolean;
  /** Receives each formatted line; stderr by default. */
  write?: (line: string) => void;
}

const ROOT = "mini-collector";
const SECRET_NAME = /key|password|passwd|secret|token|authorization|credential/i;
const encoder = new TextEncoder();

/** The logger for one part of a program, e.g. `log("collector", "publisher")`. */
export function log(...category: string[]): Logger {
  return getLogger([ROOT, ...category]);
}

/**
 * `text` as a message template that prints as it is: a sentence built
 * beforehand (a startup report line) would otherwise print its values quoted,
 * and any brace in it would read as a placeholder.
 */
export function literal(text: string): string {
  return text.replaceAll("{", "{{").replaceAll("}", "}}");
}

export function setupLogging(options: LoggingOptions): void {
  const format = options.json ? jsonLinesFormatter : defaultTextFormatter;
  const write = options.write ?? ((line: string) => Deno.stderr.writeSync(encoder.encode(line)));
  const sink: Sink = (record) => write(format(redact(record)));
  resetSync();
  configureSync({
    sinks: { stderr: sink },
    loggers: [
      { category: [ROOT], sinks: ["stderr"], lowestLevel: options.debug ? "debug" : "info" },
      { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
    ],
  });
}

/** A copy of the record with secret-looking properties masked, in its properties and its message. */
function redact(record: LogRecord): LogRecord {
  const secrets = Object.keys(record.properties).filter((name) => SECRET_NAME.test(name));
  if (secrets.length === 0) return record;
  const properties = { ...record.properties };
  for (const name of secrets) properties[name] = "[redacted]";
  // Odd message positions hold the values of the template's placeholders, in order.
  const placeholders = typeof record.rawMessage === "string"
    ? [...record.rawMessage.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1])
    : [];
  const message = record.message.map((part, index) =>
    index % 2 === 1 && SECRET_NAME.test(placeholders[(index - 1) / 2] ?? "") ? "[redacted]" : part
  );
  return { ...record, properties, message };
}

/**
 * A sample time (whole Unix seconds) as log lines print it, `2026-12-02T10:46:17Z`: unquoted in
 * text lines, a string in JSON lines.
 */
export function sampleTime(unixSeconds: number): SampleTime {
  return new SampleTime(unixSeconds);
}

class SampleTime {
  readonly #text: string;

  constructor(unixSeconds: number) {
    this.#text = Number.isFinite(unixSeconds)
      ? new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, "Z")
      : String(unixSeconds);
  }

  toJSON(): string {
    return this.#text;
  }

  toString(): string {
    return this.#text;
  }

  [Symbol.for("Deno.customInspect")](): string {
    return this.#text;
  }
}
