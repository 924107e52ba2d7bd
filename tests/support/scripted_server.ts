/**
 * A local HTTP receiver for sink tests (Deno.serve on 127.0.0.1:0): it keeps
 * every request (body decompressed according to `Content-Encoding`) and
 * answers as the test's script says — any status and headers, or "hang"
 * until the client gives up or the server closes.
 */
import { gunzipSync, inflateSync } from "node:zlib";
import { withDeadline } from "./deadline.ts";

export interface Received {
  method: string;
  url: URL;
  headers: Headers;
  /** The body as text, after decompression. */
  text: string;
  /** The body as bytes, after gzip/deflate decompression (other encodings left as sent). */
  bytes: Uint8Array;
  /** When it arrived (performance.now()). */
  at: number;
}

export type Reply = Response | "hang";

export interface ScriptedServer {
  url: URL;
  received: Received[];
  close(): Promise<void>;
}

/** `reply` sees each request with its index (from 0) among those received. */
export function scriptedServer(
  reply: (request: Received, index: number) => Reply | Promise<Reply>,
): ScriptedServer {
  const received: Received[] = [];
  const closing = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const bytes = new Uint8Array(await request.arrayBuffer());
      const encoding = request.headers.get("content-encoding");
      const body = encoding === "gzip"
        ? gunzipSync(bytes)
        : encoding === "deflate"
        ? inflateSync(bytes)
        : bytes;
      const entry: Received = {
        method: request.method,
        url: new URL(request.url),
        headers: request.headers,
        text: new TextDecoder().decode(body),
        bytes: new Uint8Array(body),
        at: performance.now(),
      };
      received.push(entry);
      const answer = await reply(entry, received.length - 1);
      if (answer !== "hang") return answer;
      const gone = Promise.withResolvers<void>();
      request.signal.addEventListener("abort", () => gone.resolve(), { once: true });
      await Promise.race([gone.promise, closing.promise]);
      return new Response("too late", { status: 503 });
    },
  );
  return {
    url: new URL(`http://127.0.0.1:${server.addr.port}/`),
    received,
    close: async () => {
      closing.resolve();
      await withDeadline(server.shutdown(), 10_000, "waiting for the scripted server to shut down");
    },
  };
}
