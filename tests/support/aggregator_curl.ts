/**
 * HTTP/2 requests made by curl (`--http2-prior-knowledge`), for tests that
 * need exact bytes on the wire — header values that are not UTF-8 or hold
 * control characters, malformed bodies, wrong content types — or just a
 * client that cannot hang the test process: every request has curl's own
 * `--max-time` and a hard deadline on top.
 *
 * @module
 */
import { outputWithin } from "./deadline.ts";

export interface CurlRequest {
  path: string;
  /**
   * Header fields sent byte for byte (one byte per character, so values may
   * be bytes that are not UTF-8); an empty value is sent as empty. A request
   * without `content-type` here has none.
   */
  headers?: Record<string, string>;
  /** Sent with POST; without a body the request is a GET. */
  body?: Uint8Array;
  /** curl's --max-time; the hard deadline is a few seconds later. */
  timeoutMs?: number;
}

export interface CurlReply {
  /** The HTTP status, 0 if none arrived. */
  status: number;
  /** Response header and trailer fields, names lower-cased. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** curl's exit code: 0, or why the exchange failed (28: timed out, 92: HTTP/2 stream error). */
  exitCode: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** One request on its own cleartext HTTP/2 connection to `baseUrl`. */
export async function curlRequest(baseUrl: string, request: CurlRequest): Promise<CurlReply> {
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-curl-" });
  try {
    return await exchange(baseUrl, directory, request);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

async function exchange(
  baseUrl: string,
  directory: string,
  { path, headers = {}, body, timeoutMs = DEFAULT_TIMEOUT_MS }: CurlRequest,
): Promise<CurlReply> {
  // Headers go through a curl config file written byte for byte. `name;` is
  // curl's way of sending a header with an empty value, `name:` of sending
  // none (here: not its default form content type).
  const lines = Object.entries({ "content-type": undefined, ...headers }).map(([name, value]) =>
    `header = "${
      value === undefined ? `${name}:` : value === "" ? `${name};` : `${name}: ${value}`
    }"\n`
  );
  const config = `${directory}/curl.config`;
  await Deno.writeFile(config, Uint8Array.from(lines.join(""), (c) => c.charCodeAt(0)));
  const bodyArgs: string[] = [];
  if (body) {
    await Deno.writeFile(`${directory}/request`, body);
    bodyArgs.push("--data-binary", `@${directory}/request`);
  }
  const step = `waiting for curl's answer to ${body ? "POST" : "GET"} ${baseUrl}${path}`;
  const output = await outputWithin(
    "curl",
    {
      args: [
        "--silent",
        "--http2-prior-knowledge",
        "--max-time",
        String(timeoutMs / 1000),
        "--config",
        config,
        ...bodyArgs,
        "--dump-header",
        `${directory}/headers`,
        "--output",
        `${directory}/response`,
        "--write-out",
        "%{http_code}",
        `${baseUrl}${path}`,
      ],
    },
    timeoutMs + 5_000,
    step,
  );
  return {
    status: Number(new TextDecoder().decode(output.stdout)) || 0,
    headers: parseHeaders(await readIfThere(`${directory}/headers`)),
    body: await readIfThere(`${directory}/response`),
    exitCode: output.code,
  };
}

async function readIfThere(file: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Uint8Array();
    throw error;
  }
}

/** curl's header dump: the status line, header fields, a blank line, then any trailer fields. */
function parseHeaders(dump: Uint8Array): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of new TextDecoder("latin1").decode(dump).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("HTTP/")) {
      fields[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return fields;
}

/** What the aggregator answered a Connect call: HTTP status and, for an error, its code and message. */
export interface CurlAnswer {
  status: number;
  code?: string;
  message?: string;
}

/** A Connect unary Publish made by curl, headers and body sent byte for byte. */
export async function curlPublish(
  baseUrl: string,
  headers: Record<string, string>,
  body: Uint8Array,
  contentType = "application/proto",
): Promise<CurlAnswer> {
  const reply = await curlRequest(baseUrl, {
    path: "/Aggregator/Publish",
    headers: { ...headers, "content-type": contentType },
    body,
  });
  const json = new TextDecoder("latin1").decode(reply.body);
  if (!json.startsWith('{"code"')) return { status: reply.status };
  const error = JSON.parse(json);
  return { status: reply.status, code: error.code, message: error.message };
}
