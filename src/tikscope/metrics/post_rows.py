"""Posts as the analysis layer gives them to every output: typed rows, never bare dicts.

Two kinds: `PostRow`, a post of the list of posts with the columns asked for (`post_list`), and
`TopPost`, a post that gained views in the period (`studio.top_posts`). Both name themselves the
same way (`NamedPost`: caption, link, kind, publish time), so that reports and pages name a post
alike wherever it appears, and both give their JSON shape at the edge (`as_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tikscope.metrics.registry import POST_COLUMNS_BY_NAME
from tikscope.metrics.run import plain_number

PostValue = str | int | float | datetime | None


class NamedPost(Protocol):
    """What names a post wherever it appears: caption, link, kind and publish time."""

    @property
    def caption(self) -> str | None:
        """The caption, as TikTok gives it."""
        ...

    @property
    def link(self) -> str | None:
        """Its address (on TikTok for the stored posts)."""
        ...

    @property
    def kind(self) -> str | None:
        """video, image or carousel."""
        ...

    @property
    def published(self) -> datetime | None:
        """When it was published (UTC)."""
        ...


class CountedPost(NamedPost, Protocol):
    """A post with its id and numbers, as a per-post chart shows it."""

    @property
    def post_id(self) -> str:
        """TikTok's id of the post."""
        ...

    def number(self, name: str) -> float | None:
        """The value of one of its numbers; None when unknown."""
        ...


@dataclass(frozen=True)
class PostRow:
    """One post of the list of posts: the value of each column asked for, and its flags.

    Attributes:
        values: post column name (`registry.POST_COLUMNS`) to value, `post_id` first, then the
            columns asked for, in their order.
        flags: its data-quality flags, `; `-separated; empty when there are none.
    """

    values: Mapping[str, PostValue]
    flags: str = ""

    def __getitem__(self, name: str) -> PostValue:
        """The value of one of its columns, or its `flags`."""
        return self.flags if name == "flags" else self.values[name]

    def get(self, name: str) -> PostValue:
        """The value of a column, or None when the row does not have it."""
        return self.values.get(name)

    def number(self, name: str) -> float | None:
        """The value of a numeric column; None when unknown or not a number."""
        return number_or_none(self.values.get(name))

    @property
    def post_id(self) -> str:
        """TikTok's id of the post."""
        return str(self.values["post_id"])

    @property
    def caption(self) -> str | None:
        """The caption, when the row has it."""
        return text_or_none(self.values.get("caption"))

    @property
    def link(self) -> str | None:
        """The link, when the row has it."""
        return text_or_none(self.values.get("link"))

    @property
    def kind(self) -> str | None:
        """The type of the post, when the row has it."""
        return text_or_none(self.values.get("type"))

    @property
    def published(self) -> datetime | None:
        """The publish time, when the row has it."""
        value = self.values.get("published")
        return value if isinstance(value, datetime) else None

    def as_json(self) -> dict[str, PostValue]:
        """The row as the JSON outputs give it: its columns, counts as integers, then `flags`."""
        values = {
            name: plain_number(value, POST_COLUMNS_BY_NAME[name].unit)
            if isinstance(value, int | float)
            else value
            for name, value in self.values.items()
        }
        return values | {"flags": self.flags}


@dataclass(frozen=True)
class TopPost:
    """A post that gained views in the period, with what it gained (None where unknown).

    Attributes:
        post_id: TikTok's id of the post.
        media_type: video, image or carousel.
        create_time: when it was published (UTC).
        caption: its caption.
        link: its address on TikTok.
        views_gained: views during the period.
        likes_gained: likes during the period.
        comments_gained: comments during the period.
        shares_gained: shares during the period.
    """

    post_id: str
    media_type: str | None
    create_time: datetime | None
    caption: str | None
    link: str | None
    views_gained: int | None
    likes_gained: int | None
    comments_gained: int | None
    shares_gained: int | None

    @property
    def kind(self) -> str | None:
        """The type of the post."""
        return self.media_type

    def number(self, name: str) -> float | None:
        """One of its gains by name (`views_gained`...); None when unknown."""
        value = getattr(self, name)
        return number_or_none(value)

    @property
    def published(self) -> datetime | None:
        """When it was published (UTC)."""
        return self.create_time


def text_or_none(value: PostValue) -> str | None:
    """A text value, or None for anything else."""
    return value if isinstance(value, str) else None


def number_or_none(value: object) -> float | None:
    """A number as it is; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
