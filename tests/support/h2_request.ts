/**
 * One raw HTTP/2 POST with exact bytes — header values that are not UTF-8 or
 * hold control characters, truncated or oversize bodies, any content type —
 * made by tests/support/h2_request.py (Debian's python3-h2 on a plain
 * socket). Unlike curl it stops uploading as soon as the server ends the
 * stream, so an early refusal of a large body is seen, not waited out. The
 * exchange has the script's socket timeout and a hard deadline on top.
 *
 * @module
 */
import { outputWithin } from "./deadline.ts";

/** Debian's python3, where python3-h2 is installed (the one on PATH may lack it). */
const PYTHON = "/usr/bin/python3";
const SCRIPT = new URL("./h2_request.py", import.meta.url).pathname;
/** Beyond the socket timeout, for python to start and answer. */
const START_GRACE_MS = 10_000;

export interface H2Reply {
  /** The HTTP status, 0 if none arrived. */
  status: number;
  /** Response header and trailer fields (pseudo-headers included), names as sent. */
  headers: Record<string, string>;
  /** The response body, one character per byte. */
  body: string;
  /** Why the exchange broke off (RST_STREAM, GOAWAY, closed connection), if it did. */
  failure?: string;
  /** Nothing more came within the timeout. */
  hung?: boolean;
}

/**
 * POSTs `body` to `path` on 127.0.0.1:`port`; `headers` are sent byte for
 * byte, one byte per character.
 */
export async function h2Request(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
  timeoutMs = 10_000,
): Promise<H2Reply> {
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-h2-" });
  try {
    const bodyFile = `${directory}/body`;
    await Deno.writeFile(bodyFile, body);
    const request = `${directory}/request.json`;
    await Deno.writeTextFile(
      request,
      JSON.stringify({
        host: "127.0.0.1",
        port,
        path,
        headers: Object.entries(headers),
        bodyFile,
        timeoutMs,
      }),
    );
    const output = await outputWithin(
      PYTHON,
      { args: [SCRIPT, request] },
      timeoutMs + START_GRACE_MS,
      `waiting for 127.0.0.1:${port} to answer POST ${path} (h2_request.py)`,
    );
    if (!output.success) {
      throw new Error(`h2_request.py failed: ${new TextDecoder().decode(output.stderr)}`);
    }
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}
