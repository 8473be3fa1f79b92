"""Peak memory and time of `tikscope import` on the largest inputs its limits accept, and on bombs.

Issue 12's goal: any import up to the limits (`tikscope.config.ImportLimits`) peaks under 1 GB,
and a zip bomb is refused quickly with bounded memory. Each input is imported by a fresh child
process into a fresh store; the child reports its wall time, its outcome (the error line, or the
rows written) and its peak memory (`ru_maxrss`).

Inputs (built once under --dir):

- bombs: a 1 GiB Overview.csv in a zip of a few MB, a 900 MB members CSV in a zip of under a MB,
  128 MiB in a zip of a few hundred KB, and a zip whose directory understates a member's size;
- the largest accepted inputs: a members CSV of `rows` members whose cells add up to
  `kept_characters`, a members CSV and an edges CSV (or GraphML) with `rows` rows between them,
  an archive with `rows` followers, an archive padded with watch history to `file_bytes`, a
  Content.csv of `studio_rows` posts, members with 1 KB bios or records of `line_characters` up to
  `kept_characters`;
- just past a limit: one row more, one Studio row more, JSON nested 100,000 deep.

Run: `.venv/bin/python benchmarks/import_limits.py [--dir DIR] [--only NAME ...]`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tikscope.config import ImportLimits

LIMITS = ImportLimits()
MIB = 1 << 20
HANDLE = "casa_verde_shop"
OVERVIEW_HEADER = '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
CONTENT_HEADER = (
    '"Time","Video title","Video link","Post time","Total likes","Total comments",'
    '"Total shares","Total views"\n'
)
MEMBERS_HEADER = "id,bio,age_bucket,gender,country,city,language,interests,followed_at\n"


@dataclass(frozen=True)
class Case:
    """One input: its name, how to build it, and the import's extra arguments."""

    name: str
    build: Callable[[Path], Path]
    arguments: tuple[str, ...] = ()


def write_lines(path: Path, header: str, lines: Iterator[str], *, bom: bool = False) -> Path:
    """Write a text file from a header and lines, in large blocks."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as file:
        file.write(header)
        block: list[str] = []
        for line in lines:
            block.append(line)
            if len(block) == 10_000:
                file.write("".join(block))
                block.clear()
        file.write("".join(block))
    return path


def zipped(path: Path, member: str, size: int, pattern: bytes, header: bytes = b"") -> Path:
    """A zip whose one member is `header` then `pattern` repeated to `size` bytes."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w", force_zip64=size > 2**31) as file,
    ):
        file.write(header)
        written = len(header)
        block = pattern * max(1, MIB // len(pattern))
        while written < size:
            piece = block[: size - written]
            file.write(piece)
            written += len(piece)
    return path


def overview_rows() -> bytes:
    """Overview rows that a bomb repeats (fewer than deflate's 32 KiB window, so they pack well)."""
    rows = (f'"April {1 + n % 28}","{n}","{n % 97}","{n % 89}","1","2"\n' for n in range(400))
    return "".join(rows).encode()


def bomb_overview(folder: Path) -> Path:
    return zipped(folder / f"Overview_2026-01-01_1767225600_{HANDLE}.zip", "Overview.csv",
                  1 << 30, overview_rows(), ("\ufeff" + OVERVIEW_HEADER).encode())  # fmt: skip


def bomb_members(folder: Path) -> Path:
    return zipped(folder / "members.zip", "members.csv", 900_000_000, b"a" * 4096,
                  b"id,bio\nx,")  # fmt: skip


def bomb_small(folder: Path) -> Path:
    return zipped(folder / f"Followers_{HANDLE}.zip", "FollowerHistory.csv", 128 * MIB,
                  b'"April 29","15190","44"\n' * 40, b'"Date","Followers"\n')  # fmt: skip


def bomb_lying(folder: Path) -> Path:
    """A 64 MiB member whose sizes in the zip's directory say 1 KB (a declared size that lies)."""
    path = zipped(folder / "lying.zip", "Overview.csv", 64 * MIB, overview_rows(),
                  OVERVIEW_HEADER.encode())  # fmt: skip
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, at + 24, 1000)  # uncompressed size in the directory entry
    path.write_bytes(bytes(data))
    return path


