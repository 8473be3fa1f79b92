"""Progress bars for long steps, drawn on standard error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from tikscope.simulate.run import STEPS
from tikscope.store.tables import TABLES


@dataclass
class SimulationProgress:
    """Two bars: building the simulated data, then writing it table by table."""

    progress: Progress
    build: TaskID
    write: TaskID

    def on_step(self, name: str) -> None:
        """A simulation step finished."""
        self.progress.update(self.build, advance=1, description=f"simulated {name}")

    def nothing_to_write(self) -> None:
        """The store already held exactly this data."""
        self.progress.update(
            self.write, completed=len(TABLES), description="already in the store: nothing to write"
        )

    def on_table(self, name: str, rows: int) -> None:
        """A table was written."""
        self.progress.update(self.write, advance=1, description=f"wrote {name} ({rows:,} rows)")


@contextmanager
def simulation_progress() -> Iterator[SimulationProgress]:
    """Bars for `simulate` and `demo`."""
    progress = Progress(
        TextColumn("{task.description:<44}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        build = progress.add_task("simulating", total=len(STEPS))
        write = progress.add_task("writing to the store", total=len(TABLES))
        yield SimulationProgress(progress, build, write)
