"""What every importer shares: the file being read, where a value came from, and error messages.

Every problem in an imported file becomes a `FileFormatError` whose message says where
(`path:line`, `archive.zip!Overview.csv:3`, or a JSON key path), which column, what is wrong and
what was found, so the user can open the file and fix it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tikscope.errors import FileFormatError, InvalidHandleError
from tikscope.ids import HANDLE_RULE, parse_handle

SHOWN_VALUE_LENGTH = 60
"""A value quoted in an error message is cut after this many characters."""


@dataclass(frozen=True)
class SourceFile:
    """One file to import, already read into memory.

    Attributes:
        name: how messages name it: the path, or `archive.zip!Overview.csv` inside a zip.
        data: the file's bytes.
        container: the zip file's base name when the file came out of a zip, else None.
    """

    name: str
    data: bytes
    container: str | None = None


@dataclass(frozen=True)
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


def decode_text(source: SourceFile) -> str:
    """The file's text: UTF-8, with or without a byte order mark.

    Raises:
        FileFormatError: the file is not UTF-8 (a UTF-16 file is named as such).
    """
    if source.data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_problem(source.name, "is UTF-16 text; save it as UTF-8 and import it again")
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = source.data[: error.start].count(b"\n") + 1
        raise file_problem(
            source.name,
            f"not UTF-8 text (byte 0x{source.data[error.start]:02x} cannot be read); "
            "save it as UTF-8 and import it again",
            line=line,
        ) from None


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
    "JSON (user_data.json); an audience members CSV (an 'id' column); follow edges as a CSV "
    "('follower','followee' or 'source','target' columns) or GraphML"
)
"""What `tikscope import` reads, for the message about a file it does not recognize."""


def unknown_kind(where: str, why: str, *, line: int | None = None) -> FileFormatError:
    """The error for a file of no known kind: why it is not one, and the kinds that are known."""
    return file_problem(where, f"not a file tikscope can import ({why}); {KNOWN_KINDS}", line=line)


def counted(count: int, noun: str) -> str:
    """`1 comment`, `2 comments`: a count with its noun (plural by adding `s`)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
