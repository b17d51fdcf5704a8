#!/usr/bin/env python3
"""Invokes every sample event of events/ through the real function binaries, as Lambda would.

A small local Lambda Runtime API (the HTTP interface of a Lambda execution environment:
GET /2018-06-01/runtime/invocation/next, POST .../invocation/<id>/response and .../error) serves
each event to the binary of the function that takes it; the binary is started with
AWS_LAMBDA_RUNTIME_API pointing here and the rest of its environment from this process
(TABLE_NAME, ID_PEPPER, AWS_ENDPOINT_URL, ...). The function of an HTTP event is the one
template.yaml routes its routeKey to; an import event declares its function in
events/expected.json, which also declares what each event must answer. Prints
event -> function -> expected -> got, and `events: N passed, M failed`; exits 1 on any mismatch.

  scripts/invoke_events.py                          # target/debug/<function> (cargo build --bins)
  scripts/invoke_events.py --lambda-dir target/lambda/arm64 --wrapper 'qemu-aarch64-static -L /usr/aarch64-linux-gnu'
  scripts/invoke_events.py --only captcha.json      # some events only

Standard library only. Run scripts/invoke-events.sh to build, seed and invoke in one go.
"""

import argparse
import json
import os
import queue
import re
import shlex
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "/2018-06-01/runtime"


def template_routes(path):
    """`METHOD /path` -> binary name, from the HttpApi events of template.yaml's functions
    (a line-based reading of our own template: no YAML library needed)."""
    routes, binary, method = {}, None, None
    for line in open(path, encoding="utf-8"):
        if re.match(r"^  [A-Za-z0-9]+:\s*$", line):  # a new resource
            binary, method = None, None
        m = re.match(r"^\s+Binary:\s*(\S+)", line)
        if m:
            binary = m.group(1)
        m = re.match(r"^\s+Method:\s*(\S+)", line)
        if m:
            method = m.group(1).upper()
        m = re.match(r"^\s+Path:\s*(\S+)", line)
        if m and method and binary:
            routes[f"{method} {m.group(1)}"] = binary
            method = None
    return routes


class Runtime:
    """One function's execution environment: a Runtime API on a free port and its binary."""

    def __init__(self, name, command, env, log):
        self.name = name
        self.events = queue.Queue()
        self.results = queue.Queue()
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self.reply(404)
                request_id, payload = runtime.events.get()
                deadline = int((time.time() + 60) * 1000)
                self.reply(200, payload, [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     f"arn:aws:lambda:us-east-1:000000000000:function:{runtime.name}"),
                    ("Lambda-Runtime-Trace-Id", f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"),
                ])

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                m = re.fullmatch(PREFIX + r"/invocation/([^/]+)/(response|error)", self.path)
                if m:
                    runtime.results.put((m.group(1), m.group(2), body))
                    return self.reply(202, b'{"status":"OK"}')
                if self.path == f"{PREFIX}/init/error":
                    runtime.results.put((None, "init-error", body))
                    return self.reply(202, b'{"status":"OK"}')
                self.reply(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        env = dict(env)
        env.update({
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.server.server_address[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        })
        self.proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)

    def invoke(self, payload, timeout):
        request_id = str(uuid.uuid4())
        self.events.put((request_id, payload))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                rid, kind, body = self.results.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    return "exit", f"the binary exited ({self.proc.returncode})".encode()
                continue
            if rid in (request_id, None):
                return kind, body
        return "timeout", f"no answer in {timeout}s".encode()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.server.shutdown()


def describe(expected, kind, body):
    """(expected, got) in the same words."""
    if kind != "response":
        text = body.decode("utf-8", "replace")
        try:
            text = json.loads(text).get("errorType", text)
        except (ValueError, AttributeError):
            pass
        got = f"{kind}: {text}"
    elif "errors" in expected:
        got = f"{len(json.loads(body).get('errors', []))} errors"
    else:
        resp = json.loads(body)
        code = ""
        try:
            code = json.loads(resp.get("body") or "{}").get("error", {}).get("code", "")
        except (ValueError, AttributeError):
            pass
        got = f"{resp.get('statusCode')} {code}".strip()
    if "errors" in expected:
        want = f"{expected['errors']} errors"
    else:
        want = f"{expected['status']} {expected.get('code', '')}".strip()
    return want, got


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin-dir", default=os.path.join(REPO, "target", "debug"),
                   help="where the binaries are, named as the functions (default target/debug)")
    p.add_argument("--lambda-dir",
                   help="take <dir>/<function>/bootstrap instead (unzipped release builds)")
    p.add_argument("--wrapper", default="", help="command to run each binary under (qemu)")
    p.add_argument("--only", action="append", help="an event file to invoke (repeatable)")
    p.add_argument("--timeout", type=float, default=60, help="seconds per event (default 60)")
    p.add_argument("--log", default=os.path.join(REPO, ".tmp", "invoke-events.log"),
                   help="the functions' own output (default .tmp/invoke-events.log)")
    args = p.parse_args()

    if not os.environ.get("TABLE_NAME"):
        sys.exit("invoke_events: TABLE_NAME is not set (the functions need it; see README)")
    if not (os.environ.get("ID_PEPPER") or os.environ.get("PEPPER_SECRET_ARN")):
        sys.exit("invoke_events: neither ID_PEPPER nor PEPPER_SECRET_ARN is set (see README)")
    declared = json.load(open(os.path.join(REPO, "events", "expected.json"), encoding="utf-8"))
    events = [e for e in declared["events"] if not args.only or e["file"] in args.only]
    routes = template_routes(os.path.join(REPO, "template.yaml"))
    os.makedirs(os.path.dirname(args.log), exist_ok=True)
    log = open(args.log, "w", encoding="utf-8")
    runtimes = {}
    rows, failed = [], 0
    try:
        for e in events:
            payload = open(os.path.join(REPO, "events", e["file"]), "rb").read()
            function = e.get("function")
            if not function:
                route_key = json.loads(payload).get("routeKey", "")
                function = routes.get(route_key)
                if not function:
                    rows.append((e["file"], "-", describe(e, "none", b"")[0],
                                 f"no function: template.yaml has no route {route_key!r}"))
                    failed += 1
                    continue
            if function not in runtimes:
                if args.lambda_dir:
                    binary = os.path.join(args.lambda_dir, function, "bootstrap")
                else:
                    binary = os.path.join(args.bin_dir, function)
                if not os.access(binary, os.X_OK):
                    sys.exit(f"invoke_events: no binary {binary} (scripts/invoke-events.sh builds them)")
                print(f"invoke_events: starting {function} ({binary})", file=sys.stderr)
                runtimes[function] = Runtime(function, shlex.split(args.wrapper) + [binary],
                                             os.environ, log)
            kind, body = runtimes[function].invoke(payload, args.timeout)
            want, got = describe(e, kind, body)
            if want != got:
                failed += 1
            rows.append((e["file"], function, want, got))
    finally:
        for r in runtimes.values():
            r.stop()
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"\n{'event':<{width}}  {'function':<12}  {'expected':<24}  got")
    for file, function, want, got in rows:
        mark = "" if want == got else "   <-- MISMATCH"
        print(f"{file:<{width}}  {function:<12}  {want:<24}  {got}{mark}")
    print(f"\nevents: {len(rows) - failed} passed, {failed} failed (function logs: {args.log})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
