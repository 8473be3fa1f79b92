"""A long run of the import fuzzing corpus (tests/import_fuzzing.py): counts of cases and outcomes.

Imports `--cases` seeded cases (damaged and hostile inputs made from tests/fixtures/files) into
one store, and the large inputs of the memory check in a child process. Every case must end as
imported, refused (a tikscope error) or refused at a limit; a traceback, or a refused import that
changed the store, is a failure and is listed. `make test` runs 2,000 cases of seed 12.

Run: `.venv/bin/python benchmarks/fuzz_imports.py [--cases 20000] [--seed 1]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from import_fuzzing import FuzzRun, fuzz_cases, run_in_child
from tikscope.store.db import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    by_mutation: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        started = time.perf_counter()
        with open_store(folder / "store.duckdb", create=True) as connection:
            run = FuzzRun(connection, folder, folder / "secret.key")
            for case in fuzz_cases(options.seed, options.cases):
                outcome = run.run(case)
                for change in {change.split(" ")[0] for change in case.changes[1:]}:
                    by_mutation.setdefault(change, Counter())[outcome.kind] += 1
        seconds = time.perf_counter() - started
        large = run_in_child(options.seed, folder / "large")
    print(f"seed {options.seed}: {options.cases:,} cases in {seconds:.0f} s "
          f"({options.cases / seconds:.0f} a second)")  # fmt: skip
    print("| outcome | cases |\n| --- | --- |")
    for kind in ("imported", "refused", "limit", "traceback"):
        print(f"| {kind} | {run.outcomes[kind]:,} |")
    print("\n| change made | imported | refused | limit | traceback |")
    print("| --- | --- | --- | --- | --- |")
    for change, counts in sorted(by_mutation.items()):
        cells = " | ".join(f"{counts[kind]:,}" for kind in ("imported", "refused", "limit",
                                                            "traceback"))  # fmt: skip
        print(f"| {change} | {cells} |")
    print(f"\nlarge inputs in a child process: {large['outcomes']}, peak memory "
          f"{large['peak_bytes'] / (1 << 20):,.0f} MiB")  # fmt: skip
    failures = run.failures + large["failures"]
    print(f"failures: {len(failures)}")
    for failure in failures[:50]:
        print(f"- {failure}")


if __name__ == "__main__":
    main()
