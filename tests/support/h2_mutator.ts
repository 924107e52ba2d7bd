/**
 * Mutated HTTP/2 client sessions for the fuzz test: a few well-formed
 * sessions (the client preface, SETTINGS, then gRPC, Connect and health
 * requests with bodies, window updates, pings, resets and GOAWAY), each cut
 * into frames, and a seeded generator that applies one to four random
 * mutations to a session — bit flips, a frame's type, flags, stream id or
 * length field changed, frames dropped, repeated, swapped or inserted, random
 * bytes, a cut short stream — and splits the bytes into random writes. The
 * same seed gives the same sessions, so a failure can be replayed.
 *
 * @module
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { joinBytes } from "../../shared/http2/frames.ts";
import { HeaderEncoder, type HeaderField } from "../../shared/http2/hpack.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const TYPES = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6 } as const;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;

/** A small deterministic generator (mulberry32): the same seed, the same numbers. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.below(256));
  }
}

function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(0),
) {
  const bytes = new Uint8Array(9 + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.length << 8);
  bytes[3] = type;
  bytes[4] = flags;
  view.setUint32(5, streamId & 0x7fffffff);
  bytes.set(payload, 9);
  return bytes;
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

const TAGS: HeaderField[] = [
  ["environment", "fuzz"],
  ["service", "s"],
  ["container", "c"],
  ["host_name", "h"],
];

function request(path: string, contentType: string): HeaderField[] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "127.0.0.1"],
    ["content-type", contentType],
    ["te", "trailers"],
    ...TAGS,
  ];
}

function envelope(message: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + message.length);
  new DataView(bytes.buffer).setUint32(1, message.length);
  bytes.set(message, 5);
  return bytes;
}

/** Well-formed sessions after the preface, as frames; one HPACK context each. */
function baseSessions(): Uint8Array[][] {
  const message = toBinary(
    PublishRequestSchema,
    create(PublishRequestSchema, { unixTime: BigInt(Math.floor(Date.now() / 1000)) }),
  );
  const settings = frame(TYPES.SETTINGS, 0, 0, Uint8Array.of(0, 4, 0, 1, 0, 0));
  const headers = (encoder: HeaderEncoder, id: number, fields: HeaderField[], flags = 0) =>
    frame(TYPES.HEADERS, END_HEADERS | flags, id, encoder.encode(fields));
  const grpc = new HeaderEncoder();
  const connect = new HeaderEncoder();
  const health = new HeaderEncoder();
  const split = new HeaderEncoder();
  const splitBlock = split.encode(request("/Aggregator/Publish", "application/grpc"));
  return [
    [
      settings,
      headers(grpc, 1, request("/Aggregator/Publish", "application/grpc")),
      frame(TYPES.DATA, END_STREAM, 1, envelope(message)),
      frame(WINDOW_UPDATE, 0, 0, uint32(65_535)),
      frame(TYPES.PING, 0, 0, new Uint8Array(8)),
      headers(grpc, 3, request("/Aggregator/PublishBatch", "application/grpc")),
      frame(TYPES.DATA, 0, 3, envelope(new Uint8Array(0))),
      frame(TYPES.RST_STREAM, 0, 3, uint32(8)),
    ],
    [
      settings,
      headers(connect, 1, request("/Aggregator/Publish", "application/proto")),
      frame(TYPES.DATA, END_STREAM, 1, message),
      frame(TYPES.PRIORITY, 0, 3, Uint8Array.of(0, 0, 0, 1, 16)),
      frame(GOAWAY, 0, 0, new Uint8Array(8)),
    ],
    [
      settings,
      frame(TYPES.SETTINGS, 1, 0),
      headers(health, 1, [[":method", "GET"], [":scheme", "http"], [":path", "/healthz"], [
        ":authority",
        "x",
      ]], END_STREAM),
      headers(health, 3, request("/grpc.health.v1.Health/Check", "application/grpc")),
      frame(TYPES.DATA, END_STREAM, 3, envelope(new Uint8Array(0))),
    ],
    [
      settings,
      frame(TYPES.HEADERS, 0, 1, splitBlock.subarray(0, 10)),
      frame(CONTINUATION, END_HEADERS, 1, splitBlock.subarray(10)),
      frame(TYPES.DATA, 0, 1, envelope(message).subarray(0, 3)),
      frame(
        TYPES.DATA,
        END_STREAM | 0x8,
        1,
        Uint8Array.of(2, ...envelope(message).subarray(3), 0, 0),
      ),
    ],
  ];
}

