"""moto's server, answering one request at a time.

`moto_server` runs werkzeug with threaded=True, and moto's DynamoDB backend has no locks: two
concurrent conditional writes can both pass their condition. DynamoDB itself applies conditions
atomically, and our concurrency tests (lockout, captcha, SMS quotas, mobile claims) depend on it,
so the tests run moto single-threaded, where every request is atomic.

usage: python moto_server.py HOST PORT
"""

import os
import sys

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, app, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
