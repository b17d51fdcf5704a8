"""The HTTP serving that the local test servers share (scripts/lib/proxy.py, runtime_api.py):
a threaded server on the loopback address, and an answer with its length. Python standard
library only."""

import threading
from http.server import ThreadingHTTPServer


def serve(handler, port=0):
    """A threading HTTP server on 127.0.0.1:`port` (0: a free one), serving in the background
    (daemon threads: it never keeps the process alive)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def send(handler, status, payload=b"", headers=()):
    """Answers `payload` with `status` and `headers` (pairs), and its Content-Length."""
    handler.send_response(status)
    for k, v in headers:
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)
