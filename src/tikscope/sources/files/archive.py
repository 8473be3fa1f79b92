"""The "Download your data" archive (spec §6): `user_data.json` / `user_data_tiktok.json`.

Both layouts are read (older `Activity` › `Follower List` › `FansList`, newer `Your Activity` ›
`Follower` › `FansList` or `Profile And Settings` › ...), keys matched without regard to case,
spaces or underscores. Mapping (docs/schema.md, "filled from"):

- `FansList[]` -> `audience_members`: `member_id` = pseudonym of `UserName` (lower-cased, no
  `@`), `member_key` 0..n-1 in order of `member_id`, `followed_at` = `Date`. The list is the
  whole truth, so the table is in `Extract.replace`.
- `Following[]` -> `following` (`handle`, `followed_at`); also the whole truth, also replaced.
- `VideoList[]` of the own posts -> `posts` (id from `Link`, `create_time` = `Date`, media type
  `video`, `share_url` = `Link`) and `post_snapshots` (`captured_at` = `today` 00:00, `likes`).
- `ProfileMap` -> the handle (`userName`), `display_name`, `total_likes` (`likesReceived`).
- `CommentsList[]` holds comments the user wrote on other accounts' posts: not comments on the
  account's posts, so not stored; a note counts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from tikscope.errors import UsageError
from tikscope.sources.files.common import (
    MAX_COUNT,
    TOO_LARGE,
    SourceFile,
    counted,
    file_handle,
    is_text,
    json_problem,
    normalize_handle,
    post_id_from_link,
)
from tikscope.sources.files.dates import (
    OUTSIDE_DAYS,
    at_midnight,
    is_plausible_day,
    parse_iso_timestamp,
)
from tikscope.sources.files.json_stream import JsonCursor
from tikscope.sources.files.reading import open_binary, text_chunks
from tikscope.sources.records import AccountFacts, Extract, Row

SECTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "followers": (
        ("Activity", "Follower List", "FansList"),
        ("Your Activity", "Follower", "FansList"),
        ("Your Activity", "Follower List", "FansList"),
        ("Profile And Settings", "Follower", "FansList"),
        ("Profile And Settings", "Follower List", "FansList"),
    ),
    "following": (
        ("Activity", "Following List", "Following"),
        ("Your Activity", "Following", "Following"),
        ("Your Activity", "Following List", "Following"),
        ("Profile And Settings", "Following", "Following"),
        ("Profile And Settings", "Following List", "Following"),
    ),
    "posts": (("Video", "Videos", "VideoList"), ("Post", "Posts", "VideoList")),
    "comments": (("Comment", "Comments", "CommentsList"),),
    "profile": (
        ("Profile", "Profile Information", "ProfileMap"),
        ("Profile", "Profile Info", "ProfileMap"),
        ("Profile And Settings", "Profile Info", "ProfileMap"),
        ("Profile And Settings", "Profile Information", "ProfileMap"),
    ),
}
"""What the importer reads -> where each layout keeps it."""
LINK_KEYS = ("Link", "VideoLink")
JsonPath = str


def fold_key(key: str) -> str:
    """A JSON key folded for matching: `Your Activity`, `youractivity`, `your_activity` match."""
    return re.sub(r"[\W_]", "", key).casefold()


WANTED = {
    tuple(fold_key(step) for step in path): name
    for name, paths in SECTIONS.items()
    for path in paths
}
"""Folded key path -> the section found there."""
ON_THE_WAY = frozenset(path[:length] for path in WANTED for length in range(1, len(path)))
"""The folded key paths of the objects that lead to a section."""
STEPPED_OVER: dict[str, Any] = {}
"""Stands for each comment: the import only counts them."""


def load_archive(source: SourceFile) -> dict[str, Any] | None:
    """The parts of a JSON file that the archive import reads; None when it is not an archive.

    The file is read as a stream (`json_stream`): the objects on the way to a section and the
    sections are kept, with their keys as written, and everything else is stepped over. Each
    item of a section counts as a row of the import.

    Raises:
        FileFormatError: not UTF-8 or not valid JSON (with the line of the first error).
        ImportLimitError: a value longer than `line_characters`, nesting past `json_depth`,
            items past `rows`, or the file past its byte limits.
    """
    with open_binary(source) as reader:
        cursor = JsonCursor(source, text_chunks(source, reader))
        try:
            if cursor.peek() != "{":
                cursor.skip(0)
                cursor.end()
                return None
            document = kept_object(cursor, (), [], 0)
            cursor.end()
        except RecursionError:
            raise cursor.too_deep() from None
    return document or None


def kept_object(
    cursor: JsonCursor, folded: tuple[str, ...], written: list[str], depth: int
) -> dict[str, Any]:
    """The members of the object at the cursor that lead to a section (the others stepped over)."""
    kept: dict[str, Any] = {}
    for key in cursor.members(depth):
        path = (*folded, fold_key(key))
        if path in WANTED:
            kept[key] = kept_section(cursor, WANTED[path], [*written, key], depth + 1)
        elif path in ON_THE_WAY and cursor.peek() == "{":
            kept[key] = kept_object(cursor, path, [*written, key], depth + 1)
        elif path in ON_THE_WAY:
            cursor.skip(depth + 1)
            kept[key] = None
        else:
            cursor.skip(depth + 1)
    return kept


def kept_section(cursor: JsonCursor, name: str, written: list[str], depth: int) -> object:
    """A section's value: the profile object, or a list with its items built one at a time.

    A value of the other kind (a list for the profile, an object for a list) is stepped over
    and stands as an empty one, for the error that names its type.
    """
    char = cursor.peek()
    wanted = "{" if name == "profile" else "["
    if char in ("{", "[") and char != wanted:
        cursor.skip(depth)
        return {} if char == "{" else []
    if char != "[":
        return cursor.value(depth)
    source = cursor.source
    items: list[object] = []
    for index in cursor.elements(depth):
        where = f"{source.name}: {'/'.join(written)}[{index}]"
        if name == "comments" and cursor.peek() == "{":
            cursor.skip(depth + 1)
            source.budget.count_row(where, 0)
            items.append(STEPPED_OVER)
            continue
        start = cursor.position
        items.append(cursor.value(depth + 1))
        source.budget.count_row(where, cursor.position - start)
    return items


def find_section(data: Mapping[str, Any], name: str) -> tuple[JsonPath, object] | None:
    """The value a section's path leads to, with the path as written in the file; None if absent."""
    for path in SECTIONS[name]:
        found = walk(data, path)
        if found is not None:
            return found
    return None


