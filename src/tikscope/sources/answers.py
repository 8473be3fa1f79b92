"""Reading TikTok's answers: typed fields with errors that name them, cursor pages.

Every client reads its answers through `Fields`, so a value of the wrong type becomes a
`MalformedResponseError` naming the endpoint, the field's path and the request id, never a bare
KeyError or ValueError, and an absent value reads as None (missing is not zero).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tikscope.errors import InvalidHandleError, MalformedResponseError
from tikscope.ids import HANDLE_RULE, parse_handle

if TYPE_CHECKING:
    from tikscope.sources.http import ApiSession


@dataclass(frozen=True)
class Fields:
    """Typed reads from one JSON object of an answer.

    A value of the wrong type raises `MalformedResponseError` naming the endpoint, the field's
    path (``videos[3].create_time``) and the request id; an absent or null value reads as None.

    Attributes:
        where: the endpoint and the object's path, e.g. ``GET /v2/video/list/ videos[3]``.
        values: the JSON object.
        request_id: the answer's request id, for the error message.
    """

    where: str
    values: Mapping[str, Any]
    request_id: str | None = None

    @classmethod
    def of(cls, session: ApiSession, endpoint: str, data: Mapping[str, Any]) -> Fields:
        """The ``data`` object of the answer `session` just received from `endpoint`."""
        return cls(f"{endpoint} data", data, session.last_request_id)

    def fail(self, key: str, expected: str) -> MalformedResponseError:
        """The error for field `key` not holding `expected`."""
        return MalformedResponseError(
            f"{self.where}.{key}: expected {expected}, got {describe(self.values.get(key))} "
            f"(request id {self.request_id})"
        )

    def text(self, key: str) -> str | None:
        """A string field."""
        value = self.values.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.fail(key, "a string")

    def handle(self, key: str, expected: str) -> str:
        """A required TikTok handle (a username), as stored: lower case, no `@`.

        `expected` says what the field is when it is missing, e.g. which scope gives it.
        """
        value = self.text(key)
        if not value:
            raise self.fail(key, expected)
        try:
            return parse_handle(value)
        except InvalidHandleError:
            raise self.fail(key, f"a TikTok handle ({HANDLE_RULE})") from None

    def integer(self, key: str) -> int | None:
        """A whole-number field; integral floats and digit strings are accepted."""
        value = self.values.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise self.fail(key, "a whole number")

    def number(self, key: str) -> float | None:
        """A numeric field as float; numeric strings are accepted."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise self.fail(key, "a number") from None

    def flag(self, key: str) -> bool | None:
        """A boolean field; ``"true"``/``"false"`` strings are accepted."""
        value = self.values.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(key, "true or false")

    def identifier(self, *keys: str) -> str:
        """A required id from the first of `keys` present, as a string (ints exceed 2^53)."""
        for key in keys:
            value = self.values.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            if value is not None:
                raise self.fail(key, "an id (string or integer)")
        raise self.fail(keys[0], "an id (string or integer)")

    def epoch(self, key: str) -> datetime:
        """A required time in epoch seconds (int or digit string) as naive UTC."""
        seconds = self.integer(key)
        if seconds is None:
            raise self.fail(key, "epoch seconds")
        try:
            return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            raise self.fail(key, "epoch seconds in range") from None

    def items(self, key: str) -> list[Fields] | None:
        """A list of objects, each readable as `Fields`; None when the list is absent."""
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail(key, "a list of objects")
        return [
            Fields(f"{self.where}.{key}[{index}]", item, self.request_id)
            for index, item in enumerate(value)
        ]

    def strings(self, key: str) -> list[str] | None:
        """A list of strings (numbers are turned into strings); None when absent."""
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(item, str | int) and not isinstance(item, bool) for item in value
        ):
            raise self.fail(key, "a list of strings")
        return [str(item) for item in value]


def cursor_pages(
    session: ApiSession,
    endpoint: str,
    key: str,
    fetch: Callable[[int | None], dict[str, Any]],
    *,
    cursor: int | None = None,
) -> Iterator[Fields]:
    """The `key` items of each page, following ``cursor`` while ``has_more`` is true.

    Args:
        session: the session `fetch` calls, for the request id in errors.
        endpoint: the path, for errors.
        key: the documented list key of ``data`` (``videos``, ``comments``).
        fetch: asks for the page at a cursor (None: TikTok's default, the first page).
        cursor: the first page's cursor.

    Raises:
        MalformedResponseError: `key` or ``has_more`` is missing, or TikTok says there is more
            but hands back a cursor already used, which would otherwise loop forever.
    """
    seen = {cursor}
    while True:
        page = Fields.of(session, endpoint, fetch(cursor))
        items, has_more = page.items(key), page.flag("has_more")
        if items is None:
            raise page.fail(key, "a list (a missing list is not an empty one)")
        yield from items
        if has_more is None:
            raise page.fail("has_more", "true or false")
        if not has_more:
            return
        cursor = page.integer("cursor")
        if cursor is None or cursor in seen:
            raise page.fail("cursor", "a new cursor while has_more is true")
        seen.add(cursor)


def text_or_none(value: Any) -> str | None:
    """`value` as a string when it is a non-empty string or a number, else None."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def describe(value: Any) -> str:
    """A short description of a JSON value for error messages."""
    if value is None:
        return "nothing"
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return f"{type(value).__name__} {shown[:60]}"
