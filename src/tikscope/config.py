"""Settings read from the environment, with their defaults."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tikscope.errors import UsageError

DB_ENV_VAR = "TIKSCOPE_DB"
DEFAULT_DB_PATH = Path("tikscope.duckdb")
DEMO_DIR = Path("demo")
MAX_BODY_BYTES = 2**20
"""The largest request body the web app reads (`tikscope serve --max-body-bytes`)."""
MAX_COMMAND_BODY_BYTES = 16 * 2**20
"""The largest body of a command run through the server (`--max-command-body-bytes`)."""


def default_db_path() -> Path:
    """The store used when no `--db` is given: `$TIKSCOPE_DB`, else `./tikscope.duckdb`."""
    return Path(os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)


MIB = 1 << 20
IMPORT_LIMIT_ENV_PREFIX = "TIKSCOPE_IMPORT_"
LIMIT_OPTION = "--limit"
BYTE_UNITS = {"": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30}
LIMIT_VALUE = re.compile(r"(\d[\d_]*)\s*([kmg]ib)?", re.IGNORECASE)


def limit(default: int, *, unit: str, description: str) -> int:
    """A field of `ImportLimits`: its default, unit (`bytes` or a noun) and what it bounds."""
    return field(default=default, metadata={"unit": unit, "description": description})


@dataclass(frozen=True)
class ImportLimits:
    """How much one `tikscope import` reads before it refuses, so no file can exhaust memory.

    Each limit is a setting: `--limit NAME=VALUE` of `tikscope import`, or the environment
    variable `TIKSCOPE_IMPORT_<NAME>` (`TIKSCOPE_IMPORT_FILE_BYTES=512MiB`). The defaults keep
    an import's peak memory under 1 GB (measured in docs/benchmarks.md); real TikTok downloads
    are far below them.
    """

    file_bytes: int = limit(
        256 * MIB, unit="bytes", description="bytes of one file, or of one zip member unpacked"
    )
    total_bytes: int = limit(
        512 * MIB, unit="bytes", description="bytes of all files of one import, zips unpacked"
    )
    files: int = limit(1_000, unit="file", description="files of one import, zip members counted")
    rows: int = limit(
        500_000,
        unit="row",
        description="rows of one import: CSV records, items of the JSON lists read, GraphML and "
        "GML edges, blocks of the archive's TXT lists",
    )
    kept_characters: int = limit(
        64 * MIB,
        unit="character",
        description="characters of the rows of one import (what it keeps; an archive's parts "
        "that are not read do not count)",
    )
    studio_rows: int = limit(
        40_000,
        unit="row",
        description="rows of the Studio files of one import (an export holds at most a year of "
        "days and about 15 posts)",
    )
    line_characters: int = limit(
        1 * MIB,
        unit="character",
        description="characters of the longest CSV record, XML tag or text, or JSON value",
    )
    json_depth: int = limit(
        32, unit="level", description="nesting of JSON objects and lists, and of GML lists"
    )
    packing_ratio: int = limit(
        100,
        unit="times",
        description="how many times its packed size a zip member may unpack to (past 1 MiB)",
    )


IMPORT_LIMIT_NAMES = tuple(item.name for item in dataclasses.fields(ImportLimits))


def limit_env_var(name: str) -> str:
    """The environment variable of an import limit: `TIKSCOPE_IMPORT_FILE_BYTES`."""
    return IMPORT_LIMIT_ENV_PREFIX + name.upper()


def limit_unit(name: str) -> str:
    """`bytes`, or the noun a limit counts (`row`)."""
    return str(ImportLimits.__dataclass_fields__[name].metadata["unit"])


def limit_description(name: str) -> str:
    """What an import limit bounds, in words."""
    return str(ImportLimits.__dataclass_fields__[name].metadata["description"])


def import_limits(
    overrides: Sequence[str] = (), *, environ: Mapping[str, str] | None = None
) -> ImportLimits:
    """The import limits: defaults, then `TIKSCOPE_IMPORT_*` variables, then `NAME=VALUE` overrides.

    Raises:
        UsageError: an unknown limit name, or a value that is not a positive whole number
            (bytes may say `KiB`, `MiB` or `GiB`).
    """
    variables = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for name in IMPORT_LIMIT_NAMES:
        text = variables.get(limit_env_var(name))
        if text:
            values[name] = parse_limit(name, text, given=f"{limit_env_var(name)}={text}")
    for override in overrides:
        name, _, text = override.partition("=")
        name = name.strip().lower().replace("-", "_")
        if name not in IMPORT_LIMIT_NAMES:
            known = ", ".join(IMPORT_LIMIT_NAMES)
            raise UsageError(f"{LIMIT_OPTION} {override!r}: no such limit; known: {known}")
        values[name] = parse_limit(name, text, given=f"{LIMIT_OPTION} {override}")
    return ImportLimits(**values)


def parse_limit(name: str, text: str, *, given: str) -> int:
    """The value of a limit: a positive whole number, with `KiB`/`MiB`/`GiB` for bytes."""
    match = LIMIT_VALUE.fullmatch(text.strip())
    unit = (match.group(2) or "").lower() if match else ""
    if match is None or (unit and limit_unit(name) != "bytes"):
        example = "512MiB" if limit_unit(name) == "bytes" else "2000000"
        raise UsageError(f"{given}: not a limit; give a whole number, e.g. {name}={example}")
    value = int(match.group(1).replace("_", "")) * BYTE_UNITS[unit]
    if value < 1:
        raise UsageError(f"{given}: a limit must be at least 1")
    return value


def shown_limit(name: str, value: int) -> str:
    """A limit's value in words: `256 MiB`, `1,000,000 rows`, `100 times`."""
    unit = limit_unit(name)
    if unit == "bytes":
        for suffix, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if value >= size and value % size == 0:
                return f"{value // size:,} {suffix}"
        return f"{value:,} bytes"
    if unit == "times":
        return f"{value:,} times"
    return f"{value:,} {unit}" if value == 1 else f"{value:,} {unit}s"


