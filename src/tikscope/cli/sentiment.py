"""`tikscope sentiment`: label any texts, one per line, with the comments' sentiment model."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from tikscope.errors import UsageError

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def sentiment(
    input_file: Annotated[
        Path, typer.Option("--input", metavar="FILE", help="UTF-8 text, one text per line.")
    ],
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            metavar="CODE",
            help="The texts' language (en, es, pt, fr, de...); detected per line if not given.",
        ),
    ] = None,
) -> None:
    """Label texts: one label (negative, neutral or positive) per input line, in order."""
    from tikscope.text import score_texts

    if language is not None and not LANGUAGE_CODE.fullmatch(language):
        raise UsageError(f"--language: {language!r} is not a language code like en or pt")
    lines = read_lines(input_file)
    scored = score_texts(lines, [language] * len(lines) if language else None)
    sys.stdout.write("".join(f"{item.sentiment}\n" for item in scored))


def read_lines(path: Path) -> list[str]:
    """The file's lines (without their line ends); a clear error for a missing or binary file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"--input: {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--input: {path}: is a folder, not a file") from None
    except OSError as error:
        raise UsageError(f"--input: {path}: {error.strerror or error}") from None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise UsageError(f"--input: {path}, line {line}: a NUL byte: this is not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UsageError(f"--input: {path}, line {line}: not UTF-8 text") from None
    # NOTE: lines end at "\n" only (and "\r\n"), as `wc -l` and `paste` count them, not at the
    # other breaks `str.splitlines` knows (U+2028, form feed...), which comments may contain.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines[-1] == "" else lines
