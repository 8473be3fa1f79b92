"""A real process killed with SIGKILL in the middle of a batch leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from factories import dump, make_batch
from tikscope.store.db import open_store
from tikscope.store.ingest import ingest

WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from factories import account_table, daily_table, follows_table, make_batch, posts_table
    from tikscope.store.db import open_store
    from tikscope.store.ingest import ingest

    def pause_after(name, rows):
        print(name, flush=True)
        if name == {stop_after!r}:
            time.sleep(60)

    batch = make_batch(
        accounts=account_table("rewritten"),
        posts=posts_table(50),
        account_daily=daily_table(20, views=7),
        follows=follows_table(300_000),
    )
    with open_store(Path({path!r})) as connection:
        ingest(connection, batch, on_table=pause_after)
    print("committed", flush=True)
    """
)


@pytest.mark.parametrize("stop_after", ["accounts", "account_daily", "follows"])
def test_sigkill_mid_batch_leaves_store_unchanged(store_path: Path, stop_after: str) -> None:
    with open_store(store_path, create=True) as connection:
        ingest(connection, make_batch())
        before = dump(connection)
    script = WRITER.format(
        tests=str(Path(__file__).parent), stop_after=stop_after, path=str(store_path)
    )
    seen = []
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as writer:
        assert writer.stdout is not None
        for line in writer.stdout:
            seen.append(line.strip())
            if line.strip() == stop_after:
                os.kill(writer.pid, signal.SIGKILL)
                break
        assert writer.wait(timeout=60) == -signal.SIGKILL
    assert "committed" not in seen and seen[-1] == stop_after
    with open_store(store_path) as connection:
        assert dump(connection) == before
        assert ingest(connection, make_batch(posts=make_batch().tables["posts"])).changed
