"""Publish calls from a real gRPC client (Debian's python3-grpcio, C core),
for tests/support/grpc_publisher.ts: one channel (one HTTP/2 connection) to
the target in argv[1], optional TLS files as JSON in argv[2]. Each stdin line
is a call {"id", "request" (base64 PublishRequest bytes), "headers",
"timeoutMs"}; each stdout line the answer {"id", "code", "message"} with the
gRPC status code (0 = acknowledged). Calls run concurrently; no generated
code: the request and response bytes pass through as they are."""
import base64
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc

OPTIONS = [("grpc.enable_http_proxy", 0), ("grpc.enable_retries", 0)]


def open_channel(target, tls):
    if tls is None:
        return grpc.insecure_channel(target, options=OPTIONS)

    def read(name):
        return open(tls[name], "rb").read() if tls.get(name) else None

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca"),
        private_key=read("key"),
        certificate_chain=read("cert"),
    )
    return grpc.secure_channel(target, credentials, options=OPTIONS)


def main():
    tls = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
    channel = open_channel(sys.argv[1], tls)
    publish = channel.unary_unary(
        "/Aggregator/Publish", request_serializer=None, response_deserializer=None
    )
    output = threading.Lock()

    def call(line):
        request = json.loads(line)
        try:
            publish(
                base64.b64decode(request["request"]),
                metadata=list(request["headers"].items()),
                timeout=request["timeoutMs"] / 1000,
            )
            code, message = 0, ""
        except grpc.RpcError as error:
            code, message = error.code().value[0], error.details() or ""
        except Exception as error:  # a malformed call: say so instead of dying
            code, message = 2, f"grpc_publisher.py: {error!r}"
        with output:
            print(json.dumps({"id": request["id"], "code": code, "message": message}), flush=True)

    with ThreadPoolExecutor(max_workers=16) as pool:
        for line in sys.stdin:
            pool.submit(call, line)
    channel.close()


main()
