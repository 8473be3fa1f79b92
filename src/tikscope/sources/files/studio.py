"""A TikTok Studio export (spec §5): its CSV files, read into one `Extract` for one account.

Mapping (docs/schema.md, "filled from"):

- Overview.csv, FollowerHistory.csv, Viewers.csv -> `account_daily` (see `studio_daily`),
  `captured_at` = `today` at 00:00.
- FollowerActivity.csv -> `follower_activity` (date, hour, active_followers).
- FollowerGender.csv, FollowerTopTerritories.csv -> `audience_snapshots` (dimension `gender`,
  lower-cased, or `country`, with an `Others` row), `snapshot_date` = `today`.
- Content.csv -> `posts` (id parsed from the link, caption = title, hashtags parsed from it,
  create_time = post time, media type `video`) and `post_snapshots` (`captured_at` = the
  `Time` day at 00:00, or the export day when the file has no `Time`: `today` unless an
  Overview zip name says otherwise; only when the file has total counts).

Every column that is not stored is named in a note (`studio_headers.unimported_notes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from tikscope.errors import InvalidHandleError, UsageError
from tikscope.ids import HANDLE_RULE
from tikscope.sources.files.common import (
    Origin,
    counted,
    file_problem,
    normalize_handle,
    normalize_word,
    post_id_from_link,
)
from tikscope.sources.files.csv_files import CsvRow, parse_count, parse_fraction
from tikscope.sources.files.dates import (
    OUTSIDE_DAYS,
    at_midnight,
    is_plausible_day,
    latest_year,
    parse_written_date,
)
from tikscope.sources.files.studio_daily import DailyPart, join_daily, read_daily_file
from tikscope.sources.files.studio_headers import (
    StudioFile,
    column_dates,
    has_year_less_dates,
    unimported_notes,
)
from tikscope.sources.files.studio_words import GENDERS, OTHER_TERRITORIES
from tikscope.sources.hashtags import hashtags_of
from tikscope.sources.records import AccountFacts, Extract, Row

ZIP_NAME_PATTERN = re.compile(
    r"(?:overview|followers|viewers|content)_(?:(\d{4}-\d{2}-\d{2})_)?(?:(\d{9,13})_)?"
    r"([a-z0-9._]+?)(?: ?\(\d+\))?\.zip",
    re.IGNORECASE,
)
"""Studio's zip names: `Overview_<date>_<epoch>_<handle>.zip`, `Followers_<handle>.zip`, ..."""
NOT_FINAL_DAYS = 2
"""Studio's numbers for the last two days before the export are not final yet."""
SNAPSHOT_CONTENT_NOTE = "Content.csv lists only TikTok's top posts (about 15), not every post"
COUNTRY_PATTERN = re.compile(r"[A-Za-z]{2}")
DAILY_KINDS = ("overview", "follower_history", "viewers")


def read_studio(studio_files: Sequence[StudioFile], *, handle: str | None, today: date) -> Extract:
    """One account's Studio files, read into one extract.

    Args:
        studio_files: the export's CSV files, their kinds known.
        handle: the account, when the caller names it (`--account`).
        today: the import day: snapshot day, capture time, and the day no date is after.

    Raises:
        FileFormatError: a file is malformed.
        UsageError: the account is not named by the zip names nor by `handle`, or both
            name different accounts.
    """
    containers = [f.table.source.container for f in studio_files if f.table.source.container]
    account = studio_handle(containers, handle)
    anchor = period_end(containers, today)
    tables: dict[str, list[Row]] = {}
    notes = [note for studio_file in studio_files for note in unimported_notes(studio_file)]
    read_daily(studio_files, anchor, today, tables, notes)
    read_activity(studio_files, anchor, tables, notes)
    read_shares(studio_files, today, tables, notes)
    read_content(studio_files, anchor, tables, notes)
    facts = AccountFacts(handle=account, account_type=None, source="studio_export")
    return Extract(account=facts, tables=tables, notes=tuple(notes))


def of_kinds(studio_files: Sequence[StudioFile], *kinds: str) -> list[StudioFile]:
    """The files of the given kinds, in order."""
    return [studio_file for studio_file in studio_files if studio_file.kind in kinds]