def raise_limit_hint(name: str, value: int) -> str:
    """How to raise a limit: `--limit file_bytes=512MiB (or TIKSCOPE_IMPORT_FILE_BYTES)`."""
    doubled = value * 2
    if limit_unit(name) == "bytes" and doubled % MIB == 0:
        written = f"{doubled // MIB}MiB"
    else:
        written = str(doubled)
    return f"raise it with {LIMIT_OPTION} {name}={written} (or {limit_env_var(name)})"


ENRICH_ENV_PREFIX = "TIKSCOPE_ENRICH_"


@dataclass(frozen=True)
class EnrichmentSettings:
    """How `sync` profiles a sample of the audience through the Research API (sync/enrich.py).

    Each is an environment variable `TIKSCOPE_ENRICH_<NAME>` (`TIKSCOPE_ENRICH_SAMPLE=500`).

    Attributes:
        sample: members profiled at most; 0 turns enrichment off. 2,000 members give shares
            within about ±2.2 points (95%, Wilson); at the default share of the quota
            (about 490 members a day) they take 5 days.
        seed: which members the sample holds (the same seed, store and key file: the same ones).
        daily_requests: of the 1,000 Research API video and user requests a UTC day, how many
            enrichment may spend (about 1 per member); the comments crawl gets the rest.
    """

    sample: int = 2_000
    seed: int = 0
    daily_requests: int = 500


def enrichment_settings(environ: Mapping[str, str] | None = None) -> EnrichmentSettings:
    """The enrichment settings from the environment, defaults where unset.

    Raises:
        UsageError: a value that is not a whole number in range (the variable is named).
    """
    variables = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for item in dataclasses.fields(EnrichmentSettings):
        name = ENRICH_ENV_PREFIX + item.name.upper()
        text = variables.get(name)
        if text is None or not text.strip():
            continue
        cleaned = text.strip().replace("_", "")
        lowest = 2 if item.name == "daily_requests" else 0
        if not cleaned.isdigit() or int(cleaned) < lowest or int(cleaned) > 1_000_000_000:
            raise UsageError(f"{name}={text!r}: expected a whole number from {lowest}")
        values[item.name] = int(cleaned)
    return EnrichmentSettings(**values)
