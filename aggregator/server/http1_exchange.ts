/**
 * One request and its answer on a plain HTTP/1.1 connection, for the metrics
 * listener, which answers only bodiless `GET`s (`/metrics`, `/healthz`, the
 * status page): the request head is read within a byte budget and two
 * deadlines — no byte for
 * `idleMs` (a silent connection) or no complete head within `headerMs` (a
 * slowloris trickle) closes the connection — and the answer is written with
 * `connection: close` within `writeMs`, so nothing holds a connection longer
 * than the sum. A head too large or malformed is answered 431 or 400.
 *
 * @module
 */
import { deadline } from "../../shared/async/mod.ts";

/** The most a request head may take (request line and headers). */
export const MAX_HEAD_BYTES = 8 * 1024;

export interface ExchangeTimeouts {
  /** Longest pause between two bytes of the request head. */
  idleMs: number;
  /** Longest time from the connection's start to the end of the request head. */
  headerMs: number;
  /** Longest time to write the answer. */
  writeMs: number;
}

/** A parsed request line. */
export interface RequestLine {
  method: string;
  /** The request target as sent, e.g. `/metrics?x=1`. */
  target: string;
}

/**
 * Reads one request head from `conn`, answers it with `answer`, and returns;
 * the caller closes `conn`. Throws on a deadline, a write failure, or the
 * peer closing.
 */
export async function exchange(
  conn: Deno.Conn,
  timeouts: ExchangeTimeouts,
  answer: (line: RequestLine) => Promise<Response>,
): Promise<void> {
  const head = await within(readHead(conn, timeouts.idleMs), timeouts.headerMs, () => conn.close());
  const response = typeof head === "number"
    ? new Response(head === 431 ? "request head too large\n" : "bad request\n", { status: head })
    : await answer(head);
  const bytes = await serialize(response);
  await within(writeAll(conn, bytes), timeouts.writeMs, () => conn.close());
}

const HEAD_END = [13, 10, 13, 10];

/** The request line, or the status to refuse it with. */
async function readHead(conn: Deno.Conn, idleMs: number): Promise<RequestLine | 400 | 431> {
  const head = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  for (;;) {
    if (length === head.length) return 431;
    const read = await within(conn.read(head.subarray(length)), idleMs, () => conn.close());
    if (read === null) throw new Deno.errors.UnexpectedEof("the client closed before its request");
    const from = Math.max(0, length - HEAD_END.length + 1);
    length += read;
    const end = indexOf(head.subarray(0, length), HEAD_END, from);
    if (end >= 0) return requestLine(new TextDecoder().decode(head.subarray(0, end)));
  }
}

function indexOf(bytes: Uint8Array, pattern: number[], from: number): number {
  outer: for (let index = from; index <= bytes.length - pattern.length; index++) {
    for (let offset = 0; offset < pattern.length; offset++) {
      if (bytes[index + offset] !== pattern[offset]) continue outer;
    }
    return index;
  }
  return -1;
}

function requestLine(head: string): RequestLine | 400 {
  const match = /^([A-Z]+) (\/\S*) HTTP\/1\.[01]$/.exec(head.split("\r\n", 1)[0]);
  return match ? { method: match[1], target: match[2] } : 400;
}

async function serialize(response: Response): Promise<Uint8Array> {
  const body = new Uint8Array(await response.arrayBuffer());
  // The reason phrase is optional (RFC 9112 §4); clients read the code.
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText}`];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${body.length}`, "connection: close", "", "");
  const head = new TextEncoder().encode(lines.join("\r\n"));
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

/** `work`, or a rejection once `ms` passed (after `onExpiry`, which unblocks `work`). */
function within<T>(work: Promise<T>, ms: number, onExpiry: () => void): Promise<T> {
  return deadline(work, ms, () => {
    onExpiry();
    throw new Deno.errors.TimedOut(`no progress within ${ms} ms`);
  });
}