def zip_handle(container: str, text: str) -> str:
    """The handle in a zip's name, as stored; a FileFormatError naming the zip if it is none."""
    try:
        return normalize_handle(text)
    except InvalidHandleError:
        raise file_problem(container, f"its name does not hold a TikTok handle ({HANDLE_RULE})",
                           value=text) from None  # fmt: skip


def studio_handle(containers: Iterable[str], handle: str | None) -> str:
    """The account of an export: from the zip names, else from `handle`."""
    named = {
        zip_handle(container, match.group(3))
        for container in containers
        if (match := ZIP_NAME_PATTERN.fullmatch(container)) is not None
    }
    given = None if handle is None else normalize_handle(handle)
    if len(named) > 1:
        raise UsageError(
            f"the zip names are of several accounts ({', '.join(sorted(named))}); "
            "import one account's files at a time"
        )
    if named and given is not None and given not in named:
        raise UsageError(f"the zip names say @{min(named)}, but --account says @{given}")
    if named:
        return min(named)
    if not given:
        raise UsageError(
            "the Studio files do not say which account they are (the zip names are not "
            "TikTok's); name it with --account HANDLE"
        )
    return given


def period_end(containers: Iterable[str], today: date) -> date:
    """The export's day: the period end in an Overview zip name plus one day, else `today`.

    No date of the export is after it. The epoch in `Overview_<date>_<epoch>_<handle>.zip` is
    the end of the exported period (spec §5); it is used only when plausible (not after
    `today`), so an export imported months later keeps its years.
    """
    for container in containers:
        match = ZIP_NAME_PATTERN.fullmatch(container)
        if match is None or match.group(2) is None:
            continue
        seconds = int(match.group(2))
        seconds = seconds // 1000 if seconds > 10**11 else seconds
        try:
            end = datetime.fromtimestamp(seconds, UTC).date() + timedelta(days=1)
        except (OverflowError, OSError, ValueError):
            continue
        if date(2016, 1, 1) <= end <= today:
            return end
    return today


def read_daily(
    studio_files: Sequence[StudioFile],
    anchor: date,
    today: date,
    tables: dict[str, list[Row]],
    notes: list[str],
) -> None:
    """Add `account_daily` from the Overview, FollowerHistory and Viewers files.

    The days from two days before the export (`anchor`) on are kept but flagged as not final.
    """
    daily_files = of_kinds(studio_files, *DAILY_KINDS)
    if not daily_files:
        return
    parts = [read_daily_file(studio_file, anchor) for studio_file in daily_files]
    rows = join_daily(parts, at_midnight(today))
    tables["account_daily"] = rows
    for part in parts:
        notes.extend(part.notes)
        if part.not_ready:
            notes.append(
                f"{part.name}: {not_ready_reason(part)} for {listed(part.not_ready)}: left out"
            )
    if rows and any(has_year_less_dates(studio_file, "date") for studio_file in daily_files):
        notes.append(
            f"Studio writes dates without a year: read as {years_note(rows)} (the latest not "
            f"after {anchor.isoformat()})"
        )
    recent = [row["date"] for row in rows if row["date"] >= anchor - timedelta(NOT_FINAL_DAYS)]
    if recent:
        notes.append(
            f"account_daily: {listed(recent)} may not be final yet (Studio needs about 48 h); "
            "import a later export to correct them"
        )


def not_ready_reason(part: DailyPart) -> str:
    """Why days of a daily file were left out."""
    if "unique_video_views" in part.columns:
        return "'undefined' total viewers (new and returning not final either)"
    return "no data yet ('undefined')"


