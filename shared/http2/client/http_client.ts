/**
 * connect-es's HTTP client abstraction (`UniversalClientFn`) on the
 * project's own HTTP/2 connection: connect's gRPC and Connect transports
 * build the requests (envelopes, `grpc-timeout`, metadata) and read the
 * answers (status, trailers, error details), and this module only carries
 * them. One connection is opened on first use and kept across calls, replaced
 * after it fails or the server sends GOAWAY; every failure is a
 * `ConnectError` with the code that says whether to retry.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type {
  UniversalClientFn,
  UniversalClientRequest,
  UniversalClientResponse,
} from "@connectrpc/connect/protocol";
import { type HeaderField, joinBytes } from "../mod.ts";
import {
  type ConnectionLimits,
  type ConnectionTarget,
  DEFAULT_LIMITS,
  Http2Connection,
  type Http2Response,
} from "./connection.ts";

export class Http2Client {
  /** `http://host:port` or `https://…`: every request URL starts with it. */
  readonly baseUrl: string;
  /** The client for connect's transports (`httpClient`). */
  readonly fetch: UniversalClientFn = (request) => this.#fetch(request);
  #target: ConnectionTarget;
  /** The pseudo-header fields every request of this client carries alike. */
  #scheme: HeaderField;
  #authority: HeaderField;
  #limits: ConnectionLimits;
  #connection?: Promise<Http2Connection>;
  #closed = new AbortController();

  constructor(target: ConnectionTarget, limits: ConnectionLimits = DEFAULT_LIMITS) {
    this.#target = target;
    this.#limits = limits;
    this.baseUrl = baseUrlOf(target);
    this.#scheme = [":scheme", this.baseUrl.slice(0, this.baseUrl.indexOf(":"))];
    this.#authority = [":authority", this.baseUrl.slice(this.baseUrl.indexOf("//") + 2)];
  }

  /** Closes the connection; calls in progress, and any later, fail as cancelled. */
  close(): void {
    this.#closed.abort(new ConnectError("the client was closed", Code.Canceled));
    this.#connection?.then(
      (connection) => connection.close(this.#closed.signal.reason),
      () => {},
    );
    this.#connection = undefined;
  }

  async #fetch(request: UniversalClientRequest): Promise<UniversalClientResponse> {
    // Closing the client closes the connection, which rejects the exchanges in flight with the
    // same reason: a call needs no signal of its own joining the client's.
    const closed = this.#closed.signal;
    if (closed.aborted) throw closed.reason;
    const signal = request.signal ?? closed;
    if (signal.aborted) throw signal.reason;
    const fields = this.#requestFields(request);
    const body = request.body ? await readAll(request.body) : EMPTY;
    const connection = await this.#connect(request.signal);
    if (closed.aborted) throw closed.reason;
    return universalResponse(await connection.exchange(fields, body, signal));
  }

  #requestFields(request: UniversalClientRequest): HeaderField[] {
    if (!request.url.startsWith(`${this.baseUrl}/`)) {
      throw new ConnectError(`${request.url} is not on ${this.baseUrl}`, Code.InvalidArgument);
    }
    const fields: HeaderField[] = [
      request.method === "POST" ? POST : [":method", request.method],
      this.#scheme,
      [":path", request.url.slice(this.baseUrl.length)],
      this.#authority,
    ];
    // Connect's transports build these headers: none of them is connection-specific. (forEach,
    // not for-of: Deno's Headers iterator costs several times more per call.)
    request.header.forEach((value, name) => fields.push([name, value]));
    return fields;
  }

  /** The kept connection, or a new one when there is none or it can take no new call. */
  async #connect(callSignal: AbortSignal | undefined): Promise<Http2Connection> {
    const kept = await this.#connection?.catch(() => undefined);
    if (kept?.usable) return kept;
    // Opening is cut by the call's signal or by closing the client, whichever comes first.
    const signal = callSignal
      ? AbortSignal.any([callSignal, this.#closed.signal])
      : this.#closed.signal;
    const opening = Http2Connection.open(this.#target, signal, this.#limits);
    this.#connection = opening;
    opening.catch(() => {
      if (this.#connection === opening) this.#connection = undefined;
    });
    return await opening;
  }
}

/** A unix socket's requests name `localhost`, as gRPC clients of a local runtime do. */
function baseUrlOf(target: ConnectionTarget): string {
  if ("socketPath" in target) return "http://localhost";
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `${target.tls ? "https" : "http"}://${host}:${target.port}`;
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return joinBytes(chunks);
}

function universalResponse(response: Http2Response): UniversalClientResponse {
  const { body } = response;
  return {
    status: response.status,
    header: headersOf(response.headers),
    body: (async function* () {
      if (body.length) yield body;
    })(),
    trailer: headersOf(response.trailers),
  };
}

const EMPTY = new Uint8Array(0);
const POST: HeaderField = [":method", "POST"];

/** The regular fields as `Headers`; a name or value `Headers` refuses is a malformed response. */
function headersOf(fields: readonly HeaderField[]): Headers {
  const headers = new Headers();
  for (const [name, value] of fields) {
    if (name.startsWith(":")) continue;
    try {
      headers.append(name, value);
    } catch {
      throw new ConnectError(
        `malformed response: the header field "${name}" is not valid HTTP`,
        Code.Internal,
      );
    }
  }
  return headers;
}