def walk(data: Mapping[str, Any], path: tuple[str, ...]) -> tuple[JsonPath, object] | None:
    """Follow `path` through nested objects, keys matched by `fold_key`."""
    value: object = data
    written: list[str] = []
    for step in path:
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if isinstance(k, str) and fold_key(k) == fold_key(step)), None)
        if key is None:
            return None
        written.append(key)
        value = value[key]
    return "/".join(written), value


def section_items(
    source: SourceFile, data: Mapping[str, Any], name: str
) -> tuple[JsonPath, list[Mapping[str, Any]]] | None:
    """The key path and the objects of a list section; None when the section is absent.

    Raises:
        FileFormatError: the section or one of its items has the wrong type.
    """
    found = find_section(data, name)
    if found is None:
        return None
    path, value = found
    if value is None:
        return path, []
    if not isinstance(value, list):
        raise json_problem(source.name, path, "not a list", value=type(value).__name__)
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise json_problem(source.name, f"{path}[{index}]", "not an object", value=item)
    return path, value


def consumed(
    path: JsonPath, items: list[Mapping[str, Any]]
) -> Iterator[tuple[JsonPath, Mapping[str, Any]]]:
    """Each item with its key path (`.../FansList[3]`); the list is emptied once all are read.

    # NOTE: emptied so that a large section's items give their memory back before its rows are
    # built; `read_archive` reads each section once.
    """
    for index, item in enumerate(items):
        yield f"{path}[{index}]", item
    items.clear()


