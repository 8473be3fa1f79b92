"""What every importer shares: the file being read, where a value came from, and error messages.

Every problem in an imported file becomes a `FileFormatError` whose message says where
(`path:line`, `archive.zip!Overview.csv:3`, or a JSON key path), which column, what is wrong and
what was found, so the user can open the file and fix it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from tikscope.config import ImportLimits, raise_limit_hint, shown_limit
from tikscope.errors import FileFormatError, ImportLimitError, InvalidHandleError
from tikscope.ids import HANDLE_RULE, parse_handle

SHOWN_VALUE_LENGTH = 60
"""A value quoted in an error message is cut after this many characters."""
MAX_COUNT = 10**15 - 1
"""The largest number an import takes: beyond any TikTok count, and far inside the store's BIGINT,
so sums and differences of counts cannot overflow."""
TOO_LARGE = f"a number larger than any TikTok count (more than {MAX_COUNT:,})"
SURROGATE = re.compile(r"[\ud800-\udfff]")
"""Half of a UTF-16 pair: JSON's `\\ud800` escapes can write one alone, and no text holds one."""


class ImportBudget:
    """What one import has read so far, counted against its limits (`ImportLimits`).

    Shared by every file of an import: the totals (bytes, files, rows) are the import's.
    """

    def __init__(self, limits: ImportLimits | None = None) -> None:
        """Start counting from nothing, under `limits` (the defaults when None)."""
        self.limits = limits or ImportLimits()
        self.total_bytes = 0
        self.files = 0
        self.rows = 0
        self.studio_rows = 0
        self.kept_characters = 0
        self.furthest: dict[tuple[str, int | None], int] = {}
        """How far each file (name, zip member index) has been read."""

    def refuse(self, where: str, what: str, name: str) -> ImportLimitError:
        """The error for going past the limit `name`: `where: what the import limit NAME (...)`.

        `what` ends where the limit's words go: "is larger than", "brings the import past".
        """
        value = getattr(self.limits, name)
        return ImportLimitError(
            f"{where}: {what} the import limit {name} ({shown_limit(name, value)}); "
            + raise_limit_hint(name, value)
        )

    def count_file(self, where: str) -> None:
        """Count one more file of the import."""
        self.files += 1
        if self.files > self.limits.files:
            raise self.refuse(where, "brings the import past", "files")

    def count_row(self, where: str, characters: int, *, studio: bool = False) -> None:
        """Count one more row (a CSV record, JSON list item, graph file edge or node, TXT block)."""
        self.rows += 1
        if self.rows > self.limits.rows:
            raise self.refuse(where, "brings the import past", "rows")
        self.studio_rows += studio
        if self.studio_rows > self.limits.studio_rows:
            raise self.refuse(where, "brings the Studio files past", "studio_rows")
        self.kept_characters += characters
        if self.kept_characters > self.limits.kept_characters:
            raise self.refuse(where, "brings the import past", "kept_characters")

    def count_bytes(self, where: str, member: int | None, position: int) -> None:
        """Count the bytes of a file read up to `position` (a file read again counts once)."""
        seen = self.furthest.get((where, member), 0)
        if position <= seen:
            return
        self.furthest[where, member] = position
        self.total_bytes += position - seen
        if self.total_bytes > self.limits.total_bytes:
            raise self.refuse(where, "brings the import past", "total_bytes")