def members_and_edges(folder: Path) -> Path:
    """`rows` rows between a members CSV (a fifth) and an edges CSV, in one folder."""
    target = folder / "audience"
    target.mkdir(exist_ok=True)
    members = LIMITS.rows // 5
    edges = LIMITS.rows - members
    write_lines(target / "members.csv", MEMBERS_HEADER, (
        f"m{n},plants and pots {n},25-34,female,ES,Madrid,es,plants;pots,2025-05-01\n"
        for n in range(members)
    ))  # fmt: skip
    write_lines(target / "edges.csv", "follower,followee\n", (
        f"m{n % members},{'m' if n % 5 else 'outside'}{(n * 7919) % members}\n"
        for n in range(edges)
    ))  # fmt: skip
    return target


def members_only(folder: Path) -> Path:
    """A members CSV of `rows` members, every column filled, their cells `kept_characters` long."""
    cells = len("m000000,25-34,female,ES,Madrid,es,plants;pots,2025-05-01") - 7
    bio = "x" * (LIMITS.kept_characters // LIMITS.rows - cells - 8)
    return write_lines(folder / "members_only.csv", MEMBERS_HEADER, (
        f"m{n:06},{bio},25-34,female,ES,Madrid,es,plants;pots,2025-05-01\n"
        for n in range(LIMITS.rows)
    ))  # fmt: skip


def graphml_edges(folder: Path) -> Path:
    target = folder / "graphml"
    target.mkdir(exist_ok=True)
    members = LIMITS.rows // 5
    write_lines(target / "members.csv", "id\n", (f"m{n}\n" for n in range(members)))
    write_lines(
        target / "follows.graphml",
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<graph edgedefault="directed">\n',
        (f'<edge source="m{n % members}" target="m{(n * 7919) % members}"/>\n'
         for n in range(LIMITS.rows - members)),
    )  # fmt: skip
    with (target / "follows.graphml").open("a") as file:
        file.write("</graph></graphml>\n")
    return target


def archive(followers: int, padding: int) -> Callable[[Path], Path]:
    """An archive with `followers` followers, and watch history to about `padding` bytes."""

    def build(folder: Path) -> Path:
        path = folder / f"user_data_{followers}_{padding}.json"
        with path.open("w") as file:
            file.write('{"Profile And Settings": {"Profile Info": {"ProfileMap": '
                       f'{{"userName": "{HANDLE}", "likesReceived": "402118"}}}}}},\n'
                       ' "Your Activity": {"Watch History": {"VideoList": [')  # fmt: skip
            item = '{"Date": "2026-05-01 21:14:03", "Link": "https://www.tiktokv.com/share/video/7490000000000000001/"}'
            count = padding // (len(item) + 2)
            for start in range(0, count, 10_000):
                file.write(",\n".join([item] * min(10_000, count - start)))
                if start + 10_000 < count:
                    file.write(",\n")
            file.write(']},\n  "Follower": {"FansList": [')
            for start in range(0, followers, 10_000):
                file.write(",\n".join(
                    f'{{"Date": "2026-04-30 18:22:10", "UserName": "fan.{n}"}}'
                    for n in range(start, min(followers, start + 10_000))
                ))  # fmt: skip
                if start + 10_000 < followers:
                    file.write(",\n")
            file.write("]}}}\n")
        return path

    return build


def content(rows: int) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        return write_lines(folder / f"Content_{rows}.csv", CONTENT_HEADER, (
            f'"May 2","Repotting a monstera #plants {n}","https://www.tiktok.com/@{HANDLE}/video/'
            f'{7498123456789012345 + n}","April 28","3120","88","141","48210"\n'
            for n in range(rows)
        ), bom=True)  # fmt: skip

    return build


def long_bios(folder: Path) -> Path:
    """A members CSV of 1 KB bios, up to `kept_characters`."""
    bio = "Plants and pots and repotting tips from Madrid; " * 21  # about 1 KB
    rows = LIMITS.kept_characters // (len(bio) + 8) - 1
    return write_lines(folder / "long_bios.csv", "id,bio\n",
                       (f"m{n},{bio}\n" for n in range(rows)))  # fmt: skip


def long_lines(folder: Path) -> Path:
    """A members CSV whose records are as long as `line_characters` allows."""
    bio = "x" * (LIMITS.line_characters - 20)
    rows = LIMITS.kept_characters // (len(bio) + 8) - 1
    return write_lines(folder / "long_lines.csv", "id,bio\n",
                       (f"m{n},{bio}\n" for n in range(rows)))  # fmt: skip


def one_row_too_many(folder: Path) -> Path:
    return write_lines(folder / "too_many.csv", "id\n", (f"m{n}\n" for n in range(LIMITS.rows + 1)))


def deep_json(folder: Path) -> Path:
    path = folder / "deep.json"
    depth = 100_000
    path.write_text('{"Your Activity": ' + "[" * depth + "]" * depth + "}")
    return path


CASES = (
    Case("bomb: 1 GiB Overview.csv in a zip", bomb_overview),
    Case("bomb: 900 MB members CSV in a zip", bomb_members, ("--account", HANDLE)),
    Case("bomb: 128 MiB in a zip", bomb_small),
    Case("bomb: directory says 1 KB, member is 64 MiB", bomb_lying, ("--account", HANDLE)),
    Case(
        "members CSV, `rows` members, `kept_characters` long", members_only, ("--account", HANDLE)
    ),
    Case("members + edges CSV, `rows` rows", members_and_edges, ("--account", HANDLE)),
    Case("members CSV + GraphML edges, `rows` rows", graphml_edges, ("--account", HANDLE)),
    Case("archive, `rows` followers", archive(LIMITS.rows - 2, 0)),
    Case("archive, watch history to `file_bytes`", archive(1000, LIMITS.file_bytes - 2 * MIB)),
    Case("Content.csv, `studio_rows` posts", content(LIMITS.studio_rows), ("--account", HANDLE)),
    Case(
        "Content.csv, `studio_rows` + 1 posts",
        content(LIMITS.studio_rows + 1),
        ("--account", HANDLE),
    ),
    Case("members CSV, 1 KB bios to `kept_characters`", long_bios, ("--account", HANDLE)),
    Case("members CSV, records of `line_characters`", long_lines, ("--account", HANDLE)),
    Case("members CSV, `rows` + 1 rows", one_row_too_many, ("--account", HANDLE)),
    Case("archive nested 100,000 deep", deep_json),
)


def run_child(path: Path, arguments: list[str], store: Path) -> None:
    """In the child: import `path` into `store`, and print what happened as one JSON line."""
    from tikscope.cli.main import main

    err = io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    started = time.perf_counter()
    try:
        code = main(["import", str(path), "--db", str(store), "--format", "json", *arguments])
    finally:
        sys.stderr = saved
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"code": code, "error": err.getvalue().strip(), "seconds": seconds,
                      "peak_bytes": peak}))  # fmt: skip


