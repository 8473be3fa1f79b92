"""Long audience computations in the server, away from the requests.

An analysis of a few thousand members takes seconds of CPU, most of it Python. Run on a request
thread it competed for the interpreter lock with every other request: under 50 clients asking
for periods, a 4 s analysis took 30 s, and the requests slowed while it ran. So an analysis (and
rebuilding a saved report, and drawing its graph) runs in three steps:

1. a thread of the worker's own (not one of the request threads, so the event loop and the
   request pool stay free) reads what it needs on its own cursor;
2. a child process computes (`audience.insights.analyse`, `rebuild_insights`): no lock shared
   with the requests, and one at a time;
3. the same thread saves the result as the store's one writer, for the moment the save takes.

The child is started with `spawn` (not `fork`: the server has threads and a DuckDB connection)
on the first computation, and stays for the server's life.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from tikscope.errors import TikscopeError

if TYPE_CHECKING:
    from tikscope.audience.insights import AudienceInsights, SavedInputs

T = TypeVar("T")
THREADS = 2
"""Jobs reading and saving at once (the computations themselves run one at a time)."""


class AnalysisWorker:
    """The analysis thread pool and its child process, both started on first use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.threads: ThreadPoolExecutor | None = None
        self.processes: Executor | None = None

    async def run(self, job: Callable[[], T]) -> T:
        """`job()` on a thread of the worker; the event loop serves others meanwhile."""
        with self.lock:
            if self.threads is None:
                self.threads = ThreadPoolExecutor(THREADS, thread_name_prefix="tikscope-analysis")
            threads = self.threads
        return await asyncio.wrap_future(threads.submit(job))

    def compute(self, function: Callable[..., T], *arguments: Any, **options: Any) -> T:
        """`function(*arguments, **options)` in the child process; waits for it (a job calls it).

        Raises:
            TikscopeError: the child died (killed, out of memory); the next call starts another.
        """
        pool = self.pool()
        try:
            return pool.submit(function, *arguments, **options).result()
        except BrokenProcessPool as error:
            with self.lock:
                if self.processes is pool:
                    self.processes = None
            pool.shutdown(wait=False)
            raise TikscopeError(
                "the audience computation stopped unexpectedly (out of memory?); try again"
            ) from error

    def pool(self) -> Executor:
        """The child process, started now if need be."""
        import multiprocessing

        with self.lock:
            if self.processes is None:
                context = multiprocessing.get_context("spawn")
                self.processes = ProcessPoolExecutor(1, mp_context=context)
            return self.processes

    def close(self) -> None:
        """Stop the child and the threads (the server is stopping); jobs under way finish."""
        with self.lock:
            processes, self.processes = self.processes, None
            threads, self.threads = self.threads, None
        if processes is not None:
            processes.shutdown(wait=True, cancel_futures=True)
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)


def report_data(handle: str, saved: SavedInputs) -> dict[str, Any]:
    """The saved report as JSON (`as_dict`) and its graph layout (runs in the child)."""
    from tikscope.audience.insights import rebuild_insights

    return report_of(rebuild_insights(handle, saved))


def report_of(insights: AudienceInsights) -> dict[str, Any]:
    """A report as JSON (`as_dict`) and its graph layout."""
    from tikscope.audience.insights import as_dict
    from tikscope.reports.audience import graph_layout

    return {"insights": as_dict(insights), "graph": graph_layout(insights)}


def report_png(handle: str, saved: SavedInputs, *, labels: bool) -> bytes:
    """The saved report's graph as a PNG (runs in the child)."""
    from tikscope.audience.insights import rebuild_insights
    from tikscope.reports.audience import graph_png

    return graph_png(rebuild_insights(handle, saved), labels=labels)
