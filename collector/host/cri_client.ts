/**
 * A client of a node runtime's CRI `RuntimeService` (proto/runtime/v1/cri.proto)
 * on its unix socket, spoken by the collector's own HTTP/2 connection and
 * unary gRPC framing (collector/grpc/): one connection, opened on first use
 * and kept across calls, replaced after it fails. Every call has a deadline
 * covering the connect too. A response is bounded ({@link CRI_LIMITS}), so a
 * runtime listing a huge node cannot exhaust the collector's memory.
 *
 * @module
 */
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ConnectionLimits, Http2Connection } from "../grpc/connection.ts";
import { encodeEnvelope } from "../grpc/envelope.ts";
import { unaryRequestFields, unaryResponseMessage } from "../grpc/unary.ts";

/**
 * A listing of a full node (110 pods, their labels and annotations) stays
 * well under 16 MiB; anything larger is refused, not buffered.
 */
export const CRI_LIMITS: ConnectionLimits = {
  maxHeaderListSize: 16 * 1024,
  maxResponseBytes: 16 * 1024 * 1024,
};

export class CriClient implements Disposable {
  #connection?: Http2Connection;

  constructor(readonly socketPath: string, readonly timeoutMs = 5_000) {}

  /** One unary call of `method` (e.g. `RuntimeService.method.listContainers`). */
  async call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
  ): Promise<MessageShape<O>> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const connection = await this.#connect(signal);
      const response = await connection.exchange(
        unaryRequestFields({
          scheme: "http",
          authority: "localhost",
          path: `/${method.parent.typeName}/${method.name}`,
          metadata: [],
          timeoutMs: this.timeoutMs,
        }),
        encodeEnvelope(toBinary(method.input, create(method.input, request))),
        signal,
      );
      return fromBinary(method.output, unaryResponseMessage(response));
    } catch (error) {
      if (!signal.aborted) throw error;
      throw new ConnectError(
        `${this.socketPath}: no answer to ${method.name} within ${this.timeoutMs} ms`,
        Code.DeadlineExceeded,
      );
    }
  }

  async #connect(signal: AbortSignal): Promise<Http2Connection> {
    if (this.#connection?.usable) return this.#connection;
    this.#connection = await Http2Connection.openUnix(this.socketPath, signal, CRI_LIMITS);
    return this.#connection;
  }

  [Symbol.dispose](): void {
    this.#connection?.close(new ConnectError("the CRI client was closed", Code.Canceled));
    this.#connection = undefined;
  }
}
