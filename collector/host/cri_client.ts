/**
 * A client of a node runtime's CRI `RuntimeService` (proto/runtime/v1/cri.proto)
 * on its unix socket: connect's gRPC transport over the collector's own
 * HTTP/2 client (shared/http2/client/), one connection opened on first use and
 * kept across calls, replaced after it fails. Every call has a deadline
 * covering the connect too. A response is bounded ({@link CRI_LIMITS}), so a
 * runtime listing a huge node cannot exhaust the collector's memory.
 *
 * @module
 */
import type {
  DescMessage,
  DescMethodUnary,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-grpc";
import {
  type ConnectionLimits,
  DEFAULT_LIMITS,
  Http2Client,
} from "../../shared/http2/client/mod.ts";
import { transportOptions } from "../grpc/mod.ts";

/**
 * A listing of a full node (110 pods, their labels and annotations) stays
 * well under 16 MiB; anything larger is refused, not buffered.
 */
export const CRI_LIMITS: ConnectionLimits = {
  ...DEFAULT_LIMITS,
  maxResponseBytes: 16 * 1024 * 1024,
};

/** The requests are a few bytes of filters. */
const WRITE_MAX_BYTES = 64 * 1024;

export class CriClient implements Disposable {
  #http: Http2Client;
  #transport: Transport;

  constructor(readonly socketPath: string, readonly timeoutMs = 5_000) {
    this.#http = new Http2Client({ socketPath }, CRI_LIMITS);
    this.#transport = createTransport(
      transportOptions(this.#http, {
        readMaxBytes: CRI_LIMITS.maxResponseBytes,
        writeMaxBytes: WRITE_MAX_BYTES,
      }),
    );
  }

  /** One unary call of `method` (e.g. `RuntimeService.method.listContainers`). */
  async call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
  ): Promise<MessageShape<O>> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.#transport.unary(
        method,
        signal,
        this.timeoutMs,
        undefined,
        request,
      );
      return response.message;
    } catch (error) {
      const expired = signal.aborted ||
        (error instanceof ConnectError && error.code === Code.DeadlineExceeded);
      if (!expired) throw error;
      throw new ConnectError(
        `${this.socketPath}: no answer to ${method.name} within ${this.timeoutMs} ms`,
        Code.DeadlineExceeded,
      );
    }
  }

  [Symbol.dispose](): void {
    this.#http.close();
  }
}
