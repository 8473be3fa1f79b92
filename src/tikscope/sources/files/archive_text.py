"""The "Download your data" archive in its TXT form (spec §6): `Follower.txt`, `Following.txt`.

Each file is a list of blocks separated by blank lines, one `Key: value` per line:

    Date: 2024-05-01 10:00:00
    Username: plantlover22

The two files look the same inside, so which list a file holds comes from its name (`Follower`,
`Follower List`, `Followers` or `Fans List`; `Following` or `Following List`; any case, with
`.txt`); its kind (a TXT list) still comes from its content. Mapping, as for the JSON archive
(`archive`):

- followers -> `audience_members`: `member_id` = pseudonym of `Username`, `member_key` 0..n-1
  in the file's order, `followed_at` = the earliest `Date` of the member; the whole truth, so
  replaced.
- following -> `following` (`handle`, `followed_at`); also replaced.

The TXT files do not name the account: the import needs `--account`. Read line by line as a
stream (`reading.open_lines`); each block is a row of the import. A line that is not `Key:
value`, a block without `Username`, a handle or date that does not read are errors naming the
file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import PurePosixPath

from tikscope.errors import InvalidHandleError, UsageError
from tikscope.ids import HANDLE_RULE, parse_handle
from tikscope.sources.files.archive import earliest
from tikscope.sources.files.common import Origin, SourceFile, file_problem
from tikscope.sources.files.dates import OUTSIDE_DAYS, is_plausible_day, parse_iso_timestamp
from tikscope.sources.files.reading import open_lines
from tikscope.sources.records import AccountFacts, Extract, Row

FIELD = re.compile(r"\s*([A-Za-z][A-Za-z ]*?)\s*:\s?(.*?)\s*")
START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:date|username|user name)\s*:", re.IGNORECASE)
LISTS = {
    "follower": "followers",
    "followers": "followers",
    "followerlist": "followers",
    "fans": "followers",
    "fanslist": "followers",
    "following": "following",
    "followinglist": "following",
}
"""A TXT list's file name (folded: no case, spaces or underscores) -> the list it holds."""
USERNAME_KEYS = frozenset({"username", "user name"})
Block = tuple[Origin, dict[str, tuple[str, int]]]
"""Where a block starts, and its fields: folded key -> (value, line)."""


def looks_like_archive_text(head: bytes) -> bool:
    """Whether a file whose first bytes are `head` starts like a TXT list: `Date:`/`Username:`."""
    return START.match(head) is not None


def list_kind(source: SourceFile) -> str | None:
    """`followers` or `following`, from the file's name; None when the name says neither."""
    name = PurePosixPath(source.name.replace("\\", "/").split("!")[-1]).name
    stem = name[:-4] if name.casefold().endswith(".txt") else name
    return LISTS.get(re.sub(r"[\s_\-]", "", stem).casefold())


def read_archive_texts(
    sources: Sequence[SourceFile], *, handle: str | None, pseudonymize: Callable[[str], str]
) -> Extract:
    """One archive's TXT lists (at most one of each kind), read into one extract.

    Raises:
        FileFormatError: a file's name says neither list, or a block does not read.
        UsageError: no `handle`, or two files of the same list.
    """
    kinds: dict[str, SourceFile] = {}
    for source in sources:
        kind = list_kind(source)
        if kind is None:
            raise file_problem(
                source.name,
                'a "Download your data" TXT list whose name says neither followers nor '
                "following; name it Follower.txt or Following.txt",
            )
        if kind in kinds:
            raise UsageError(
                f"two {kind} lists ({kinds[kind].name}, {source.name}); import one archive at "
                "a time"
            )
        kinds[kind] = source
    if handle is None:
        names = ", ".join(source.name for source in sources)
        raise UsageError(
            f"{names}: the archive's TXT lists do not name the account; use --account HANDLE"
        )
    tables: dict[str, list[Row]] = {}
    if "followers" in kinds:
        tables["audience_members"] = member_rows(kinds["followers"], pseudonymize)
    if "following" in kinds:
        tables["following"] = following_rows(kinds["following"])
    facts = AccountFacts(handle=parse_handle(handle), account_type=None, source="data_archive")
    return Extract(account=facts, tables=tables, replace=frozenset(tables))


def blocks(source: SourceFile) -> Iterator[Block]:
    """The blocks of a TXT list, each counted as a row of the import.

    Raises:
        FileFormatError: a line that is not `Key: value`, or a key twice in one block.
        ImportLimitError: a line past `line_characters`, blocks past `rows`.
    """
    with open_lines(source) as lines:
        fields: dict[str, tuple[str, int]] = {}
        start = 0
        characters = 0
        for number, line in enumerate(lines, start=1):
            lines.mark()
            if not line.strip():
                if fields:
                    source.budget.count_row(f"{source.name}:{start}", characters)
                    yield Origin(source.name, start), fields
                fields, characters = {}, 0
                continue
            match = FIELD.fullmatch(line.rstrip("\r\n"))
            if match is None:
                raise file_problem(
                    source.name, "not a 'Key: value' line", line=number, value=line.strip()
                )
            key = " ".join(match.group(1).casefold().split())
            if key in fields:
                raise file_problem(
                    source.name,
                    f"'{match.group(1)}' twice in one block (first on line {fields[key][1]}); "
                    "blocks are separated by a blank line",
                    line=number,
                )
            if not fields:
                start = number
            fields[key] = (match.group(2), number)
            characters += len(match.group(2))
        if fields:
            source.budget.count_row(f"{source.name}:{start}", characters)
            yield Origin(source.name, start), fields


def username(source: SourceFile, block: Block) -> str:
    """The block's `Username`, as a stored handle."""
    origin, fields = block
    found = next((fields[key] for key in USERNAME_KEYS if key in fields), None)
    if found is None or not found[0]:
        raise origin.problem("a block without 'Username'")
    text, line = found
    try:
        return parse_handle(text)
    except InvalidHandleError:
        raise file_problem(
            source.name, f"Username: not a TikTok handle ({HANDLE_RULE})", line=line, value=text
        ) from None


def followed_at(source: SourceFile, block: Block) -> datetime | None:
    """The block's `Date` as naive UTC; None when absent or N/A."""
    found = block[1].get("date")
    if found is None or found[0] in ("", "N/A"):
        return None
    text, line = found
    moment = parse_iso_timestamp(text)
    if moment is None:
        raise file_problem(
            source.name, "Date: not a date like 2024-05-01 10:00:00", line=line, value=text
        )
    if not is_plausible_day(moment.date()):
        raise file_problem(source.name, f"Date: {OUTSIDE_DAYS}", line=line, value=text)
    return moment


def member_rows(source: SourceFile, pseudonymize: Callable[[str], str]) -> list[Row]:
    """`audience_members` rows: one per follower, keyed in the file's order."""
    followed: dict[str, datetime | None] = {}
    for block in blocks(source):
        member_id = pseudonymize(username(source, block))
        moment = followed_at(source, block)
        followed[member_id] = earliest(followed.get(member_id, moment), moment)
    return [
        {"member_key": key, "member_id": member_id, "followed_at": moment}
        for key, (member_id, moment) in enumerate(followed.items())
    ]


def following_rows(source: SourceFile) -> list[Row]:
    """`following` rows: one per followed account, by handle."""
    followed: dict[str, datetime | None] = {}
    for block in blocks(source):
        account = username(source, block)
        moment = followed_at(source, block)
        followed[account] = earliest(followed.get(account, moment), moment)
    return [{"handle": account, "followed_at": followed[account]} for account in sorted(followed)]
