"""Imported files as streams, counted against the import's limits as they are read.

No file is read whole. A file, or a zip member, comes in chunks of `CHUNK_BYTES`; every chunk
is counted (`ImportBudget.count_bytes`) before it is used, so a file larger than it claims (a
zip member whose declared size lies) is refused at the limit, with memory still bounded. What a
zip declares is checked before anything is inflated: how many members its directory holds
(`zip_members`), and each member's size and packing ratio.

Text is decoded as it streams, and a byte that is not UTF-8 is named with its line and its
offset in the file, counting the byte order mark that TikTok Studio writes.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from tikscope.errors import FileFormatError
from tikscope.sources.files.common import ImportBudget, SourceFile, file_problem

CHUNK_BYTES = 1 << 16
HEAD_BYTES = 4096
"""How much of a file's start is enough to tell its kind."""
RATIO_FLOOR_BYTES = 1 << 20
"""Members that unpack to at most this much are not held to `packing_ratio` (small files can
pack well)."""
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
ZIP_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    IndexError,  # a damaged header can send zipfile past the end of its buffers
    OverflowError,
    struct.error,
)
"""What zipfile raises for a damaged or unsupported zip (an encrypted member, a bad CRC)."""
END_RECORD = struct.Struct("<4s4H2LH")
"""The zip's end of central directory record: signature, disks, entries, directory size..."""
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
DIRECTORY_ENTRY_BYTES = 4096
"""The most a zip's directory may take per entry it declares (names, extra fields, comments)."""
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")


class CountedReader:
    """A file's bytes in chunks, each counted against the limits before it is handed on."""

    def __init__(self, source: SourceFile, raw: IO[bytes]) -> None:
        """Read `source` through `raw`, its opened bytes."""
        self.source = source
        self.raw = raw
        self.position = 0

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        """The next bytes (at most `size`); empty at the end.

        Raises:
            ImportLimitError: the file goes past `file_bytes`, `packing_ratio` or `total_bytes`.
            FileFormatError: the file cannot be read, or the zip is damaged.
        """
        source = self.source
        try:
            data = self.raw.read(size)
        except OSError as error:
            raise file_problem(source.name, f"cannot be read ({error.strerror})") from None
        except ZIP_DAMAGE as error:
            raise damaged_zip(str(source.path), error) from None
        self.position += len(data)
        self.check(self.position)
        return data

    def check(self, position: int) -> None:
        """Refuse when `position` bytes go past a limit."""
        source, limits = self.source, self.source.limits
        if position > limits.file_bytes:
            what = "is larger than" if source.member is None else "unpacks to more than"
            raise source.budget.refuse(source.name, what, "file_bytes")
        packed = source.packed_size
        if packed is not None and position > max(RATIO_FLOOR_BYTES, limits.packing_ratio * packed):
            raise source.budget.refuse(
                source.name,
                f"unpacks to more than {limits.packing_ratio} times its packed size "
                f"({packed:,} bytes), past",
                "packing_ratio",
            )
        source.budget.count_bytes(source.name, source.member, position)


@contextmanager
def open_binary(source: SourceFile) -> Iterator[CountedReader]:
    """The bytes of a file or zip member, as a `CountedReader`.

    Raises:
        FileFormatError: the file cannot be opened, or the zip is damaged.
    """
    if source.member is None:
        try:
            file = source.path.open("rb")
        except OSError as error:
            raise file_problem(source.name, f"cannot be read ({error.strerror})") from None
        with file:
            yield CountedReader(source, file)
        return
    stack = ExitStack()
    try:
        archive = stack.enter_context(zipfile.ZipFile(source.path))
        member = stack.enter_context(archive.open(archive.infolist()[source.member]))
    except OSError as error:
        stack.close()
        raise file_problem(str(source.path), f"cannot be read ({error.strerror})") from None
    except ZIP_DAMAGE as error:
        stack.close()
        raise damaged_zip(str(source.path), error) from None
    with stack:  # NOTE: not inside the try: the caller's errors are not the zip's
        yield CountedReader(source, member)


def read_head(source: SourceFile) -> bytes:
    """The first bytes of a file (up to `HEAD_BYTES`), enough to tell its kind."""
    with open_binary(source) as reader:
        return reader.read(HEAD_BYTES)


def damaged_zip(name: str, error: BaseException) -> FileFormatError:
    """The error for a zip that zipfile cannot read."""
    return file_problem(name, f"not a readable zip file ({error or type(error).__name__})")


