"""A forwarding proxy between the service and its AWS dependencies (moto in the tests), in one of
two modes. Python standard library only.

count: tallies what goes through (bench/run.py uses it in process)

    p = CountingProxy(UPSTREAM_URL)      # serves on p.url; forwards everything
    p.start()                            # counting from here
    counts, items = p.stop()             # requests by operation, and by operation and item kind

DynamoDB requests count by operation (the X-Amz-Target suffix such as GetItem) and by operation
and item kind (`GetItem PROFILE`: the sort key up to its first `#`); other requests as
`SNS <Action>`, `S3 <operation>` (GetObject, PutObject, CopyObject, HeadObject, or `S3 POST`: a
form's upload) or `other`.

fault: injects faults (tests/faults.rs starts it)

    python3 scripts/lib/proxy.py fault UPSTREAM_URL  # prints "fault_proxy DATA_PORT CONTROL_PORT"

Requests to http://127.0.0.1:DATA_PORT are forwarded to UPSTREAM_URL unless a fault is set. The
fault is set on the control port, one at a time:

    GET /fault?mode=pass                             # forward everything (the default)
    GET /fault?mode=refuse&service=dynamodb          # stop listening: connections are refused
    GET /fault?mode=stall&service=all                # accept, read, never answer
    GET /fault?mode=slow&delay_ms=800&service=sns    # answer after a delay
    GET /fault?mode=error&code=ThrottlingException&service=dynamodb
    GET /fault?mode=error&code=TransactionCanceledException&reason=ThrottlingError
    GET /fault?mode=error&code=TransactionCanceledException&reason=ConditionalCheckFailed

`service` is dynamodb, sns, s3 or all (default all); `op` limits the fault to one operation (the
DynamoDB X-Amz-Target suffix such as TransactWriteItems, the SNS Action such as Publish, or the S3
operation such as GetObject or CopyObject; an S3 error is S3's XML error with that code, 503 for
SlowDown);
`skip=N` lets the first N requests it would hit pass (`op=TransactWriteItems&skip=1`: a route's
second transaction fails, its first goes through).
TransactionCanceledException applies to TransactWriteItems only. Refusal covers every service
(the port is closed).
"""

import http.client
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from httpd import send, serve  # scripts/lib

# Hop-by-hop and length headers: not passed on in either direction (the length is set anew).
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def forwarding_handler(upstream, intercept):
    """A request handler that reads each request and forwards it to `upstream` (a URL), unless
    `intercept(handler, body)` returns True: it has answered (or dropped) the request itself."""
    u = urllib.parse.urlsplit(upstream)
    host, port = u.hostname, u.port or 80

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle(self):
            try:
                super().handle()
            except OSError:
                pass  # the client gave up (its timeout): nothing to answer

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if intercept(self, body):
                return
            up = http.client.HTTPConnection(host, port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            up.request(self.command, self.path, body=body, headers=headers)
            resp = up.getresponse()
            payload = resp.read()
            send(self, resp.status, payload,
                 [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP])
            up.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    return Forward


# --- count -------------------------------------------------------------------------------------

def s3_operation(method, headers, body):
    """The S3 operation of a request that is one (signed with a payload hash, or a form's
    multipart POST), else None."""
    if method == "POST" and headers.get("Content-Type", "").startswith("multipart/form-data"):
        return "POST"
    if not headers.get("X-Amz-Content-Sha256"):
        return None
    if method == "PUT":
        return "CopyObject" if headers.get("X-Amz-Copy-Source") else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method)


def count_label(headers, body, method=""):
    """(operation, operation and item kind or None) of a request, as the counts name them."""
    target = headers.get("X-Amz-Target", "")
    if not target:
        m = re.search(rb"Action=([A-Za-z]+)", body)
        if m:
            return f"SNS {m.group(1).decode()}", None
        s3 = s3_operation(method, headers, body)
        return (f"S3 {s3}" if s3 else "other"), None
    op = target.rsplit(".", 1)[-1]
    kind = item_kind(body)
    return op, (f"{op} {kind}" if kind else None)


def item_kind(body):
    """The kind of item a DynamoDB request is about: its sort key up to the first `#`
    (PROFILE, SESSION, CAPTCHA, LOCK, QUOTA, AUDIT, ...; see the domain crate's schema)."""
    try:
        req = json.loads(body)
    except ValueError:
        return None
    key = req.get("Key") or req.get("Item")
    if isinstance(key, dict) and isinstance(key.get("SK"), dict):
        return str(key["SK"].get("S", "?")).split("#", 1)[0]
    return None


class CountingProxy:
    """Forwards every request to `upstream`; between `start()` and `stop()` it counts them."""

    def __init__(self, upstream):
        self.lock = threading.Lock()
        self.counts = self.items = None

        def tally(handler, body):
            op, labelled = count_label(handler.headers, body, handler.command)
            with self.lock:
                if self.counts is not None:
                    self.counts[op] = self.counts.get(op, 0) + 1
                    if labelled:
                        self.items[labelled] = self.items.get(labelled, 0) + 1
            return False

        self.server = serve(forwarding_handler(upstream, tally))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        with self.lock:
            self.counts, self.items = {}, {}

    def stop(self):
        """(requests by operation, requests by operation and item kind)."""
        with self.lock:
            counts, items, self.counts, self.items = self.counts, self.items, None, None
        return counts, items


