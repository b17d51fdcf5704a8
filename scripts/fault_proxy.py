"""A fault point between the service and its AWS dependencies (moto in the tests).

    python3 scripts/fault_proxy.py UPSTREAM_URL      # prints "fault_proxy DATA_PORT CONTROL_PORT"

Requests to http://127.0.0.1:DATA_PORT are forwarded to UPSTREAM_URL (moto) unless a fault is
set. The fault is set on the control port, one at a time:

    GET /fault?mode=pass                             # forward everything (the default)
    GET /fault?mode=refuse&service=dynamodb          # stop listening: connections are refused
    GET /fault?mode=stall&service=all                # accept, read, never answer
    GET /fault?mode=slow&delay_ms=800&service=sns    # answer after a delay
    GET /fault?mode=error&code=ThrottlingException&service=dynamodb
    GET /fault?mode=error&code=TransactionCanceledException&reason=ThrottlingError
    GET /fault?mode=error&code=TransactionCanceledException&reason=ConditionalCheckFailed

`service` is dynamodb, sns or all (default all); `op` limits the fault to one operation (the
DynamoDB X-Amz-Target suffix such as TransactWriteItems, or the SNS Action such as Publish).
TransactionCanceledException applies to TransactWriteItems only. Refusal covers every service
(the port is closed). Python standard library only.
"""

import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"mode": "pass", "service": "all", "op": "", "code": "", "reason": "", "delay_ms": 0}
LOCK = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def current():
    with LOCK:
        return dict(STATE)


def which(handler, body):
    """(service, operation) of a request."""
    target = handler.headers.get("X-Amz-Target", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb", target.split(".", 1)[-1]
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return "sns", (form.get("Action") or [""])[0]


def dynamodb_error(code, reason):
    status = 500 if code in ("InternalServerError", "ServiceUnavailable") else 400
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"injected {code}"}
    if code == "TransactionCanceledException":
        body["message"] = f"Transaction cancelled, please refer cancellation reasons for specific reasons [{reason}]"
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


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

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
        service, op = which(self, body)
        f = current()
        hit = f["mode"] != "pass" and f["service"] in ("all", service) and f["op"] in ("", op)
        if hit and f["code"] == "TransactionCanceledException" and op != "TransactWriteItems":
            hit = False
        if hit and f["mode"] == "refuse":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if hit and f["mode"] == "stall":
            # Never answer while the stall lasts; then drop the connection.
            while current()["mode"] == "stall":
                time.sleep(0.05)
            self.close_connection = True
            return
        if hit and f["mode"] == "slow":
            time.sleep(f["delay_ms"] / 1000)
        if hit and f["mode"] == "error":
            if service == "dynamodb":
                status, ctype, payload = dynamodb_error(f["code"], f["reason"])
            else:
                status, ctype, payload = sns_error(f["code"])
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", "fault-proxy")
            self.end_headers()
            self.wfile.write(payload)
            return
        up = http.client.HTTPConnection(self.upstream[0], self.upstream[1], timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        up.request(self.command, self.path, body=body, headers=headers)
        resp = up.getresponse()
        payload = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        up.close()

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Data:
    """The forwarding port; closed while connections are to be refused."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.start()

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def reopen(self):
        if self.server is None:
            for _ in range(100):
                try:
                    self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Proxy)
                    break
                except OSError:
                    time.sleep(0.05)
            self.server.daemon_threads = True
            self.start()


DATA = None


class Control(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        new = {
            "mode": (q.get("mode") or ["pass"])[0],
            "service": (q.get("service") or ["all"])[0],
            "op": (q.get("op") or [""])[0],
            "code": (q.get("code") or [""])[0],
            "reason": (q.get("reason") or [""])[0],
            "delay_ms": int((q.get("delay_ms") or ["0"])[0]),
        }
        with LOCK:
            STATE.update(new)
        if new["mode"] == "refuse":
            DATA.close()
        else:
            DATA.reopen()
        payload = json.dumps(new).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    global DATA
    upstream = urllib.parse.urlparse(sys.argv[1])
    Proxy.upstream = (upstream.hostname, upstream.port or 80)
    DATA = Data()
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    print(f"fault_proxy {DATA.port} {control.server_address[1]}", flush=True)
    control.serve_forever()


if __name__ == "__main__":
    main()
