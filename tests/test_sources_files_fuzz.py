"""Whatever bytes a file holds, the importers answer with rows or a tikscope error, never a crash.

Two kinds of fuzzing: hypothesis mutates fixtures and reads them (`read_files`); a seeded corpus
(tests/import_fuzzing.py) imports damaged and hostile inputs into a store, checking that a
refused import leaves the store exactly as it was and, for large inputs run in a child process,
that an import stays under the memory bound. benchmarks/fuzz_imports.py runs the corpus longer.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from import_fuzzing import FuzzRun, fuzz_cases, run_in_child
from tikscope.errors import FileFormatError, UsageError
from tikscope.sources.files import read_files
from tikscope.store.db import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "files"
TOKENS = [b'"', b",", b"\n", b"\r", b";", b"undefined", b"-1", b"1.5", b"\xff", b"\x00",
          b"February 29", b"December 31", b"{", b"}", b"[", b"]", b"null", b"<", b"/>", b"&a;",
          b"\xef\xbb\xbf", b"0", b"99999999999999999999", b"%", b"@", b"|"]  # fmt: skip
FUZZ = settings(max_examples=150, deadline=None)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` with a few bytes inserted, deleted or replaced."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=6))
        if operation == "insert":
            data[position:position] = piece
        elif operation == "delete":
            data[position : position + draw(st.integers(1, 12))] = b""
        else:
            data[position : position + len(piece)] = piece
    return bytes(data)


def survives(files: dict[str, bytes], *, handle: str | None = "casa_verde_shop") -> None:
    """Read `files` from a fresh folder: rows or a tikscope error are both fine."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        with contextlib.suppress(FileFormatError, UsageError):
            read_files(Path(folder), handle=handle, today=date(2026, 1, 3), pseudonymize=str)


def fixture(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


STUDIO_FILES = ["Overview.csv", "FollowerHistory.csv", "Viewers.csv", "FollowerActivity.csv",
                "FollowerGender.csv", "FollowerTopTerritories.csv", "Content.csv"]  # fmt: skip


@FUZZ
@given(data=st.binary(max_size=300))
def test_fuzz_arbitrary_bytes_give_only_tikscope_errors(data: bytes) -> None:
    survives({"file": data})


@FUZZ
@given(
    language=st.sampled_from(["en", "es", "pt", "fr", "de"]),
    name=st.sampled_from(STUDIO_FILES),
    choice=st.data(),
)
def test_fuzz_mutated_studio_csvs_give_only_tikscope_errors(
    language: str, name: str, choice: st.DataObject
) -> None:
    data = choice.draw(mutated(fixture(f"studio_{language}", name)))
    survives({name: data}, handle=choice.draw(st.sampled_from([None, "casa_verde_shop"])))


@FUZZ
@given(choice=st.data())
def test_fuzz_mutated_studio_zips_give_only_tikscope_errors(choice: st.DataObject) -> None:
    name = choice.draw(st.sampled_from(STUDIO_FILES))
    inner = choice.draw(mutated(fixture("studio_en", name)))
    outer = zipped({name: inner})
    if choice.draw(st.booleans()):
        outer = choice.draw(mutated(outer))
    survives({"Overview_2026-01-01_1767225600_casa_verde_shop.zip": outer}, handle=None)


@FUZZ
@given(
    name=st.sampled_from(["archive_new_layout.json", "archive_old_layout.json"]),
    choice=st.data(),
)
def test_fuzz_mutated_archives_give_only_tikscope_errors(name: str, choice: st.DataObject) -> None:
    survives({"user_data.json": choice.draw(mutated(fixture(name)))}, handle=None)


@FUZZ
@given(choice=st.data())
def test_fuzz_mutated_gml_edges_give_only_tikscope_errors(choice: st.DataObject) -> None:
    members = fixture("audience_gml", "members.csv")
    survives(
        {
            "members.csv": members,
            "g.gml": choice.draw(mutated(fixture("audience_gml", "follows.gml"))),
        }
    )


@FUZZ
@given(name=st.sampled_from(["Follower.txt", "Following.txt"]), choice=st.data())
def test_fuzz_mutated_archive_txt_lists_give_only_tikscope_errors(
    name: str, choice: st.DataObject
) -> None:
    survives({name: choice.draw(mutated(fixture("archive_txt", name)))})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Date", "UserName", "Link", "Likes", "x"]), children, max_size=4
        )
    ),
    max_leaves=10,
)


@FUZZ
@given(
    section=st.sampled_from([
        ("Your Activity", "Follower", "FansList"),
        ("Activity", "Following List", "Following"),
        ("Post", "Posts", "VideoList"),
        ("Comment", "Comments", "CommentsList"),
        ("Profile And Settings", "Profile Info", "ProfileMap"),
    ]),
    value=JSON_VALUES,
)  # fmt: skip
def test_fuzz_archive_sections_of_any_shape_give_only_tikscope_errors(
    section: tuple[str, str, str], value: object
) -> None:
    import json

    first, second, third = section
    document = {first: {second: {third: value}}}
    survives({"user_data.json": json.dumps(document).encode()}, handle=None)


@FUZZ
@given(
    edges_name=st.sampled_from(["edges.csv", "follows.graphml"]),
    mutate_members=st.booleans(),
    choice=st.data(),
)
def test_fuzz_mutated_audience_files_give_only_tikscope_errors(
    edges_name: str, mutate_members: bool, choice: st.DataObject
) -> None:
    folder = "audience_csv" if edges_name == "edges.csv" else "audience_graphml"
    members = fixture(folder, "members.csv")
    edges = fixture(folder, edges_name)
    if mutate_members:
        members = choice.draw(mutated(members))
    else:
        edges = choice.draw(mutated(edges))
    survives({"members.csv": members, edges_name: edges})


CORPUS_SEED = 12
CORPUS_CASES = 2000
MEMORY_BOUND_BYTES = 1_000_000_000
"""Issue 12's goal: an import of any input up to the limits peaks under 1 GB."""


def test_fuzz_corpus_imports_raise_only_tikscope_errors_and_refused_ones_change_nothing(
    tmp_path: Path,
) -> None:
    with open_store(tmp_path / "store.duckdb", create=True) as connection:
        run = FuzzRun(connection, tmp_path, tmp_path / "secret.key")
        for case in fuzz_cases(CORPUS_SEED, CORPUS_CASES):
            run.run(case)
    assert run.failures == []
    assert sum(run.outcomes.values()) == CORPUS_CASES
    assert min(run.outcomes[kind] for kind in ("imported", "refused", "limit")) > 20


@pytest.mark.slow
def test_fuzz_large_inputs_stay_under_the_memory_bound(tmp_path: Path) -> None:
    result = run_in_child(CORPUS_SEED, tmp_path)
    assert result["failures"] == []
    assert sum(result["outcomes"].values()) == 11
    assert 0 < result["peak_bytes"] < MEMORY_BOUND_BYTES