def read_activity(
    studio_files: Sequence[StudioFile], anchor: date, tables: dict[str, list[Row]], notes: list[str]
) -> None:
    """Add `follower_activity` from the FollowerActivity files."""
    activity_files = of_kinds(studio_files, "follower_activity")
    if not activity_files:
        return
    rows: list[tuple[Row, Origin]] = []
    for studio_file in activity_files:
        moments = column_dates(studio_file, "date", anchor)
        skipped = 0
        for row, moment in zip(studio_file.table.rows, moments, strict=True):
            hour = parse_hour(studio_file, row)
            active = parse_count(
                studio_file.cell(row, "active_followers"),
                row.origin,
                studio_file.column_name("active_followers"),
            )
            if active is None:
                skipped += 1
                continue
            values = {"date": moment.date(), "hour": hour, "active_followers": active}
            rows.append((values, row.origin))
        if skipped:
            notes.append(
                f"{studio_file.name}: {counted(skipped, 'hour')} with no data yet left out"
            )
    tables["follower_activity"] = unique_rows(rows, ("date", "hour"))


def parse_hour(studio_file: StudioFile, row: CsvRow) -> int:
    """The hour of day (0-23) in a FollowerActivity row: `19` or `19:00`."""
    cell = studio_file.cell(row, "hour").strip()
    match = re.fullmatch(r"(\d{1,2})(?::00)?", cell)
    if match is None or int(match.group(1)) > 23:
        raise row.origin.problem(
            "not an hour of day 0-23", column=studio_file.column_name("hour"), value=cell
        )
    return int(match.group(1))


def read_shares(
    studio_files: Sequence[StudioFile], today: date, tables: dict[str, list[Row]], notes: list[str]
) -> None:
    """Add `audience_snapshots` from the FollowerGender and FollowerTopTerritories files."""
    share_files = of_kinds(studio_files, "follower_gender", "follower_territories")
    if not share_files:
        return
    rows: list[tuple[Row, Origin]] = []
    for studio_file in share_files:
        for row in studio_file.table.rows:
            values = share_row(studio_file, row, today)
            if values is None:
                notes.append(
                    f"{studio_file.name}: no share yet on line {row.origin.line}; left out"
                )
                continue
            rows.append((values, row.origin))
    tables["audience_snapshots"] = unique_rows(rows, ("snapshot_date", "dimension", "value"))


def share_row(studio_file: StudioFile, row: CsvRow, today: date) -> Row | None:
    """The `audience_snapshots` row of a gender or territory row; None when its share is missing."""
    share = parse_fraction(
        studio_file.cell(row, "distribution"), row.origin, studio_file.column_name("distribution")
    )
    if studio_file.kind == "follower_gender":
        dimension = "gender"
        cell, column = studio_file.cell(row, "gender"), studio_file.column_name("gender")
        value = gender_value(cell, row.origin, column)
    else:
        dimension = "country"
        cell, column = studio_file.cell(row, "territory"), studio_file.column_name("territory")
        value = country_value(cell, row.origin, column)
    if share is None:
        return None
    return {"snapshot_date": today, "dimension": dimension, "value": value, "share": share}


def gender_value(cell: str, origin: Origin, column: str) -> str:
    """`female`, `male` or `other` for a gender as Studio writes it in any language."""
    folded = normalize_word(cell)
    for genders in GENDERS.values():
        for stored, words in genders.items():
            if folded in {normalize_word(word) for word in words}:
                return stored
    raise origin.problem("not a gender (Female, Male or Other)", column=column, value=cell)


def country_value(cell: str, origin: Origin, column: str) -> str:
    """A two-letter country code, upper case, or `Others` for the rest of the world."""
    folded = normalize_word(cell)
    if any(
        folded == normalize_word(word) for words in OTHER_TERRITORIES.values() for word in words
    ):
        return "Others"
    if COUNTRY_PATTERN.fullmatch(cell.strip()) is None:
        raise origin.problem("not a two-letter country code", column=column, value=cell)
    return cell.strip().upper()


def read_content(
    studio_files: Sequence[StudioFile], anchor: date, tables: dict[str, list[Row]], notes: list[str]
) -> None:
    """Add `posts` and `post_snapshots` (when the file has counts) from the Content files."""
    content_files = of_kinds(studio_files, "content")
    if not content_files:
        return
    posts: list[tuple[Row, Origin]] = []
    snapshots: list[tuple[Row, Origin]] = []
    for studio_file in content_files:
        for row, captured in zip(
            studio_file.table.rows, captures(studio_file, anchor), strict=True
        ):
            post, snapshot = content_row(studio_file, row, at_midnight(captured.date()))
            posts.append((post, row.origin))
            if snapshot is not None:
                snapshots.append((snapshot, row.origin))
    tables["posts"] = unique_rows(posts, ("post_id",))
    if snapshots:
        tables["post_snapshots"] = unique_rows(snapshots, ("post_id", "captured_at"))
    notes.append(SNAPSHOT_CONTENT_NOTE)
    if any(row["create_time"].time() == time() for row in tables["posts"]):
        notes.append("Content.csv gives no time of day for some posts: their create_time is 00:00")


