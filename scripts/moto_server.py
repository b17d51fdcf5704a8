"""moto's server, answering one request at a time.

`moto_server` runs werkzeug with threaded=True, and moto's DynamoDB backend has no locks: two
concurrent conditional writes can both pass their condition. DynamoDB itself applies conditions
atomically, and our concurrency tests (lockout, captcha, SMS quotas, mobile claims) depend on it,
so the tests run moto single-threaded, where every request is atomic.

Transactions: moto snapshots every table a `TransactWriteItems` touches with `copy.deepcopy`
(once per item of the transaction) to roll back a cancelled one, so each transaction costs time
proportional to the table: 11 ms on an empty table, 22 ms at 100 items, 111 ms at 1,000 (three
items; a `PutItem` takes 2 ms throughout). Captchas and logins are transactions, so the suite
slowed down quadratically. `fast_transaction_snapshots` makes the snapshot copy only the
partitions the transaction targets (the only ones it can change) and share the rest.

usage: python moto_server.py HOST PORT
"""

import copy
import os
import sys
from collections import defaultdict

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def fast_transaction_snapshots() -> None:
    """Rolls cancelled transactions back from copies of their target partitions only."""
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    targets: dict[str, set] = {}  # table name -> hash keys the running transaction writes

    class Copy:
        """`copy` as moto's DynamoDB models see it: a table snapshot shares untouched partitions."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(x, memo=None):
            if isinstance(x, Table) and x.name in targets:
                snapshot = copy.copy(x)
                snapshot.items = defaultdict(dict, x.items)
                for h in targets[x.name]:
                    if h in x.items:
                        snapshot.items[h] = copy.deepcopy(x.items[h])
                return snapshot
            return copy.deepcopy(x, memo)

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        targets.clear()
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            attrs = op.get("Key") or op.get("Item") or {}
            if table is not None and table.hash_key_attr in attrs:
                targets.setdefault(table.name, set()).add(DynamoType(attrs[table.hash_key_attr]))
        try:
            return original(self, transact_items)
        finally:
            targets.clear()

    models.copy = Copy()
    DynamoDBBackend.transact_write_items = transact_write_items


def with_sms_endpoint(app):
    """`GET /moto-api/sms.json`: the SMS moto's SNS has "sent", `[{"to", "text"}]` in order.
    `/moto-api/data.json` has them too, but with every DynamoDB item of every table besides
    (megabytes, seconds to serialise once the suite has run for a while)."""
    import json

    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") != "/moto-api/sms.json":
            return app(environ, start_response)
        from moto.sns.models import sns_backends

        sent = []
        for _account, region, backend in sns_backends.iter_backends():
            sent.extend({"to": to, "text": text} for to, text in backend.sms_messages.values())
        body = json.dumps(sent).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    fast_transaction_snapshots()
    app = with_sms_endpoint(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
