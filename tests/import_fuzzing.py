"""A seeded corpus of damaged and hostile import inputs, and a run that imports each into a store.

The corpus starts from the files in tests/fixtures/files and changes them the way real damage and
attacks do: bytes inserted, deleted or replaced; cells set to values no count, date or text may
hold; lines repeated, dropped or made long; JSON values of the wrong type or nested deep; files
zipped, zipped twice, renamed, duplicated, mixed with junk; and tight import limits. The same
seed gives the same cases.

`FuzzRun` imports each case into one store and records the outcome: imported, refused (a
tikscope error), or a traceback (any other exception). After a refused import the store must be
exactly as before (a digest of every table is compared). Used by tests/test_sources_files_fuzz.py
and by benchmarks/fuzz_imports.py (a longer run; `--memory` runs cases in child processes and
reports their peak memory).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import shutil
import sys
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.config import ImportLimits
from tikscope.errors import ImportLimitError, TikscopeError
from tikscope.store.tables import TABLES

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

FIXTURES = Path(__file__).parent / "fixtures" / "files"
TODAY = date(2026, 5, 3)
HANDLE = "casa_verde_shop"
MIB = 1 << 20
TOKENS = [b'"', b",", b"\n", b"\r", b"\r\n", b";", b"\t", b"undefined", b"-1", b"1.5", b"\xff",
          b"\x00", b"\xc3", b"\xef\xbb\xbf", b"February 29", b"December 31", b"{", b"}", b"[",
          b"]", b"null", b"<", b"/>", b"&a;", b"<!DOCTYPE x>", b"0", b"99999999999999999999",
          b"9223372036854775808", b"%", b"@", b"|", b"\\ud800", b"\\", b"PK\x03\x04"]  # fmt: skip
HOSTILE_NUMBERS = ["9223372036854775808", "99999999999999999999999", "-9223372036854775809",
                   "1" * 5000, "-1", "1e999", "NaN", "0x10", "١٢٣", "+5", "8,120", "1.234.567,5",
                   "999999999999999", "1000000000000000", "", "undefined", "-"]  # fmt: skip
HOSTILE_DATES = ["9999-12-31", "0001-01-01", "10000-01-01", "1999-12-31", "2101-01-01",
                 "February 30", "April 31", "0000-00-00", "2026-13-01", "2026-02-29",
                 "9999-12-31 23:59:59", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-05:00",
                 "25:61", "", "December 31 23:59"]  # fmt: skip
HOSTILE_TEXT = ["", " ", "\x00", "\u2028", "\ud7ff", "x" * 3000, '=HYPERLINK("x")', "../../x",
                "a/b?c#d", "@", "Others", "ZZ", "\ufeff"]  # fmt: skip
HOSTILE_JSON_TEXT = ["\ud800", "\udfff\ud800", "a\udc80b", "99999999999999999999999",
                     "9223372036854775808", "9999-12-31", "0001-01-01 00:00:00",
                     "9999-12-31 23:59:59", "", " ", "x" * 3000, "N/A", "@"]  # fmt: skip
HOSTILE_JSON: list[Any] = [9223372036854775808, 10**30, -1, 1.5, float("inf"), True, None, [],
                           {}, [[[[[[[[]]]]]]]], {"a": {"b": {"c": {}}}}]  # fmt: skip
KIND_WEIGHTS = {"studio": 5, "archive": 3, "audience": 2}
"""How often each kind of input is the start of a case."""
TIGHT_LIMITS = [
    ImportLimits(file_bytes=512),
    ImportLimits(total_bytes=1024),
    ImportLimits(files=2),
    ImportLimits(rows=5),
    ImportLimits(studio_rows=3),
    ImportLimits(line_characters=40),
    ImportLimits(json_depth=3),
    ImportLimits(packing_ratio=1),
]


@dataclass(frozen=True)
class FuzzCase:
    """One input: the files of a folder, the `--account` given, the limits, and what was done."""

    number: int
    files: dict[str, bytes]
    handle: str | None
    limits: ImportLimits
    changes: tuple[str, ...]


@dataclass
class Outcome:
    """What importing a case did: `imported`, `refused`, `limit` or `traceback`, and details."""

    kind: str
    detail: str = ""


def base_inputs() -> dict[str, list[tuple[str, dict[str, bytes], str | None]]]:
    """The fixtures the corpus starts from, by kind: (name, files, handle)."""
    bases: list[tuple[str, dict[str, bytes], str | None]] = []
    for language in ("en", "es", "pt", "fr", "de"):
        folder = FIXTURES / f"studio_{language}"
        bases.append((f"studio_{language}", read_folder(folder), HANDLE))
        for file in sorted(folder.iterdir()):
            bases.append((f"studio_{language}/{file.name}", {file.name: file.read_bytes()}, HANDLE))
    bases.append(("studio_en_zips", read_folder(FIXTURES / "studio_en_zips"), None))
    for file in sorted((FIXTURES / "studio_shapes").iterdir()):
        bases.append((f"studio_shapes/{file.name}", {file.name: file.read_bytes()}, HANDLE))
    for name in ("archive_new_layout.json", "archive_old_layout.json"):
        bases.append((name, {"user_data.json": (FIXTURES / name).read_bytes()}, None))
    for name in ("audience_csv", "audience_graphml", "audience_gml", "audience_gexf"):
        bases.append((name, read_folder(FIXTURES / name), HANDLE))
    kinds: dict[str, list[tuple[str, dict[str, bytes], str | None]]] = {}
    for base in bases:
        kind = "archive" if base[0].startswith("archive") else base[0].split("_")[0]
        kinds.setdefault(kind, []).append(base)
    return kinds


def read_folder(folder: Path) -> dict[str, bytes]:
    return {file.name: file.read_bytes() for file in sorted(folder.iterdir())}


def fuzz_cases(seed: int, count: int, *, start: int = 0) -> Iterator[FuzzCase]:
    """`count` cases from `seed`; case `n` is the same whatever `count` is."""
    bases = base_inputs()
    for number in range(start, start + count):
        rng = random.Random(f"{seed}:{number}")
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        name, files, handle = rng.choice(bases[kind])
        files = dict(files)
        changes = [name]
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            mutation = rng.choice(MUTATIONS)
            files = mutation(rng, files)
            changes.append(mutation.__name__)
        limits = ImportLimits()
        if rng.random() < 0.15:
            limits = rng.choice(TIGHT_LIMITS)
            changes.append(f"limits {limits}")
        if rng.random() < 0.1:
            handle = rng.choice([None, HANDLE, "other_shop", "@Casa_Verde_Shop", ""])
        yield FuzzCase(number, files, handle, limits, tuple(changes))


def pick_file(rng: random.Random, files: dict[str, bytes]) -> str:
    return rng.choice(sorted(files))


def edit_bytes(rng: random.Random, files: dict[str, bytes]) -> dict[str, bytes]:
    """A few bytes inserted, deleted or replaced (in a zip's member, sometimes)."""
    name = pick_file(rng, files)
    data = bytearray(files[name])
    for _ in range(rng.randint(1, 4)):
        position = rng.randint(0, len(data))
        piece = rng.choice(TOKENS) if rng.random() < 0.7 else rng.randbytes(rng.randint(1, 6))
        operation = rng.choice(("insert", "delete", "replace"))
        if operation == "insert":
            data[position:position] = piece
        elif operation == "delete":
            del data[position : position + rng.randint(1, 12)]
        else:
            data[position : position + len(piece)] = piece
    return {**files, name: bytes(data)}


def hostile_cell(rng: random.Random, files: dict[str, bytes]) -> dict[str, bytes]:
    """A cell of a CSV set to a value no count, date or text may hold."""
    name = pick_file(rng, files)
    text = files[name].decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if len(lines) < 2:
        return files
    index = rng.randrange(1, len(lines))
    cells = lines[index].split(",")
    column = rng.randrange(len(cells))
    original = cells[column].strip('"')
    if any(char.isalpha() for char in original) and any(char.isdigit() for char in original):
        value = rng.choice(HOSTILE_DATES)  # a date or a link: `April 29`, `2026-04-30`
    elif original.strip().lstrip("-").isdigit():
        value = rng.choice(HOSTILE_NUMBERS + HOSTILE_DATES)
    else:
        value = rng.choice(HOSTILE_TEXT + HOSTILE_NUMBERS)
    cells[column] = f'"{value}"' if cells[column].startswith('"') else value
    lines[index] = ",".join(cells)
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    return {**files, name: data}


def repeat_lines(rng: random.Random, files: dict[str, bytes]) -> dict[str, bytes]:
    """A line repeated many times, or lines dropped, swapped or lengthened."""
    name = pick_file(rng, files)
    lines = files[name].split(b"\n")
    index = rng.randrange(len(lines))
    operation = rng.choice(("repeat", "drop", "swap", "lengthen", "header"))
    if operation == "repeat":
        lines[index:index] = [lines[index]] * rng.choice((2, 30, 300, 3000))
    elif operation == "drop":
        del lines[index]
    elif operation == "swap":
        other = rng.randrange(len(lines))
        lines[index], lines[other] = lines[other], lines[index]
    elif operation == "lengthen":
        lines[index] += b"x" * rng.choice((100, 5000, 200_000))
    else:
        lines = lines[index:]
    return {**files, name: b"\n".join(lines)}


def hostile_json(rng: random.Random, files: dict[str, bytes]) -> dict[str, bytes]:
    """A JSON value replaced by one of the wrong type or range, or nested deep."""
    name = pick_file(rng, files)
    try:
        document = json.loads(files[name].decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return edit_bytes(rng, files)
    places: list[tuple[Any, Any]] = []
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            places.append((node, key))
            if isinstance(node[key], dict | list):
                stack.append(node[key])
    if not places:
        return files
    leaves = [(node, key) for node, key in places if not isinstance(node[key], dict | list)]
    node, key = rng.choice(leaves if leaves and rng.random() < 0.8 else places)
    if rng.random() < 0.1:
        depth = rng.choice((40, 2000))
        data = json.dumps(document)
        text = data.replace("{", "[" * depth + "{", 1).replace("}", "}" + "]" * depth, 1)
        return {**files, name: text.encode("utf-8", "surrogatepass")}
    if isinstance(node[key], str) and rng.random() < 0.7:
        node[key] = rng.choice(HOSTILE_JSON_TEXT)
    else:
        node[key] = rng.choice(HOSTILE_JSON + HOSTILE_JSON_TEXT)
    text = json.dumps(document, allow_nan=True)
    return {**files, name: text.encode("utf-8", "surrogatepass")}


def repack(rng: random.Random, files: dict[str, bytes]) -> dict[str, bytes]:
    """The files zipped (once or twice), renamed, duplicated or joined by junk."""
    operation = rng.choice(("zip", "zip twice", "rename", "duplicate", "junk", "empty zip"))
    if operation == "zip":
        return {"Overview_2026-04-03_1777593600_casa_verde_shop.zip": zip_of(files)}
    if operation == "zip twice":
        return {"outer.zip": zip_of({"inner.zip": zip_of(files)})}
    if operation == "rename":
        name = pick_file(rng, files)
        new = rng.choice(("data.bin", "x.json", "y.graphml", ".hidden.csv", "Thumbs.db", "a b.csv"))
        return {**{k: v for k, v in files.items() if k != name}, new: files[name]}
    if operation == "duplicate":
        name = pick_file(rng, files)
        return {**files, f"copy of {name}": files[name]}
    if operation == "junk":
        return {**files, "notes.txt": rng.randbytes(rng.randint(0, 64))}
    return {"empty.zip": zip_of({})}


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


MUTATIONS: list[Callable[[random.Random, dict[str, bytes]], dict[str, bytes]]] = [
    edit_bytes, edit_bytes, hostile_cell, hostile_cell, repeat_lines, hostile_json, repack,
]  # fmt: skip


def store_digest(connection: DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Each table's row count and the sum of its rows' hashes: any change shows in it."""
    parts = [
        f"SELECT '{name}', count(*), sum(hash(t)::HUGEINT) FROM {name} AS t"
        for name in [table.name for table in TABLES] + ["runs"]
    ]
    return connection.execute(" UNION ALL ".join(parts)).fetchall()


@dataclass
class FuzzRun:
    """Imports cases into one store, checking after each refused one that the store is unchanged.

    Attributes:
        connection: the store.
        folder: where each case's files are written.
        key_file: the key file that keys pseudonyms.
        outcomes: how many cases ended each way.
        failures: a line for each case that raised a traceback or changed the store when refused.
    """

    connection: DuckDBPyConnection
    folder: Path
    key_file: Path
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    digest: list[tuple[object, ...]] | None = None

    def run(self, case: FuzzCase) -> Outcome:
        """Import one case and check what it did."""
        from tikscope.sync.imports import import_path

        if self.digest is None:
            self.digest = store_digest(self.connection)
        path = write_case(case, self.folder)
        try:
            import_path(self.connection, path, handle=case.handle, today=TODAY,
                        key_file=self.key_file, limits=case.limits)  # fmt: skip
            outcome = Outcome("imported")
            self.digest = None
        except ImportLimitError as error:
            outcome = Outcome("limit", str(error))
        except TikscopeError as error:
            outcome = Outcome("refused", str(error))
        except Exception as error:  # what the fuzzing looks for
            lines = traceback.format_exception(error)
            outcome = Outcome("traceback", "".join(lines[-3:]).strip())
            self.failures.append(f"case {case.number} {case.changes}: traceback {outcome.detail}")
            self.digest = None
        if outcome.kind in ("refused", "limit") and store_digest(self.connection) != self.digest:
            self.failures.append(f"case {case.number} {case.changes}: refused ({outcome.detail}) "
                                 "but the store changed")  # fmt: skip
            self.digest = None
        shutil.rmtree(path, ignore_errors=True)
        self.outcomes[outcome.kind] += 1
        return outcome


def write_case(case: FuzzCase, folder: Path) -> Path:
    """The case's files in a folder of their own (one file is imported alone)."""
    path = folder / f"case_{case.number}"
    path.mkdir(parents=True)
    for name, data in case.files.items():
        (path / name).write_bytes(data)
    if len(case.files) == 1:
        return path / next(iter(case.files))
    return path


def write_large_cases(seed: int, folder: Path) -> list[tuple[str, str | None, str]]:
    """Large inputs for the memory check, written to `folder`: (path, handle, what it is).

    A zip of 300 MiB of newlines, JSON nested 500,000 deep, an 8 MiB line, an audience of
    100,000 rows, 100,000 archive followers, and corpus cases repeated a thousand times.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, str | None, str]] = []

    def add(name: str, files: dict[str, bytes], handle: str | None, what: str) -> None:
        case = FuzzCase(len(cases), files, handle, ImportLimits(), (what,))
        cases.append((str(write_case(case, folder / name)), handle, what))

    bomb = folder / "bomb.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("Overview.csv", "w") as member,
    ):
        member.write((FIXTURES / "studio_en" / "Overview.csv").read_bytes())
        for _ in range(300):
            member.write(b"\n" * MIB)
    cases.append((str(bomb), HANDLE, "zip of 300 MiB of newlines"))
    add("deep", {"user_data.json": b'{"Your Activity": ' + b"[" * 500_000}, None, "deep JSON")
    add("long", {"members.csv": b"id,bio\nx," + b"y" * (8 * MIB)}, HANDLE, "an 8 MiB line")
    members = "id,bio\n" + "".join(f"m{n},bio {n}\n" for n in range(30_000))
    edges = "follower,followee\n" + "".join(
        f"m{n % 30_000},m{n * 7 % 30_000}\n" for n in range(70_000)
    )
    add("audience", {"members.csv": members.encode(), "edges.csv": edges.encode()}, HANDLE,
        "an audience of 100,000 rows")  # fmt: skip
    fans = [{"Date": "2026-04-30 18:22:10", "UserName": f"fan{n}"} for n in range(100_000)]
    document = {"Your Activity": {"Follower": {"FansList": fans}}}
    add("fans", {"user_data.json": json.dumps(document).encode()}, HANDLE, "100,000 followers")
    for number, case in enumerate(fuzz_cases(seed, 6)):
        name = pick_file(rng, case.files)
        files = {**case.files, name: case.files[name] * 1000}
        add(f"repeated_{number}", files, case.handle, f"{case.changes} repeated")
    return cases


def run_in_child(seed: int, folder: Path) -> dict[str, Any]:
    """Import `write_large_cases` in a fresh process; its outcomes, failures and peak memory."""
    import subprocess

    manifest = folder / "cases.json"
    manifest.write_text(json.dumps(write_large_cases(seed, folder)))
    done = subprocess.run(
        [sys.executable, __file__, "--cases", str(manifest)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return {"outcomes": {}, "failures": [done.stderr[-2000:]], "peak_bytes": 0}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """In a child process: import the cases of a manifest into a fresh store, print the result."""
    from tikscope.store.db import open_store
    from tikscope.sync.imports import import_path

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=Path, required=True)
    options = parser.parse_args()
    folder = options.cases.parent
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    with open_store(folder / "large.duckdb", create=True) as connection:
        for path, handle, what in json.loads(options.cases.read_text()):
            before = store_digest(connection)
            try:
                import_path(connection, Path(path), handle=handle, today=TODAY,
                            key_file=folder / "secret.key")  # fmt: skip
                outcomes["imported"] += 1
                continue
            except ImportLimitError:
                outcomes["limit"] += 1
            except TikscopeError:
                outcomes["refused"] += 1
            except Exception as error:  # what the fuzzing looks for
                outcomes["traceback"] += 1
                failures.append(f"{what}: {traceback.format_exception(error)[-1].strip()}")
            if store_digest(connection) != before:
                failures.append(f"{what}: refused but the store changed")
    print(json.dumps({"outcomes": dict(outcomes), "failures": failures, "peak_bytes": peak()}))


def peak() -> int:
    """This process's peak resident memory in bytes, since it started this program.

    # NOTE: Linux's `ru_maxrss` keeps the high-water mark of the process before `exec`, that is
    # of the forked copy of the parent: late in a test run pytest holds about 1 GB, which the
    # child would report as its own. `VmHWM` is the peak of this program's memory alone.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


if __name__ == "__main__":
    main()