def captures(studio_file: StudioFile, anchor: date) -> list[datetime]:
    """When each Content row's counts were read: its `Time`, else the export day `anchor`.

    Without `Time` the export day is the day after the period end in an Overview zip name
    imported with it, else the import day (`period_end`).
    """
    if studio_file.has("time"):
        return column_dates(studio_file, "time", anchor)
    return [at_midnight(anchor)] * len(studio_file.table.rows)


def content_row(
    studio_file: StudioFile, row: CsvRow, captured_at: datetime
) -> tuple[Row, Row | None]:
    """The `posts` row and the `post_snapshots` row (None without counts) of a Content.csv row."""
    link = studio_file.cell(row, "link").strip()
    post_id = post_id_from_link(link)
    if post_id is None:
        raise row.origin.problem(
            "no post id in the link", column=studio_file.column_name("link"), value=link
        )
    post: Row = {
        "post_id": post_id,
        "media_type": "video",
        "create_time": post_time(studio_file, row, captured_at.date()),
        "share_url": link,
    }
    if studio_file.has("title"):
        caption = studio_file.cell(row, "title").strip() or None
        post["caption"], post["hashtags"] = caption, hashtags_of(caption)
    counted_fields = [f for f in ("likes", "comments", "shares", "views") if studio_file.has(f)]
    if not counted_fields:
        return post, None
    snapshot: Row = {"post_id": post_id, "captured_at": captured_at}
    for field in counted_fields:
        cell = studio_file.cell(row, field)
        snapshot[field] = parse_count(cell, row.origin, studio_file.column_name(field))
    return post, snapshot


def post_time(studio_file: StudioFile, row: CsvRow, captured: date) -> datetime:
    """When a post was published: its year, when not written, the latest not after `captured`."""
    cell = studio_file.cell(row, "post_time")
    written = parse_written_date(cell)
    column = studio_file.column_name("post_time")
    if written is None:
        raise row.origin.problem("not a date", column=column, value=cell)
    year = written.year or latest_year(written.month_day, captured)
    try:
        day = date(year, written.month, written.day)
    except ValueError:
        raise row.origin.problem(
            f"no such day in {year}, the year inferred for it", column=column, value=cell
        ) from None
    if not is_plausible_day(day):
        raise row.origin.problem(OUTSIDE_DAYS, column=column, value=cell)
    return datetime.combine(day, written.time_of_day or time())


def unique_rows(rows: Iterable[tuple[Row, Origin]], key: tuple[str, ...]) -> list[Row]:
    """The rows with repeats of a key dropped; a key repeated with other values is an error."""
    seen: dict[tuple[object, ...], Row] = {}
    for row, origin in rows:
        row_key = tuple(row[name] for name in key)
        if row_key in seen and seen[row_key] != row:
            shown = ", ".join(str(value) for value in row_key)
            raise origin.problem(f"{shown} appears twice with different values")
        seen.setdefault(row_key, row)
    return list(seen.values())


def listed(days: Sequence[date]) -> str:
    """Days as `2026-04-29, 2026-04-30`, or `2026-04-01 to 2026-04-30 (30 days)` when many."""
    ordered = sorted(set(days))
    if len(ordered) <= 3:
        return ", ".join(day.isoformat() for day in ordered)
    return f"{ordered[0].isoformat()} to {ordered[-1].isoformat()} ({len(ordered)} days)"


def years_note(rows: Sequence[Row]) -> str:
    """The span of the daily rows, e.g. `2025-12-30 to 2026-01-02`."""
    return f"{rows[0]['date'].isoformat()} to {rows[-1]['date'].isoformat()}"