def field(item: Mapping[str, Any], *names: str) -> tuple[str, object] | None:
    """The key (as written) and value of the first of `names` in `item`, keys folded."""
    for name in names:
        for key, value in item.items():
            if fold_key(key) == fold_key(name):
                return key, value
    return None


def text_field(source: SourceFile, path: JsonPath, item: Mapping[str, Any], name: str) -> str:
    """A required, non-empty string field."""
    found = field(item, name)
    if found is None:
        raise json_problem(source.name, path, f"no '{name}'")
    key, value = found
    if not isinstance(value, str) or not value.strip():
        raise json_problem(source.name, f"{path}/{key}", "not a non-empty text", value=value)
    if not is_text(value):
        raise json_problem(
            source.name, f"{path}/{key}", "not text (half of a UTF-16 surrogate pair)", value=value
        )
    return value.strip()


def handle_field(source: SourceFile, path: JsonPath, item: Mapping[str, Any], name: str) -> str:
    """A required handle field (a TikTok user name), as stored."""
    text = text_field(source, path, item, name)
    found = field(item, name)
    return file_handle(source.name, f"{path}/{found[0] if found else name}", text)


def time_field(
    source: SourceFile, path: JsonPath, item: Mapping[str, Any], *, required: bool
) -> datetime | None:
    """The `Date` of an item as naive UTC (the archive's zone is assumed UTC [U])."""
    found = field(item, "Date")
    if found is None or (not required and found[1] in (None, "", "N/A")):
        if required:
            raise json_problem(source.name, path, "no 'Date'")
        return None
    key, value = found
    moment = parse_iso_timestamp(value.strip()) if isinstance(value, str) else None
    if moment is None:
        raise json_problem(
            source.name, f"{path}/{key}", "not a date like 2024-05-01 10:00:00", value=value
        )
    if not is_plausible_day(moment.date()):
        raise json_problem(source.name, f"{path}/{key}", OUTSIDE_DAYS, value=value)
    return moment


def count_field(
    source: SourceFile, path: JsonPath, item: Mapping[str, Any], name: str
) -> int | None:
    """A count written as a number or a string of digits; None when absent or `N/A`."""
    found = field(item, name)
    if found is None or found[1] in (None, "", "N/A"):
        return None
    key, value = found
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.isascii() and text.isdigit():
        if len(text) > len(str(MAX_COUNT)):
            raise json_problem(source.name, f"{path}/{key}", TOO_LARGE, value=value)
        value = int(text)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value > MAX_COUNT:
            raise json_problem(source.name, f"{path}/{key}", TOO_LARGE, value=value)
        return value
    raise json_problem(source.name, f"{path}/{key}", "not a whole number", value=value)


def read_archive(
    source: SourceFile,
    data: Mapping[str, Any],
    *,
    handle: str | None,
    today: date,
    pseudonymize: Callable[[str], str],
) -> Extract:
    """One archive (as `load_archive` keeps it), read into one extract; its lists are emptied.

    Raises:
        FileFormatError: a section or item has the wrong shape.
        UsageError: the archive names no account and `handle` is None, or names another one.
    """
    facts = profile_facts(source, data, handle)
    tables: dict[str, list[Row]] = {}
    notes: list[str] = []
    followers = section_items(source, data, "followers")
    if followers is not None:
        tables["audience_members"] = member_rows(source, consumed(*followers), pseudonymize)
    following = section_items(source, data, "following")
    if following is not None:
        tables["following"] = following_rows(source, consumed(*following))
    posts = section_items(source, data, "posts")
    if posts is not None:
        tables["posts"], tables["post_snapshots"] = post_rows(
            source, consumed(*posts), at_midnight(today)
        )
    comments = section_items(source, data, "comments")
    if comments is not None and comments[1]:
        notes.append(
            f"{source.name}: {counted(len(comments[1]), 'comment')} the account wrote on "
            "other accounts' posts not imported (they are not comments on its own posts)"
        )
    replace = frozenset(name for name in ("audience_members", "following") if name in tables)
    return Extract(account=facts, tables=tables, replace=replace, notes=tuple(notes))