# --- fault -------------------------------------------------------------------------------------

def which(headers, body, method=""):
    """(service, operation) of a request."""
    target = headers.get("X-Amz-Target", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb", target.split(".", 1)[-1]
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if not form.get("Action"):
        s3 = s3_operation(method, headers, body)
        if s3:
            return "s3", s3
    return "sns", (form.get("Action") or [""])[0]


def s3_error(code):
    status = 503 if code in ("SlowDown", "ServiceUnavailable") else (
        500 if code == "InternalError" else 400)
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
           f"<Message>injected {code}</Message><RequestId>fault-proxy</RequestId></Error>")
    return status, "application/xml", xml.encode()


def dynamodb_error(code, reason):
    status = 500 if code in ("InternalServerError", "ServiceUnavailable") else 400
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"injected {code}"}
    if code == "TransactionCanceledException":
        body["message"] = ("Transaction cancelled, please refer cancellation reasons for specific "
                           f"reasons [{reason}]")
        body["CancellationReasons"] = [{"Code": reason, "Message": f"injected {reason}"}]
    return status, "application/x-amz-json-1.0", json.dumps(body).encode()


def sns_error(code):
    status = 500 if code in ("InternalError", "InternalFailure") else 400
    xml = (
        "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>"
        f"<Type>{'Receiver' if status == 500 else 'Sender'}</Type><Code>{code}</Code>"
        f"<Message>injected {code}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    )
    return status, "text/xml", xml.encode()


class FaultProxy:
    """The data port forwards to `upstream` through the fault set by `set(query)`; the data port
    is closed while connections are to be refused."""

    PASS = {"mode": "pass", "service": "all", "op": "", "code": "", "reason": "", "delay_ms": 0,
            "skip": 0}

    def __init__(self, upstream):
        self.lock = threading.Lock()
        self.state = dict(self.PASS)
        self.handler = forwarding_handler(upstream, self.inject)
        self.data = serve(self.handler)
        self.port = self.data.server_address[1]

    def current(self):
        with self.lock:
            return dict(self.state)

    def inject(self, handler, body):
        """Applies the current fault to one request; True when it answered (or dropped) it."""
        service, op = which(handler.headers, body, handler.command)
        with self.lock:
            f = dict(self.state)
            hit = f["mode"] != "pass" and f["service"] in ("all", service) and f["op"] in ("", op)
            if hit and f["code"] == "TransactionCanceledException" and op != "TransactWriteItems":
                hit = False
            if hit and self.state["skip"] > 0:
                # The first `skip` requests the fault would hit pass: it hits a later step.
                self.state["skip"] -= 1
                hit = False
        if not hit:
            return False
        if f["mode"] == "refuse":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return True
        if f["mode"] == "stall":
            # Never answer while the stall lasts; then drop the connection.
            while self.current()["mode"] == "stall":
                time.sleep(0.05)
            handler.close_connection = True
            return True
        if f["mode"] == "slow":
            time.sleep(f["delay_ms"] / 1000)
        if f["mode"] == "error":
            if service == "dynamodb":
                status, ctype, payload = dynamodb_error(f["code"], f["reason"])
            elif service == "s3":
                status, ctype, payload = s3_error(f["code"])
            else:
                status, ctype, payload = sns_error(f["code"])
            send(handler, status, payload,
                 [("Content-Type", ctype), ("x-amzn-RequestId", "fault-proxy")])
            return True
        return False

    def set(self, query):
        """Sets the fault from a control query (`mode=…&…`); the fault as set."""
        q = urllib.parse.parse_qs(query)
        new = {
            "mode": (q.get("mode") or ["pass"])[0],
            "service": (q.get("service") or ["all"])[0],
            "op": (q.get("op") or [""])[0],
            "code": (q.get("code") or [""])[0],
            "reason": (q.get("reason") or [""])[0],
            "delay_ms": int((q.get("delay_ms") or ["0"])[0]),
            "skip": int((q.get("skip") or ["0"])[0]),
        }
        with self.lock:
            self.state.update(new)
        if new["mode"] == "refuse":
            self.close()
        else:
            self.reopen()
        return new

    def close(self):
        if self.data is not None:
            self.data.shutdown()
            self.data.server_close()
            self.data = None

    def reopen(self):
        if self.data is None:
            for _ in range(100):
                try:
                    self.data = serve(self.handler, self.port)
                    break
                except OSError:
                    time.sleep(0.05)

    def control_handler(self):
        proxy = self

        class Control(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                new = proxy.set(urllib.parse.urlparse(self.path).query)
                send(self, 200, json.dumps(new).encode(), [("Content-Type", "application/json")])

        return Control


def main():
    usage = "usage: proxy.py fault UPSTREAM_URL"
    if len(sys.argv) != 3 or sys.argv[1] != "fault":
        sys.exit(usage)
    proxy = FaultProxy(sys.argv[2])
    control = ThreadingHTTPServer(("127.0.0.1", 0), proxy.control_handler())
    print(f"fault_proxy {proxy.port} {control.server_address[1]}", flush=True)
    control.serve_forever()


if __name__ == "__main__":
    main()
