"""docs/schema.md documents every column of the store, and nothing that is not there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tikscope.store.db import open_store

SCHEMA_DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
HEADER = ("column", "type", "meaning", "unit / time zone", "filled from")
SECTION = re.compile(r"^## +(\S+) *$")
COLUMN_NAME = re.compile(r"^`([^`]+)`$")
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class DocumentedColumn:
    table: str
    name: str
    cells: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class SchemaDoc:
    headers: dict[str, list[tuple[str, ...]]]
    columns: list[DocumentedColumn]


def split_row(line: str) -> tuple[str, ...]:
    """The cells of a markdown table row, stripped."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return tuple(cell.strip() for cell in CELL_SEPARATOR.split(inner))


def is_separator(cells: tuple[str, ...]) -> bool:
    return all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells)


def parse_schema_doc(text: str) -> SchemaDoc:
    """Each `## table` section's table headers and its documented columns."""
    headers: dict[str, list[tuple[str, ...]]] = {}
    columns: list[DocumentedColumn] = []
    table: str | None = None
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        section = SECTION.match(line)
        if section:
            table = section.group(1).strip("`")
            headers[table] = []
            in_table = False
            continue
        if table is None or not line.lstrip().startswith("|"):
            in_table = False
            continue
        cells = split_row(line)
        if not in_table:
            headers[table].append(cells)
            in_table = True
        elif not is_separator(cells):
            columns.append(DocumentedColumn(table, first_cell_name(cells[0]), cells, number))
    return SchemaDoc(headers, columns)


def first_cell_name(cell: str) -> str:
    """The backticked column name of a first cell; the raw cell when it is not backticked."""
    match = COLUMN_NAME.match(cell)
    return match.group(1) if match else cell


def store_columns(tmp_path: Path) -> list[tuple[str, str]]:
    """(table, column) of every user table of a freshly migrated store, in table order."""
    with open_store(tmp_path / "store.duckdb", create=True) as connection:
        rows = connection.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND database_name = current_database() AND NOT internal "
            "ORDER BY table_name, column_index"
        ).fetchall()
    return [(str(table), str(column)) for table, column in rows]


@pytest.fixture(scope="module")
def schema_doc() -> SchemaDoc:
    return parse_schema_doc(SCHEMA_DOC.read_text(encoding="utf-8"))


def describe(pairs: set[tuple[str, str]]) -> str:
    return ", ".join(f"{table}.{column}" for table, column in sorted(pairs)) or "none"


def test_schema_doc_lists_exactly_the_store_columns(tmp_path: Path, schema_doc: SchemaDoc) -> None:
    actual = store_columns(tmp_path)
    documented = [(column.table, column.name) for column in schema_doc.columns]
    duplicated = {pair for pair in documented if documented.count(pair) > 1}
    undocumented = set(actual) - set(documented)
    stale = set(documented) - set(actual)
    missing_tables = {table for table, _ in actual} - set(schema_doc.headers)
    stale_tables = set(schema_doc.headers) - {table for table, _ in actual}
    assert not (undocumented or stale or duplicated or missing_tables or stale_tables), (
        f"docs/schema.md is out of date.\n"
        f"  tables without a section: {', '.join(sorted(missing_tables)) or 'none'}\n"
        f"  sections for no table: {', '.join(sorted(stale_tables)) or 'none'}\n"
        f"  undocumented columns: {describe(undocumented)}\n"
        f"  documented columns that do not exist: {describe(stale)}\n"
        f"  columns documented twice: {describe(duplicated)}"
    )


def test_schema_doc_lists_columns_in_table_order(tmp_path: Path, schema_doc: SchemaDoc) -> None:
    actual: dict[str, list[str]] = {}
    for table, column in store_columns(tmp_path):
        actual.setdefault(table, []).append(column)
    documented: dict[str, list[str]] = {}
    for column in schema_doc.columns:
        documented.setdefault(column.table, []).append(column.name)
    misordered = {
        table: names
        for table, names in documented.items()
        if table in actual and set(names) == set(actual[table]) and names != actual[table]
    }
    assert misordered == {}, "columns not in table order; store order: " + "; ".join(
        f"{table}: {', '.join(actual[table])}" for table in sorted(misordered)
    )


def test_schema_doc_sections_have_one_table_with_the_standard_header(
    schema_doc: SchemaDoc,
) -> None:
    wrong = {table: found for table, found in schema_doc.headers.items() if found != [HEADER]}
    assert wrong == {}, f"each section needs exactly one table with header {HEADER}"


def test_schema_doc_rows_are_complete(schema_doc: SchemaDoc) -> None:
    incomplete = [
        f"line {column.line}: {column.table}.{column.name}"
        for column in schema_doc.columns
        if len(column.cells) != len(HEADER)
        or not COLUMN_NAME.match(column.cells[0])
        or not column.cells[HEADER.index("meaning")]
        or not column.cells[HEADER.index("filled from")]
    ]
    assert incomplete == [], (
        "rows need a backticked column name, five cells, and a meaning and a filled-from cell: "
        + "; ".join(incomplete)
    )