def text_chunks(source: SourceFile, reader: CountedReader) -> Iterator[str]:
    """The file's text, decoded from UTF-8 as it is read, without its byte order mark.

    Raises:
        FileFormatError: UTF-16 text, or a byte that is not UTF-8 (named with its line and its
            offset in the file, the byte order mark counted).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    at_start = True
    while True:
        chunk = reader.read()
        if offset == 0 and chunk.startswith(UTF16_MARKS):
            raise file_problem(source.name, "is UTF-16 text; save it as UTF-8 and import it again")
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, not chunk)
        except UnicodeDecodeError as error:
            data = pending + chunk
            raise not_utf8(source, data, error.start, offset - len(pending), newlines) from None
        if at_start and text:
            text, at_start = text.removeprefix("\ufeff"), False
        offset += len(chunk)
        newlines += chunk.count(b"\n")
        if text:
            yield text
        if not chunk:
            return


def not_utf8(
    source: SourceFile, data: bytes, start: int, data_offset: int, newlines: int
) -> FileFormatError:
    """The error for the byte at `data[start]`, `data` starting at `data_offset` in the file."""
    line = newlines + data[:start].count(b"\n") + 1
    return file_problem(
        source.name,
        f"not UTF-8 text (byte 0x{data[start]:02x} at offset {data_offset + start} cannot be "
        "read); save it as UTF-8 and import it again",
        line=line,
    )


class Lines:
    """The lines of a text as the csv module wants them (CR LF, CR or LF kept), bounded.

    `characters` counts what was handed out since the last `mark()`: a CSV record (several
    lines when a quoted cell holds newlines) may not pass `line_characters` either.
    """

    def __init__(self, source: SourceFile, chunks: Iterator[str]) -> None:
        """Split `chunks`, the decoded text of `source`."""
        self.source = source
        self.limit = source.limits.line_characters
        self.lines = self.split(chunks)
        self.characters = 0

    def __iter__(self) -> Iterator[str]:
        """The lines."""
        return self

    def __next__(self) -> str:
        """The next line, counted against the limit."""
        line = next(self.lines)
        self.characters += len(line)
        if self.characters > self.limit:
            raise self.too_long()
        return line

    def mark(self) -> None:
        """Start counting a new record."""
        self.characters = 0

    def split(self, chunks: Iterator[str]) -> Iterator[str]:
        """Lines of the text, a line cut by a chunk's end carried to the next chunk."""
        carry = ""
        for chunk in chunks:
            text = carry + chunk
            # NOTE: matched only up to the last line end: past it the pattern would fail at every
            # position of a long unfinished line, which takes time quadratic in its length. A
            # final `\r` waits too, as its `\n` may start the next chunk.
            end = max(text.rfind("\n") + 1, text.rfind("\r", 0, len(text) - 1) + 1)
            yield from LINE.findall(text, 0, end)
            carry = text[end:]
            if len(carry) > self.limit:
                raise self.too_long()
        if carry:
            yield carry

    def too_long(self) -> FileFormatError:
        """The error for a line or record past `line_characters`."""
        return self.source.budget.refuse(
            self.source.name, "has a line or record longer than", "line_characters"
        )


@contextmanager
def open_lines(source: SourceFile) -> Iterator[Lines]:
    """The lines of a text file, decoded and bounded (`Lines`)."""
    with open_binary(source) as reader:
        yield Lines(source, text_chunks(source, reader))


def zip_members(file: Path, budget: ImportBudget) -> list[tuple[zipfile.ZipInfo, int]]:
    """The entries of a zip's directory with their indexes, checked before anything is inflated.

    Raises:
        ImportLimitError: more entries than `files`, a member declared larger than `file_bytes`
            or packed more tightly than `packing_ratio`, or members larger than `total_bytes`.
        FileFormatError: the zip is damaged.
    """
    name = str(file)
    check_directory(file, budget)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except OSError as error:
        raise file_problem(name, f"cannot be read ({error.strerror})") from None
    except ZIP_DAMAGE as error:
        raise damaged_zip(name, error) from None
    if len(entries) > budget.limits.files:
        raise budget.refuse(name, f"holds {len(entries):,} files, more than", "files")
    limits = budget.limits
    declared = 0
    for info in entries:
        if not info.filename:  # zipfile's `is_dir` fails on it
            raise damaged_zip(name, ValueError("an entry without a name"))
        where = f"{name}!{info.filename}"
        if info.file_size > limits.file_bytes:
            raise budget.refuse(
                where, f"unpacks to {info.file_size:,} bytes, more than", "file_bytes"
            )
        ratio_floor = max(RATIO_FLOOR_BYTES, limits.packing_ratio * info.compress_size)
        if info.file_size > ratio_floor:
            raise budget.refuse(
                where,
                f"unpacks to {info.file_size:,} bytes from {info.compress_size:,}, past",
                "packing_ratio",
            )
        declared += info.file_size
    if declared > limits.total_bytes - budget.total_bytes:
        raise budget.refuse(name, f"unpacks to {declared:,} bytes, past", "total_bytes")
    return [(info, index) for index, info in enumerate(entries)]


def check_directory(file: Path, budget: ImportBudget) -> None:
    """Refuse a zip whose directory declares more entries than `files`, or is oversized for them.

    zipfile reads the whole directory into memory before anything can be checked, so its size
    is read from the end record first.
    """
    name = str(file)
    try:
        with file.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - END_RECORD.size - 0xFFFF))
            tail = handle.read()
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or at + END_RECORD.size > len(tail):
                return  # zipfile says what is wrong
            *_, entries, directory_bytes, _, _ = END_RECORD.unpack_from(tail, at)
            if (entries == 0xFFFF or directory_bytes == 0xFFFFFFFF) and at >= ZIP64_LOCATOR.size:
                entries, directory_bytes = zip64_directory(handle, tail, at)
    except OSError as error:
        raise file_problem(name, f"cannot be read ({error.strerror})") from None
    if entries > budget.limits.files:
        raise budget.refuse(name, f"holds {entries:,} files, more than", "files")
    if directory_bytes > max(entries, 1) * DIRECTORY_ENTRY_BYTES:
        raise file_problem(
            name,
            f"not a readable zip file (its directory of {directory_bytes:,} bytes is too "
            f"large for {entries:,} files)",
        )


def zip64_directory(handle: IO[bytes], tail: bytes, at: int) -> tuple[int, int]:
    """Entries and directory size from a zip64 end record (for zips of 65,535 files or more)."""
    locator = ZIP64_LOCATOR.unpack_from(tail, at - ZIP64_LOCATOR.size)
    if locator[0] != b"PK\x06\x07":
        return 0xFFFF, 0
    handle.seek(locator[2])
    record = handle.read(ZIP64_END_RECORD.size)
    if len(record) < ZIP64_END_RECORD.size or not record.startswith(b"PK\x06\x06"):
        return 0xFFFF, 0
    fields = ZIP64_END_RECORD.unpack(record)
    return fields[7], fields[8]
