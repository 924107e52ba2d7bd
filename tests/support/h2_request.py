"""One HTTP/2 request with exact bytes, for tests/support/h2_request.ts: a
plain socket and Debian's python3-h2, with header validation off so header
names and values go out byte for byte (latin-1). The request is a JSON file
named by argv[1]: {"host", "port", "path", "headers": [[name, value]...],
"bodyFile", "timeoutMs"}. The body goes out as flow control allows and stops
as soon as the server ends the stream, so an early answer to a large upload is
seen. Prints one JSON line: {"status", "headers" (header and trailer fields),
"body" (latin-1), "failure" (why the exchange broke off), "hung"}."""
import json
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def exchange(request, answer):
    body = open(request["bodyFile"], "rb").read()
    sock = socket.create_connection(
        (request["host"], request["port"]), timeout=request["timeoutMs"] / 1000
    )
    connection = h2.connection.H2Connection(
        h2.config.H2Configuration(
            client_side=True,
            header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
            validate_inbound_headers=False,
        )
    )
    connection.initiate_connection()
    stream = connection.get_next_available_stream_id()
    authority = f"{request['host']}:{request['port']}"
    fields = [
        (b":method", b"POST"),
        (b":scheme", b"http"),
        (b":authority", authority.encode()),
        (b":path", request["path"].encode()),
    ] + [(name.encode("latin-1"), value.encode("latin-1")) for name, value in request["headers"]]
    connection.send_headers(stream, fields, end_stream=not body)
    sock.sendall(connection.data_to_send())
    sent, ended, received = 0, False, []
    while not ended:
        while sent < len(body):
            size = min(
                connection.local_flow_control_window(stream),
                connection.max_outbound_frame_size,
                len(body) - sent,
            )
            if size <= 0:
                break
            connection.send_data(stream, body[sent : sent + size], end_stream=sent + size == len(body))
            sent += size
            sock.sendall(connection.data_to_send())
        data = sock.recv(65536)
        if not data:
            answer["failure"] = "connection closed"
            break
        for event in connection.receive_data(data):
            if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                for name, value in event.headers:
                    answer["headers"][name.decode("latin-1")] = value.decode("latin-1")
                if isinstance(event, h2.events.ResponseReceived):
                    answer["status"] = int(answer["headers"][":status"])
            elif isinstance(event, h2.events.DataReceived):
                received.append(event.data)
                connection.acknowledge_received_data(event.flow_controlled_length, stream)
            elif isinstance(event, h2.events.StreamEnded):
                ended = True
            elif isinstance(event, h2.events.StreamReset):
                answer["failure"] = f"RST_STREAM error code {int(event.error_code)}"
                ended = True
            elif isinstance(event, h2.events.ConnectionTerminated) and not ended:
                answer["failure"] = f"GOAWAY error code {int(event.error_code)}"
                ended = True
        sock.sendall(connection.data_to_send())
    answer["body"] = b"".join(received).decode("latin-1")
    try:
        connection.close_connection()
        sock.sendall(connection.data_to_send())
    except OSError:
        pass
    sock.close()


def main():
    request = json.load(open(sys.argv[1]))
    answer = {"status": 0, "headers": {}, "body": ""}
    try:
        exchange(request, answer)
    except socket.timeout:
        answer["hung"] = True
    except (OSError, h2.exceptions.ProtocolError) as error:
        answer["failure"] = f"{type(error).__name__}: {error}"
    print(json.dumps(answer))


main()
