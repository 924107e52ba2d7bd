/**
 * The collector's gRPC client for the `Aggregator` service (`Publish` and
 * `PublishBatch`) on a connection of its own: one HTTP/2 connection opened on first use and kept across calls,
 * replaced after it fails or the server sends GOAWAY. Each call has a hard
 * local deadline (its `timeoutMs`, also sent as `grpc-timeout`) that covers
 * connecting too, and honours the caller's `AbortSignal`; every failure is a
 * `ConnectError` with the gRPC code that says whether to retry.
 *
 * @module
 */
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { type CallOptions, Code, ConnectError } from "@connectrpc/connect";
import {
  Aggregator,
  PublishBatchRequestSchema,
  PublishBatchResponseSchema,
  PublishRequestSchema,
  PublishResponseSchema,
} from "../../shared/gen/aggregator_pb.ts";
import {
  type ConnectionLimits,
  type ConnectionTarget,
  DEFAULT_LIMITS,
  Http2Connection,
} from "./connection.ts";
import { encodeEnvelope } from "./envelope.ts";
import { unaryRequestFields, unaryResponseMessage } from "./unary.ts";

export class GrpcAggregatorClient {
  #target: ConnectionTarget;
  #limits: ConnectionLimits;
  #connection?: Promise<Http2Connection>;
  #closed = new AbortController();

  constructor(target: ConnectionTarget, limits: ConnectionLimits = DEFAULT_LIMITS) {
    this.#target = target;
    this.#limits = limits;
  }

  publish(request: MessageInitShape<typeof PublishRequestSchema>, options?: CallOptions) {
    return this.#unary(
      Aggregator.method.publish.name,
      PublishRequestSchema,
      PublishResponseSchema,
      request,
      options,
    );
  }

  publishBatch(request: MessageInitShape<typeof PublishBatchRequestSchema>, options?: CallOptions) {
    return this.#unary(
      Aggregator.method.publishBatch.name,
      PublishBatchRequestSchema,
      PublishBatchResponseSchema,
      request,
      options,
    );
  }

  async #unary<I extends DescMessage, O extends DescMessage>(
    method: string,
    input: I,
    output: O,
    request: MessageInitShape<I>,
    options: CallOptions = {},
  ): Promise<MessageShape<O>> {
    const message = toBinary(input, create(input, request));
    const call = callSignal(options, this.#closed.signal);
    try {
      const connection = await this.#connect(call.signal);
      const fields = unaryRequestFields({
        scheme: this.#target.tls ? "https" : "http",
        authority: `${this.#target.host}:${this.#target.port}`,
        path: `/${Aggregator.typeName}/${method}`,
        metadata: new Headers(options.headers),
        timeoutMs: options.timeoutMs,
      });
      const response = await connection.exchange(fields, encodeEnvelope(message), call.signal);
      return fromBinary(output, unaryResponseMessage(response));
    } finally {
      call.done();
    }
  }

  /** Closes the connection; the call in progress, if any, fails as cancelled. */
  close(): void {
    this.#closed.abort(new ConnectError("the client was closed", Code.Canceled));
    this.#connection?.then(
      (connection) => connection.close(this.#closed.signal.reason),
      () => {},
    );
    this.#connection = undefined;
  }

  /** The kept connection, or a new one when there is none or it can take no new call. */
  async #connect(signal: AbortSignal): Promise<Http2Connection> {
    const kept = await this.#connection?.catch(() => undefined);
    if (kept?.usable) return kept;
    const opening = Http2Connection.open(this.#target, signal, this.#limits);
    this.#connection = opening;
    opening.catch(() => {
      if (this.#connection === opening) this.#connection = undefined;
    });
    return await opening;
  }
}

/** The call's signal: aborted by the caller, at the deadline, or when the client closes. */
function callSignal(options: CallOptions, closed: AbortSignal) {
  const controller = new AbortController();
  const abort = (reason: ConnectError) => controller.abort(reason);
  const cancelled = () =>
    abort(
      new ConnectError(`the call was cancelled: ${String(options.signal?.reason)}`, Code.Canceled),
    );
  const onClosed = () => abort(closed.reason);
  options.signal?.addEventListener("abort", cancelled, { once: true });
  closed.addEventListener("abort", onClosed, { once: true });
  if (options.signal?.aborted) cancelled();
  if (closed.aborted) onClosed();
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(
    () =>
      abort(new ConnectError(`no answer within ${options.timeoutMs} ms`, Code.DeadlineExceeded)),
    options.timeoutMs,
  );
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", cancelled);
      closed.removeEventListener("abort", onClosed);
    },
  };
}
