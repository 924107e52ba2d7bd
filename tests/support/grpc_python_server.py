"""A gRPC server from Debian's python3-grpcio for the collector's HTTP/2 client
tests: `Aggregator/Publish` through a generic handler on raw bytes (no code
generation), on 127.0.0.1 at a free port, printed as the first stdout line.
Each call is printed as one JSON line (request bytes in hex, metadata), and
answered as its `reply` metadata says: ok, refuse (INVALID_ARGUMENT with a
message that needs percent-encoding), unavailable, or slow (sleeps 3 s)."""
import json
import sys
import time
from concurrent import futures

import grpc


def publish(request, context):
    metadata = {key: value for key, value in context.invocation_metadata()}
    remaining = context.time_remaining()
    print(json.dumps({"request": request.hex(), "metadata": metadata,
                      "timeRemaining": remaining}), flush=True)
    reply = metadata.get("reply", "ok")
    if reply == "refuse":
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "point refused: 100% wrong ✗")
    if reply == "unavailable":
        context.abort(grpc.StatusCode.UNAVAILABLE, "try later")
    if reply == "slow":
        time.sleep(3)
    return b""


server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
    "Aggregator",
    {"Publish": grpc.unary_unary_rpc_method_handler(
        publish, request_deserializer=None, response_serializer=None)},
),))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
sys.stdin.read()  # Runs until the test closes stdin.
server.stop(0)
