from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tikscope.store.db import open_store

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store(store_path: Path) -> Iterator[DuckDBPyConnection]:
    with open_store(store_path, create=True) as connection:
        yield connection
