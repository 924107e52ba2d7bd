"""Hostile HTTP/2 clients for tests/attack_test.ts, written frame by frame
(hpack for header blocks, no client-side stream limit), run with the Debian
python3-hpack module: /usr/bin/python3 attack_h2.py <mode> <port> [count].

Modes: streams (open `count` streams without ending them), reset (open and
reset `count` streams), connections (open `count` connections at once), idle
(silence after one call), silent (TCP without a preface), slow
(a body trickled at one byte a second). Prints one JSON line of what the
server did and how long it took.
"""
import json
import socket
import struct
import sys
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0, 1, 3, 4, 6, 7
END_STREAM, END_HEADERS, ACK = 1, 4, 1
PATH = "/Aggregator/Publish"


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def request_headers(encoder, port, length):
    return encoder.encode([
        (":method", "POST"), (":scheme", "http"), (":authority", f"127.0.0.1:{port}"),
        (":path", PATH), ("content-type", "application/proto"), ("content-length", str(length)),
        ("environment", "attack"), ("service", "s"), ("container", "c"), ("host_name", "h"),
    ])


def connect(port, preface=True):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    if preface:
        # A large connection window so the server never waits on us.
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    return sock


class Reader:
    """Reads frames, counting what the server sent until EOF or a deadline."""

    def __init__(self, sock, answer_settings=True):
        self.sock, self.buffer, self.answer_settings = sock, b"", answer_settings
        self.decoder = hpack.Decoder()
        self.statuses = []
        self.counts = {"rst": 0, "goaway": 0, "headers": 0, "closed": False}
        self.max_streams = None

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while not self.counts["closed"] and time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.counts["closed"] = True
                break
            self.buffer += chunk
            self.parse()

    def parse(self):
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < 9 + length:
                return
            kind, flags = self.buffer[3], self.buffer[4]
            payload = self.buffer[9:9 + length]
            self.buffer = self.buffer[9 + length:]
            if kind == RST_STREAM:
                self.counts["rst"] += 1
            elif kind == GOAWAY:
                self.counts["goaway"] += 1
            elif kind == HEADERS:
                self.counts["headers"] += 1
                self.statuses.append(dict(self.decoder.decode(payload)).get(":status"))
            elif kind == SETTINGS and not flags & ACK:
                for i in range(0, len(payload), 6):
                    ident, value = struct.unpack(">HI", payload[i:i + 6])
                    if ident == 3:
                        self.max_streams = value
                if self.answer_settings:
                    self.sock.sendall(frame(SETTINGS, ACK, 0))
            elif kind == PING and not flags & ACK:
                self.sock.sendall(frame(PING, ACK, 0, payload))


def send_quietly(sock, data):
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def streams(port, count):
    sock = connect(port)
    reader = Reader(sock)
    reader.pump(0.3)
    encoder, sent = hpack.Encoder(), 0
    for index in range(count):
        block = request_headers(encoder, port, 100)
        if not send_quietly(sock, frame(HEADERS, END_HEADERS, 1 + 2 * index, block)):
            break
        sent += 1
        if index % 100 == 99:
            reader.pump(0)
    reader.pump(3)
    return {"sent": sent, "advertised": reader.max_streams, **reader.counts}


def reset(port, count):
    sock = connect(port)
    reader = Reader(sock)
    reader.pump(0.3)
    encoder, sent = hpack.Encoder(), 0
    for index in range(count):
        stream = 1 + 2 * index
        block = request_headers(encoder, port, 100)
        data = frame(HEADERS, END_HEADERS, stream, block) + frame(RST_STREAM, 0, stream, struct.pack(">I", 8))
        if not send_quietly(sock, data):
            break
        sent += 1
        if index % 100 == 99:
            reader.pump(0)
    reader.pump(3)
    return {"sent": sent, **reader.counts}


def connections(port, count):
    sockets, refused = [], 0
    for _ in range(count):
        try:
            sockets.append(connect(port))
        except OSError:
            refused += 1
    time.sleep(1)
    closed = 0
    for sock in sockets:
        reader = Reader(sock)
        reader.pump(0.01)
        closed += reader.counts["closed"]
    for sock in sockets:
        sock.close()
    return {"opened": len(sockets), "refused": refused, "closed": closed}


def wait_for_close(sock, limit, answer_settings=True):
    start = time.monotonic()
    reader = Reader(sock, answer_settings)
    reader.pump(limit)
    return {"seconds": round(time.monotonic() - start, 2), **reader.counts}


def idle(port, limit):
    """One finished call (GET /healthz), then silence until the server closes."""
    sock = connect(port)
    block = hpack.Encoder().encode([
        (":method", "GET"), (":scheme", "http"), (":authority", f"127.0.0.1:{port}"), (":path", "/healthz"),
    ])
    sock.sendall(frame(HEADERS, END_HEADERS | END_STREAM, 1, block))
    return wait_for_close(sock, limit)


def slow(port, limit):
    sock = connect(port)
    reader = Reader(sock)
    reader.pump(0.3)
    sock.sendall(frame(HEADERS, END_HEADERS, 1, request_headers(hpack.Encoder(), port, 1000)))
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < limit and not reader.counts["closed"] and not reader.counts["rst"]:
        if not send_quietly(sock, frame(DATA, 0, 1, b"\0")):
            break
        sent += 1
        reader.pump(1)
    return {"seconds": round(time.monotonic() - start, 2), "bytes": sent, "statuses": reader.statuses, **reader.counts}


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if mode == "streams":
        result = streams(port, count)
    elif mode == "reset":
        result = reset(port, count)
    elif mode == "connections":
        result = connections(port, count)
    elif mode == "idle":
        result = idle(port, count)
    elif mode == "silent":
        result = wait_for_close(connect(port, preface=False), count, answer_settings=False)
    elif mode == "slow":
        result = slow(port, count)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


main()