def measure(case: Case, path: Path, folder: Path) -> dict[str, object]:
    """Import one input in a fresh child process, into a fresh store."""
    store = folder / "store.duckdb"
    for leftover in (store, folder / "store.duckdb.wal"):
        leftover.unlink(missing_ok=True)
    environment = {**os.environ, "TIKSCOPE_KEY_FILE": str(folder / "secret.key"),
                   "TIKSCOPE_NOW": "2026-05-03T08:00:00", "COLUMNS": "200"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--store", str(store), "--",
         *case.arguments],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip
    if done.returncode != 0 or not done.stdout.strip():
        return {"code": done.returncode, "error": done.stderr[-500:], "seconds": 0, "peak_bytes": 0}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(child.stat().st_size for child in path.rglob("*") if child.is_file())
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, help="where to build the inputs (default: a temp dir)")
    parser.add_argument("--only", nargs="*", default=[], help="cases whose name has these words")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        run_child(options.child, options.rest, options.store)
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = options.dir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"limits: {LIMITS}")
        print("| input | size on disk | outcome | wall clock | peak memory (max RSS) |")
        print("| --- | --- | --- | --- | --- |")
        for case in CASES:
            if options.only and not any(word in case.name for word in options.only):
                continue
            path = case.build(folder)
            result = measure(case, path, folder)
            error = str(result["error"])
            outcome = "imported" if result["code"] == 0 else f"refused: {error[:160]}"
            seconds, peak = float(result["seconds"]), int(result["peak_bytes"]) / MIB
            print(f"| {case.name} | {size_of(path) / MIB:,.1f} MiB | {outcome} | "
                  f"{seconds:.1f} s | {peak:,.0f} MiB |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
