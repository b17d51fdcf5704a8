"""A local Lambda Runtime API: the HTTP interface of a Lambda execution environment, served to
one function binary at a time.

    GET  /2018-06-01/runtime/invocation/next          the binary asks for an event
    POST /2018-06-01/runtime/invocation/<id>/response its answer
    POST /2018-06-01/runtime/invocation/<id>/error    its failure
    POST /2018-06-01/runtime/init/error               a failure before the first event

`Runtime(name, command, env, log)` is one function's execution environment: `spawn()` starts
the binary with AWS_LAMBDA_RUNTIME_API pointing at a fresh server of its own (its own port and
queues, so nothing of a stopped process leaks into the next one) and the rest of its environment
from `env`; `invoke(payload)` hands it one event and waits for what it posts back. With a clock:
`wait_init()` is the time from spawn to the first GET .../next, and each invocation is timed from
the event handed out to the answer posted.

Used by scripts/invoke_events.py (the sample events through the binaries) and bench/run.py (the
benchmark). Python standard library only.
"""

import queue
import re
import subprocess
import time
import uuid
from http.server import BaseHTTPRequestHandler

from httpd import send, serve  # scripts/lib

PREFIX = "/2018-06-01/runtime"
# What the binary is told it has left of each invocation (Lambda-Runtime-Deadline-Ms).
DEADLINE_S = 60


class Runtime:
    """One function's execution environment (see the module's documentation)."""

    def __init__(self, name, command, env, log):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.proc = self.server = None
        self.spawned = self.handed_out = None

    def _serve(self):
        """Starts a fresh Runtime API server; returns the binary's environment."""
        events, results, first_next = queue.Queue(), queue.Queue(), queue.Queue()
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                now = time.perf_counter()
                if self.path != f"{PREFIX}/invocation/next":
                    return send(self, 404)
                first_next.put(now)
                item = events.get()
                if item is None:  # the process is being stopped
                    self.close_connection = True
                    return
                request_id, payload = item
                runtime.handed_out = time.perf_counter()
                deadline = int((time.time() + DEADLINE_S) * 1000)
                send(self, 200, payload, [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     f"arn:aws:lambda:us-east-1:000000000000:function:{runtime.name}"),
                    ("Lambda-Runtime-Trace-Id",
                     f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"),
                ])

            def do_POST(self):
                now = time.perf_counter()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                m = re.fullmatch(PREFIX + r"/invocation/([^/]+)/(response|error)", self.path)
                if m:
                    results.put((m.group(1), m.group(2), body, now))
                    return send(self, 202, b'{"status":"OK"}')
                if self.path == f"{PREFIX}/init/error":
                    results.put((None, "init-error", body, now))
                    return send(self, 202, b'{"status":"OK"}')
                send(self, 404)

        server = serve(Handler)
        self.server, self.events, self.results, self.first_next = server, events, results, first_next
        env = dict(self.env)
        env.update({
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        })
        return env

    def spawn(self):
        """Starts the binary under a fresh Runtime API."""
        env = self._serve()
        self.handed_out = None
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(self.command, env=env, stdout=self.log, stderr=self.log)

    def wait_init(self, timeout=30):
        """Seconds from spawn to the binary's first GET .../next; RuntimeError if it does not
        ask for an event within `timeout` seconds."""
        try:
            t = self.first_next.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"{self.name} did not ask for an event in {timeout}s "
                               f"(exit code {self.proc.poll()}; see the log)") from None
        return t - self.spawned

    def invoke(self, payload, timeout=60):
        """Hands `payload` (an event's bytes) to the binary: (kind, body, seconds). `kind` is
        "response" or "error" (posted by the binary), "init-error", "exit" (the binary exited) or
        "timeout" (no answer in `timeout` seconds); `body` the bytes posted (for "exit" and
        "timeout", what happened); `seconds` from the event handed out to the answer posted
        (None without an answer)."""
        request_id = str(uuid.uuid4())
        self.events.put((request_id, payload))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                rid, kind, body, at = self.results.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    return "exit", f"the binary exited ({self.proc.returncode})".encode(), None
                continue
            if rid in (request_id, None):
                return kind, body, None if self.handed_out is None else at - self.handed_out
        return "timeout", f"no answer in {timeout}s".encode(), None

    def peak_rss_kib(self):
        """The binary's peak resident set (VmHWM), in KiB."""
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return None

    def stop(self, grace=0):
        """Stops the binary (SIGTERM and up to `grace` seconds before SIGKILL; at once when 0) and
        its Runtime API server."""
        if self.proc is None:
            return
        if grace:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        else:
            self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.events.put(None)  # frees a GET waiting for an event
        self.server.shutdown()
        self.server.server_close()
