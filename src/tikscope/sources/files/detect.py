"""`read_files`: every file under a path, recognized by its content and read into extracts.

A path is a file (CSV, JSON, GraphML, GML, GEXF, the archive's TXT lists or a zip of them) or a
directory of such files (the four Studio zips, say). Each file's kind comes from its content: a
zip's signature, a JSON archive's keys, a GraphML or GEXF root, GML's `key value` start and
`graph [`, a TXT list's `Date:` or `Username:` start, a CSV header row; never from its name,
which mobile sharing changes (only which of its two lists an archive's TXT file holds is read
from its name: the two look the same inside).
Files then group into one extract per source: all Studio files together, each archive on its
own, the members CSV with its edges files. Any problem stops the whole read: nothing partial is
returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tikscope.config import ImportLimits
from tikscope.errors import UsageError
from tikscope.sources.files.archive import load_archive, read_archive
from tikscope.sources.files.archive_text import looks_like_archive_text, read_archive_texts
from tikscope.sources.files.audience_files import (
    edge_columns,
    is_members_header,
    read_audience,
    read_graph_audience,
)
from tikscope.sources.files.common import ImportBudget, SourceFile, file_problem, unknown_kind
from tikscope.sources.files.csv_files import read_csv, read_header
from tikscope.sources.files.gml import looks_like_gml
from tikscope.sources.files.graphml import looks_like_graphml, xml_graph_kind
from tikscope.sources.files.reading import UTF16_MARKS, read_head, zip_members
from tikscope.sources.files.studio import read_studio
from tikscope.sources.files.studio_headers import StudioFile, match_studio_header, near_studio_kind
from tikscope.sources.records import Extract

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "__macosx"})


@dataclass
class Detected:
    """The files of a path sorted by kind, ready to be read."""

    studio: list[StudioFile] = field(default_factory=list)
    archives: list[tuple[SourceFile, dict[str, Any]]] = field(default_factory=list)
    archive_texts: list[SourceFile] = field(default_factory=list)
    members: list[SourceFile] = field(default_factory=list)
    edges: list[tuple[SourceFile, str]] = field(default_factory=list)


def read_files(
    path: Path,
    *,
    handle: str | None,
    today: date,
    pseudonymize: Callable[[str], str],
    limits: ImportLimits | None = None,
) -> list[Extract]:
    """Read TikTok downloads and audience files under `path`: one extract per account and source.

    Args:
        path: a file, a zip of files, or a directory of them.
        handle: the account (`--account`); needed when the files do not name it (a renamed
            Studio export) and always for an audience import.
        today: the import day: Studio's year-less dates are not after it, and snapshots are
            taken on it.
        pseudonymize: turns a follower's or member's username into the stored pseudonym.
        limits: how much the import may read (the defaults when None).

    Returns:
        The Studio export (if any) first, then each archive, then the audience import.

    Raises:
        FileFormatError: a file is of no known kind or is malformed; the message names the file,
            line (or JSON key path) and column.
        ImportLimitError: the files go past one of `limits`; the message names the limit.
        UsageError: the account cannot be told, or the files do not go together.
    """
    detected = Detected()
    for source in gather(path, ImportBudget(limits)):
        detect(source, detected)
    extracts: list[Extract] = []
    if detected.studio:
        extracts.append(read_studio(detected.studio, handle=handle, today=today))
        detected.studio.clear()  # the rows are in the extract; the files' cells can go
    while detected.archives:
        source, data = detected.archives.pop(0)
        extracts.append(
            read_archive(source, data, handle=handle, today=today, pseudonymize=pseudonymize)
        )
    if detected.archive_texts:
        extracts.append(
            read_archive_texts(detected.archive_texts, handle=handle, pseudonymize=pseudonymize)
        )
    audience = read_audience_files(detected, handle=handle, pseudonymize=pseudonymize)
    if audience is not None:
        extracts.append(audience)
    return extracts


def gather(path: Path, budget: ImportBudget) -> list[SourceFile]:
    """The files under `path`, zips opened, in name order; hidden and system files skipped."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if path.is_dir():
        files = []
        for child in path.rglob("*"):
            if child.is_file() and not any(is_junk(p) for p in child.relative_to(path).parts):
                files.append(child)
                if len(files) > budget.limits.files:  # before a huge tree is walked to its end
                    raise budget.refuse(str(path), "holds more files than", "files")
        files.sort()
        if not files:
            raise UsageError(f"{path}: no files to import in this directory")
    else:
        files = [path]
    sources: list[SourceFile] = []
    for file in files:
        sources.extend(open_file(file, budget))
    return sources