type Mutation = (frames: Uint8Array[], random: Random) => void;

const MUTATIONS: readonly Mutation[] = [
  // Flip one to eight bits anywhere in a frame.
  (frames, random) => {
    const target = frames[random.below(frames.length)];
    for (let n = 1 + random.below(8); n > 0; n--) {
      target[random.below(target.length)] ^= 1 << random.below(8);
    }
  },
  // Another frame type, known or not.
  (frames, random) => {
    frames[random.below(frames.length)][3] = random.below(16);
  },
  // Other flags.
  (frames, random) => {
    frames[random.below(frames.length)][4] = random.below(256);
  },
  // Another stream id: zero, even, far ahead, the top bit set, or random.
  (frames, random) => {
    const id = random.pick([0, 2, 5, 0x7fffffff, 0xffffffff, random.below(2 ** 31)]);
    const target = frames[random.below(frames.length)];
    if (target.length < 9) return;
    new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(5, id >>> 0);
  },
  // A length field that does not match the payload.
  (frames, random) => {
    const target = frames[random.below(frames.length)];
    const length = random.pick([0, 1, 7, 8, 9, 16_384, 16_385, random.below(2 ** 24)]);
    target[0] = length >>> 16;
    target[1] = (length >>> 8) & 0xff;
    target[2] = length & 0xff;
  },
  // Drop a frame.
  (frames, random) => {
    if (frames.length > 1) frames.splice(random.below(frames.length), 1);
  },
  // Repeat a frame up to 50 times.
  (frames, random) => {
    const index = random.below(frames.length);
    const copies = Array.from({ length: 1 + random.below(50) }, () => frames[index].slice());
    frames.splice(index, 0, ...copies);
  },
  // Swap two frames.
  (frames, random) => {
    const a = random.below(frames.length);
    const b = random.below(frames.length);
    [frames[a], frames[b]] = [frames[b], frames[a]];
  },
  // Insert a random frame: any type, flags and stream, up to 64 random payload bytes.
  (frames, random) => {
    const inserted = frame(
      random.below(16),
      random.below(256),
      random.below(8),
      random.bytes(random.below(65)),
    );
    frames.splice(random.below(frames.length + 1), 0, inserted);
  },
  // Insert raw random bytes.
  (frames, random) => {
    frames.splice(random.below(frames.length + 1), 0, random.bytes(1 + random.below(32)));
  },
  // Cut the session short inside a frame.
  (frames, random) => {
    const index = random.below(frames.length);
    frames[index] = frames[index].subarray(0, random.below(frames[index].length));
    frames.splice(index + 1);
  },
];

export interface FuzzCase {
  /** The bytes to send, in the writes to send them in. */
  writes: Uint8Array[];
  /** Which base session and mutations, for a failure's message. */
  description: string;
}

export class H2Mutator {
  #random: Random;
  #bases = baseSessions();

  constructor(seed: number) {
    this.#random = new Random(seed);
  }

  next(): FuzzCase {
    const random = this.#random;
    const base = random.below(this.#bases.length);
    const frames = this.#bases[base].map((bytes) => bytes.slice());
    const applied: number[] = [];
    for (let n = 1 + random.below(4); n > 0; n--) {
      const mutation = random.below(MUTATIONS.length);
      MUTATIONS[mutation](frames, random);
      applied.push(mutation);
    }
    // One in fifty also damages the preface.
    const preface = PREFACE.slice();
    if (random.below(50) === 0) preface[random.below(preface.length)] ^= 0x20;
    const bytes = joinBytes([preface, ...frames]);
    const writes: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = random.below(3) === 0 ? 1 + random.below(64) : bytes.length - at;
      writes.push(bytes.subarray(at, at + size));
      at += size;
    }
    return { writes, description: `session ${base}, mutations ${applied.join(",")}` };
  }
}
