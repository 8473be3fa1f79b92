"""A small least-recently-used cache for page data and lookups (see `ServerState.remember`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class PageCache:
    """Least-recently-used results of page data functions."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.computing: dict[Hashable, threading.Lock] = {}

    def peek(self, key: Hashable) -> Any:
        """The cached value for `key`, or None."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        return None

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for `key`, computing and keeping it when absent.

        # NOTE: concurrent misses of one key wait for a single computation (no stampede when
        # fifty requests ask for the same page at once).
        """
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
            key_lock = self.computing.setdefault(key, threading.Lock())
        with key_lock:
            with self.lock:
                if key in self.entries:
                    return self.entries[key]
            try:
                value = compute()
            except BaseException:
                with self.lock:
                    self.computing.pop(key, None)
                raise
            with self.lock:
                self.entries[key] = value
                self.computing.pop(key, None)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
        return value
