#!/usr/bin/env python3
"""Invokes every sample event of events/ through the real function binaries, as Lambda would.

A small local Lambda Runtime API (scripts/lib/runtime_api.py: the HTTP interface of a Lambda
execution environment, GET /2018-06-01/runtime/invocation/next, POST .../invocation/<id>/response
and .../error) serves each event to the binary of the function that takes it; the binary is
started with AWS_LAMBDA_RUNTIME_API pointing there and the rest of its environment from this
process (TABLE_NAME, ID_PEPPER, AWS_ENDPOINT_URL, ...). The function of an HTTP event is the one
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
import re
import shlex
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from runtime_api import Runtime  # noqa: E402  (scripts/lib)


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
        sys.exit("invoke_events: TABLE_NAME is not set (the functions need it; see docs/testing.md)")
    if not (os.environ.get("ID_PEPPER") or os.environ.get("PEPPER_SECRET_ARN")):
        sys.exit("invoke_events: neither ID_PEPPER nor PEPPER_SECRET_ARN is set (see docs/testing.md)")
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
                runtimes[function].spawn()
            kind, body, _seconds = runtimes[function].invoke(payload, args.timeout)
            want, got = describe(e, kind, body)
            if want != got:
                failed += 1
            rows.append((e["file"], function, want, got))
    finally:
        for r in runtimes.values():
            r.stop(grace=5)
    width = max(len(r[0]) for r in rows) if rows else 10
    fwidth = max([len("function")] + [len(r[1]) for r in rows])
    print(f"\n{'event':<{width}}  {'function':<{fwidth}}  {'expected':<24}  got")
    for file, function, want, got in rows:
        mark = "" if want == got else "   <-- MISMATCH"
        print(f"{file:<{width}}  {function:<{fwidth}}  {want:<24}  {got}{mark}")
    print(f"\nevents: {len(rows) - failed} passed, {failed} failed (function logs: {args.log})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