def is_junk(name: str) -> bool:
    """Whether a file or folder name is hidden or an operating system's leftover."""
    return name.startswith(".") or name.casefold() in JUNK_NAMES


def open_file(file: Path, budget: ImportBudget) -> list[SourceFile]:
    """A file as sources: itself, or the files inside it when it is a zip."""
    source = SourceFile(str(file), file, budget)
    if not read_head(source).startswith(ZIP_SIGNATURES):
        budget.count_file(source.name)
        return [source]
    if file.stat().st_size > budget.limits.file_bytes:
        raise budget.refuse(source.name, "is larger than", "file_bytes")
    members: list[SourceFile] = []
    for info, index in zip_members(file, budget):
        parts = info.filename.replace("\\", "/").split("/")
        if info.is_dir() or any(is_junk(part) for part in parts if part):
            continue
        where = f"{file}!{info.filename}"
        budget.count_file(where)
        members.append(
            SourceFile(where, file, budget, index, info.compress_size, container=file.name)
        )
    if not members:
        raise file_problem(str(file), "a zip file with no files in it")
    return members


def detect(source: SourceFile, detected: Detected) -> None:
    """Recognize one file by its content and file it under its kind in `detected`.

    Raises:
        FileFormatError: the file is of no known kind.
    """
    head = read_head(source)
    if head.startswith(ZIP_SIGNATURES):
        raise unknown_kind(source.name, "a zip inside a zip; unzip the outer one first")
    if b"\x00" in head and not head.startswith(UTF16_MARKS):
        raise unknown_kind(source.name, "a binary file")
    if looks_like_graphml(head):
        detected.edges.append((source, xml_graph_kind(source)))
        return
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        data = load_archive(source)
        if data is None:
            raise unknown_kind(
                source.name, 'JSON without the keys of a "Download your data" archive'
            )
        detected.archives.append((source, data))
        return
    if looks_like_gml(head):
        detected.edges.append((source, "gml"))
        return
    if looks_like_archive_text(head):
        detected.archive_texts.append(source)
        return
    detect_csv(source, detected)


def detect_csv(source: SourceFile, detected: Detected) -> None:
    """Recognize a CSV file by its header row."""
    header = read_header(source)
    if not any(cell.strip() for cell in header):
        raise unknown_kind(source.name, "an empty file")
    studio = match_studio_header(header)
    if studio is not None:
        kind, columns = studio
        detected.studio.append(StudioFile(read_csv(source, studio=True), kind, columns))
    elif edge_columns(header) is not None:
        detected.edges.append((source, "csv"))
    elif is_members_header(header):
        detected.members.append(source)
    else:
        near = near_studio_kind(header)
        shown = ", ".join(f"'{cell}'" for cell in header[:8])
        raise unknown_kind(source.name, near or f"a CSV with the columns {shown}", line=1)


def read_audience_files(
    detected: Detected, *, handle: str | None, pseudonymize: Callable[[str], str]
) -> Extract | None:
    """The audience import of the members CSV and edges files, if there are any."""
    if not detected.members and not detected.edges:
        return None
    if not detected.members:
        if len(detected.edges) == 1 and detected.edges[0][1] in ("gml", "gexf"):
            source, kind = detected.edges[0]
            return read_graph_audience(source, kind, handle=handle, pseudonymize=pseudonymize)
        names = ", ".join(source.name for source, _ in detected.edges)
        raise UsageError(
            f"follow edges ({names}) need a members CSV (with an 'id' column) beside them "
            "(a GML or GEXF file alone is read with its nodes as the members)"
        )
    if len(detected.members) > 1:
        names = ", ".join(source.name for source in detected.members)
        raise UsageError(f"several members CSVs ({names}); import one audience at a time")
    return read_audience(
        detected.members[0], detected.edges, handle=handle, pseudonymize=pseudonymize
    )