@dataclass(frozen=True)
class SourceFile:
    """One file to import, read as a stream when needed (`reading.open_binary`).

    Attributes:
        name: how messages name it: the path, or `archive.zip!Overview.csv` inside a zip.
        path: the file on disk (the zip, for a member of one).
        budget: the import's counts and limits.
        member: the member's index in the zip's directory, or None for a plain file.
        packed_size: the member's compressed size in the zip, or None for a plain file.
        container: the zip file's base name when the file came out of a zip, else None.
    """

    name: str
    path: Path
    budget: ImportBudget = field(compare=False, repr=False)
    member: int | None = None
    packed_size: int | None = None
    container: str | None = None

    @property
    def limits(self) -> ImportLimits:
        """The import's limits."""
        return self.budget.limits


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a row came from: a file and a line (1 = the header row)."""

    where: str
    line: int

    def problem(
        self, what: str, *, column: str | None = None, value: object = None
    ) -> FileFormatError:
        """An error about this row, e.g. `Overview.csv:3: column 'Likes': not a count (got 'x')`."""
        return file_problem(self.where, what, line=self.line, column=column, value=value)


def file_problem(
    where: str,
    what: str,
    *,
    line: int | None = None,
    column: str | None = None,
    value: object = None,
) -> FileFormatError:
    """A FileFormatError saying where the problem is, what is wrong and what was found.

    Args:
        where: the file's name (or `zip!member`).
        what: what is wrong, in words.
        line: the line in the file, when the problem is on one.
        column: the column (or JSON key path), when the problem is in one.
        value: the value found, when showing it helps.
    """
    message = where if line is None else f"{where}:{line}"
    if column is not None:
        message += f": column '{column}'"
    message += f": {what}"
    if value is not None:
        message += f" (got {shown(value)})"
    return FileFormatError(message)


def json_problem(where: str, key_path: str, what: str, *, value: object = None) -> FileFormatError:
    """A FileFormatError about the value at `key_path` in a JSON file."""
    message = f"{where}: {key_path}: {what}"
    if value is not None:
        message += f" (got {shown(value)})"
    return FileFormatError(message)


def shown(value: object) -> str:
    """A value as quoted in a message: 'text', cut when long, escaped when unprintable."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[:SHOWN_VALUE_LENGTH] + "…"
    if not text.isprintable() or "'" in text:
        return repr(text)
    return f"'{text}'"


def is_text(value: str) -> bool:
    """Whether a string is text that can be stored: no lone half of a UTF-16 surrogate pair."""
    return value.isascii() or SURROGATE.search(value) is None


def normalize_word(text: str) -> str:
    """Text folded for matching: no accents, case-folded, one space between words.

    `Visualizações  de Vídeo` and `visualizacoes de video` match; typographic apostrophes
    become `'`.
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def normalize_handle(handle: str) -> str:
    """A handle given on the command line, as stored (see `tikscope.ids.parse_handle`).

    Raises:
        InvalidHandleError: it is not a TikTok handle.
    """
    return parse_handle(handle)


def file_handle(where: str, key_path: str, text: str) -> str:
    """A handle read from a file, as stored.

    Raises:
        FileFormatError: it is not a TikTok handle; the message names the file and the field.
    """
    try:
        return parse_handle(text)
    except InvalidHandleError:
        raise json_problem(
            where, key_path, f"not a TikTok handle ({HANDLE_RULE})", value=text
        ) from None


POST_ID_PATTERN = re.compile(r"/(?:video|photo)/(\d{6,})(?!\d)")
"""A post id in a TikTok link: `.../@shop/video/7498...`, `.../share/video/7498.../`."""


def post_id_from_link(link: str) -> str | None:
    """The post id in a TikTok post link (or a bare id); None when there is none."""
    text = link.strip()
    if text.isascii() and text.isdigit() and len(text) >= 6:
        return text
    match = POST_ID_PATTERN.search(text)
    return None if match is None else match.group(1)


KNOWN_KINDS = (
    "known kinds: TikTok Studio export CSVs (Overview, FollowerHistory, Viewers, FollowerActivity, "
    'FollowerGender, FollowerTopTerritories, Content) or zips of them; a "Download your data" '
    "JSON (user_data.json) or its TXT lists (Follower.txt, Following.txt); an audience members "
    "CSV (an 'id' column); follow edges as a CSV ('follower','followee' or 'source','target' "
    "columns), GraphML, GML or GEXF"
)
"""What `tikscope import` reads, for the message about a file it does not recognize."""


def unknown_kind(where: str, why: str, *, line: int | None = None) -> FileFormatError:
    """The error for a file of no known kind: why it is not one, and the kinds that are known."""
    return file_problem(where, f"not a file tikscope can import ({why}); {KNOWN_KINDS}", line=line)


def counted(count: int, noun: str) -> str:
    """`1 comment`, `2 comments`: a count with its noun (plural by adding `s`)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