def profile_facts(source: SourceFile, data: Mapping[str, Any], handle: str | None) -> AccountFacts:
    """The account of the archive: `ProfileMap.userName`, else `handle`."""
    given = None if handle is None else normalize_handle(handle)
    found = find_section(data, "profile")
    profile = found[1] if found is not None and isinstance(found[1], dict) else {}
    path = found[0] if found is not None else "ProfileMap"
    columns: Row = {}
    username = field(profile, "userName")
    named = text_field(source, path, profile, "userName") if username is not None else None
    if field(profile, "displayName") is not None:
        columns["display_name"] = text_field(source, path, profile, "displayName")
    likes = count_field(source, path, profile, "likesReceived")
    if likes is not None:
        columns["total_likes"] = likes
    account = given if named is None else file_handle(source.name, f"{path}/userName", named)
    if named is not None and given is not None and given != account:
        raise UsageError(f"{source.name} is the archive of @{account}, but --account says @{given}")
    if not account:
        raise UsageError(f"{source.name} does not name its account; name it with --account HANDLE")
    return AccountFacts(handle=account, account_type=None, source="data_archive", columns=columns)


def member_rows(
    source: SourceFile,
    items: Iterable[tuple[JsonPath, Mapping[str, Any]]],
    pseudonymize: Callable[[str], str],
) -> list[Row]:
    """`audience_members` rows: one per follower, keyed in order of pseudonym."""
    followed: dict[str, datetime | None] = {}
    for path, item in items:
        member_id = pseudonymize(handle_field(source, path, item, "UserName"))
        moment = time_field(source, path, item, required=False)
        followed[member_id] = earliest(followed.get(member_id, moment), moment)
    return [
        {"member_key": key, "member_id": member_id, "followed_at": followed[member_id]}
        for key, member_id in enumerate(sorted(followed))
    ]


def following_rows(
    source: SourceFile, items: Iterable[tuple[JsonPath, Mapping[str, Any]]]
) -> list[Row]:
    """`following` rows: one per followed account, by handle."""
    followed: dict[str, datetime | None] = {}
    for path, item in items:
        account = handle_field(source, path, item, "UserName")
        moment = time_field(source, path, item, required=False)
        followed[account] = earliest(followed.get(account, moment), moment)
    return [{"handle": account, "followed_at": followed[account]} for account in sorted(followed)]


def post_rows(
    source: SourceFile,
    items: Iterable[tuple[JsonPath, Mapping[str, Any]]],
    captured_at: datetime,
) -> tuple[list[Row], list[Row]]:
    """`posts` and `post_snapshots` rows of the account's own posts."""
    posts: dict[str, Row] = {}
    snapshots: dict[str, Row] = {}
    for path, item in items:
        found = field(item, *LINK_KEYS)
        link = text_field(source, path, item, found[0] if found else "Link")
        post_id = post_id_from_link(link)
        if post_id is None:
            raise json_problem(source.name, f"{path}/{found[0] if found else 'Link'}",
                               "no post id in the link", value=link)  # fmt: skip
        post = {
            "post_id": post_id,
            "media_type": "video",
            "create_time": time_field(source, path, item, required=True),
            "share_url": link,
        }
        snapshot = {"post_id": post_id, "captured_at": captured_at}
        snapshot["likes"] = count_field(source, path, item, "Likes")
        if post_id in posts and (posts[post_id], snapshots[post_id]) != (post, snapshot):
            raise json_problem(source.name, path, "the same post twice with different values")
        posts[post_id], snapshots[post_id] = post, snapshot
    return list(posts.values()), list(snapshots.values())


def earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    """The earlier of two times, either of which may be unknown."""
    known = [moment for moment in (first, second) if moment is not None]
    return min(known) if known else None
