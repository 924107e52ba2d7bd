/**
 * A gRPC client of the aggregator's Publish RPC for tests that need one but
 * do not test a particular client library: Debian's python3-grpcio (its C
 * core) in a child process, one HTTP/2 connection per publisher, driven by
 * tests/support/grpc_publisher.py over stdin/stdout. Every call and the
 * shutdown have hard deadlines, so a stuck connection fails the test with the
 * step it was waiting for instead of hanging it.
 *
 * @module
 */
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { settledWithin, withDeadline } from "./deadline.ts";

const SCRIPT = new URL("./grpc_publisher.py", import.meta.url).pathname;
/** Debian's python3, where python3-grpcio is installed (the one on PATH may lack it). */
const PYTHON = "/usr/bin/python3";
const CALL_TIMEOUT_MS = 10_000;
/** Beyond the call's own gRPC deadline, for the answer to cross the pipe. */
const CALL_GRACE_MS = 5_000;
const EXIT_TIMEOUT_MS = 5_000;

/** The answer to one Publish: gRPC status code (0 = acknowledged) and message. */
export interface GrpcAnswer {
  code: number;
  message: string;
}

/** TLS files for the client: the CA to trust, and a certificate and key to present. */
export interface GrpcTls {
  ca: string;
  cert?: string;
  key?: string;
}

export class GrpcPublisher {
  readonly target: string;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #pending = new Map<number, PromiseWithResolvers<GrpcAnswer>>();
  #nextId = 0;
  #stderr = "";
  #done: Promise<void>;

  private constructor(target: string, tls?: GrpcTls) {
    this.target = target;
    this.#child = new Deno.Command(PYTHON, {
      args: [SCRIPT, target, ...(tls ? [JSON.stringify(tls)] : [])],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#done = Promise.all([this.#readAnswers(), this.#readStderr()]).then(() => {});
  }

  /** Starts a publisher for `target` (host:port); TLS files are paths. */
  static start(target: string, tls?: GrpcTls): GrpcPublisher {
    return new GrpcPublisher(target, tls);
  }

  /**
   * One Publish with `headers` as metadata; fails naming the call if no answer
   * comes within the call's deadline.
   */
  async publish(
    fields: MessageInitShape<typeof PublishRequestSchema>,
    headers: Record<string, string>,
    timeoutMs = CALL_TIMEOUT_MS,
  ): Promise<GrpcAnswer> {
    const id = this.#nextId++;
    const answer = Promise.withResolvers<GrpcAnswer>();
    this.#pending.set(id, answer);
    const bytes = toBinary(PublishRequestSchema, create(PublishRequestSchema, fields));
    const request = btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));
    const line = JSON.stringify({ id, request, headers, timeoutMs }) + "\n";
    const step = `waiting for ${this.target} to answer Publish (container ${headers.container})`;
    try {
      await this.#stdin.write(new TextEncoder().encode(line));
      return await withDeadline(answer.promise, timeoutMs + CALL_GRACE_MS, step);
    } finally {
      this.#pending.delete(id);
    }
  }

  /** Like {@link publish}, but throws unless the call was acknowledged. */
  async publishOk(
    fields: MessageInitShape<typeof PublishRequestSchema>,
    headers: Record<string, string>,
  ): Promise<void> {
    const answer = await this.publish(fields, headers);
    if (answer.code !== 0) {
      throw new Error(`Publish to ${this.target} refused: ${JSON.stringify(answer)}`);
    }
  }

  /** Ends the client: stdin closed (the channel closes after the calls in flight), or killed. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    if (!await settledWithin(this.#child.status, EXIT_TIMEOUT_MS)) {
      this.#child.kill("SIGKILL");
    }
    await withDeadline(this.#done, EXIT_TIMEOUT_MS, "waiting for the gRPC publisher to exit");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #readAnswers(): Promise<void> {
    let rest = "";
    for await (const text of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + text).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const { id, code, message } = JSON.parse(line);
        this.#pending.get(id)?.resolve({ code, message });
      }
    }
    await this.#child.status;
    for (const call of this.#pending.values()) {
      call.reject(new Error(`the gRPC publisher exited; stderr:\n${this.#stderr.slice(-2000)}`));
    }
  }

  async #readStderr(): Promise<void> {
    for await (const text of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr += text;
    }
  }
}
