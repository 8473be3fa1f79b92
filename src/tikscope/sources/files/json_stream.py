"""JSON read as a stream: a cursor that steps through a document without building all of it.

A "Download your data" archive holds much that the import does not read (watch history, likes,
messages), often most of its size. `JsonCursor` walks the text a window at a time: the archive
reader (`archive.load_archive`) descends into the objects on the way to a section it reads,
builds that section's items one at a time, and steps over everything else. Memory grows with
what is kept, not with the file.

Limits: a value that is built or stepped over whole must fit in `line_characters`; nesting past
`json_depth` is refused. A value too long for one window is stepped over member by member, so
only its nesting, never its size, is limited.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from tikscope.errors import FileFormatError
from tikscope.sources.files.common import SourceFile, file_problem

DECODER = json.JSONDecoder()
WHITESPACE = re.compile(r"[ \t\n\r]*")
WINDOW_CHARACTERS = 1 << 16
"""How much text is read ahead before a value is built whole (or found too large for that)."""
NEAR_END = 16
"""An error this close to the end of the text read is a value cut short, not a broken one."""


class JsonCursor:
    """A position in the JSON text of a file, read in chunks as the cursor moves on."""

    def __init__(self, source: SourceFile, chunks: Iterator[str]) -> None:
        """Read `chunks`, the decoded text of `source`, from its start."""
        self.source = source
        self.chunks = chunks
        self.text = ""
        self.at = 0
        self.ended = False
        self.line = 1
        """The line of `text[0]` in the file."""
        self.column = 0
        """Characters before `text[0]` on its line."""
        self.passed = 0
        """Characters before `text[0]` in the file."""

    @property
    def position(self) -> int:
        """The cursor's position in the file, in characters."""
        return self.passed + self.at

    def fill(self) -> bool:
        """Read another chunk, dropping the text already passed; False at the end of the file."""
        chunk = None if self.ended else next(self.chunks, None)
        if chunk is None:
            self.ended = True
            return False
        passed = self.text[: self.at]
        self.passed += len(passed)
        newlines = passed.count("\n")
        self.line += newlines
        self.column = (
            len(passed) - passed.rfind("\n") - 1 if newlines else self.column + len(passed)
        )
        self.text = self.text[self.at :] + chunk
        self.at = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space, not consumed; "" at the end."""
        while True:
            self.at = WHITESPACE.match(self.text, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.text):
                return self.text[self.at]
            if not self.fill():
                return ""

    def take(self, char: str, expected: str) -> None:
        """Consume `char`, or fail saying what was `expected`."""
        if self.peek() != char:
            raise self.problem(f"Expecting {expected}", self.at)
        self.at += 1

    def value(self, depth: int) -> object:
        """The value at the cursor, built; it must fit in `line_characters`.

        Args:
            depth: the nesting of the containers the value is in (0 at the top).
        """
        self.peek()
        while len(self.text) - self.at < WINDOW_CHARACTERS and self.fill():
            pass
        while True:
            built = self.decode(depth)
            if built is not None:
                return built[0]
            if len(self.text) - self.at > self.source.limits.line_characters:
                raise self.source.budget.refuse(
                    self.source.name, "has a JSON value longer than", "line_characters"
                )
            self.fill()

    def skip(self, depth: int) -> None:
        """Step over the value at the cursor, building it only when it fits in the window."""
        char = self.peek()
        if char not in ("{", "["):
            self.value(depth)
            return
        while len(self.text) - self.at < WINDOW_CHARACTERS and self.fill():
            pass
        if self.decode(depth) is not None:
            return
        members = self.members(depth) if char == "{" else self.elements(depth)
        for _ in members:
            self.skip(depth + 1)

    def decode(self, depth: int) -> tuple[object] | None:
        """The value at the cursor if the text read holds all of it (consumed), else None."""
        try:
            value, end = DECODER.raw_decode(self.text, self.at)
        except json.JSONDecodeError as error:
            if self.cut_short(error):
                return None
            raise self.problem(error.msg, error.pos) from None
        except RecursionError:
            raise self.too_deep() from None
        except ValueError as error:  # an integer of more digits than Python reads
            raise file_problem(self.source.name, f"not valid JSON ({error})") from None
        if end == len(self.text) and not self.ended:
            return None  # a number may go on in the next chunk
        if depth + nesting(value) > self.source.limits.json_depth:
            raise self.too_deep()
        self.at = end
        return (value,)

    def cut_short(self, error: json.JSONDecodeError) -> bool:
        """Whether a decoding error may only mean that the value goes on past the text read."""
        if self.ended:
            return False
        return error.pos >= len(self.text) - NEAR_END or error.msg.startswith("Unterminated")

    def members(self, depth: int) -> Iterator[str]:
        """The keys of the object at the cursor; the caller consumes each key's value."""
        if depth + 1 > self.source.limits.json_depth:
            raise self.too_deep()
        self.take("{", "'{'")
        if self.peek() == "}":
            self.at += 1
            return
        while True:
            if self.peek() != '"':
                raise self.problem("Expecting property name enclosed in double quotes", self.at)
            key = self.value(depth + 1)
            assert isinstance(key, str)
            self.take(":", "':' delimiter")
            yield key
            if self.peek() != ",":
                break
            self.at += 1
        self.take("}", "',' delimiter")

    def elements(self, depth: int) -> Iterator[int]:
        """The indexes of the list at the cursor; the caller consumes each element."""
        if depth + 1 > self.source.limits.json_depth:
            raise self.too_deep()
        self.take("[", "'['")
        if self.peek() == "]":
            self.at += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            if self.peek() != ",":
                break
            self.at += 1
        self.take("]", "',' delimiter")

    def end(self) -> None:
        """Check that nothing but white space follows the document."""
        if self.peek():
            raise self.problem("Extra data", self.at)

    def problem(self, what: str, position: int) -> FileFormatError:
        """A JSON syntax error at `position` of the text read, with its line and column."""
        before = self.text[:position]
        newlines = before.count("\n")
        line = self.line + newlines
        column = len(before) - before.rfind("\n") if newlines else self.column + len(before) + 1
        if position >= len(self.text) and self.ended:
            what = f"{what} (the file ends)" if what != "Extra data" else what
        return file_problem(
            self.source.name, f"not valid JSON: {what} (column {column})", line=line
        )

    def too_deep(self) -> FileFormatError:
        """The error for nesting past `json_depth`."""
        return self.source.budget.refuse(self.source.name, "nests deeper than", "json_depth")


def nesting(value: object) -> int:
    """How deep objects and lists nest in a built value: 0 for a string or number."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
