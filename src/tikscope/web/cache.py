"""A small cache of page data, keyed by what was asked and by the store's data version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

# NOTE: every write that changes what a page shows moves one of these: ingest adds a run, a
# sync adds a log line, audience edits change the result's cluster rows.
VERSION_SQL = """
SELECT (SELECT max(run_id) FROM runs), (SELECT max(sync_id) FROM sync_log),
       (SELECT max(result_id) FROM audience_results),
       (SELECT sum(hash(result_id, cluster, name)) FROM audience_result_clusters),
       (SELECT sum(hash(connection_id, status)) FROM connections)
"""


def data_version(connection: DuckDBPyConnection) -> tuple[Any, ...]:
    """A value that changes whenever data a page shows may have changed."""
    return tuple(connection.execute(VERSION_SQL).fetchall()[0])


class PageCache:
    """Least-recently-used results of page data functions."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for `key`, computing and keeping it when absent."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = compute()
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value
