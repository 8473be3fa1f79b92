"""The sections of an account's pages, defined once: the report, web pages and CLI read them.

A section is one registry entry, like a metric: its key (which metrics name in `Metric.section`),
title, one-line introduction, the metrics shown as cards at its top, and the composite tables it
shows beside its metrics. Adding a section is one entry here; adding a metric to a section is one
entry in `metrics.registry.METRICS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tikscope.metrics import registry
from tikscope.metrics.model import Metric
from tikscope.metrics.registry import ACCOUNT, COMMUNITY, PUBLISHED, STUDIO, VIEWED

POSTS = "posts"
COMMENTS = "comments"


@dataclass(frozen=True, kw_only=True)
class Section:
    """One section of an account's pages.

    Attributes:
        key: identifier; metrics name it in `Metric.section`.
        title: its heading.
        intro: what it shows, in one sentence.
        cards: metrics shown as cards at its top, in order.
        tables: the composite tables it shows (`series`, `demographics`, `activity`, `posts`,
            `top_posts`, `traffic_sources`, `territories`, `comments`).
    """

    key: str
    title: str
    intro: str
    cards: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """The names of the metrics of this section, in registry order."""
        return tuple(metric.name for metric in registry.METRICS if metric.section == self.key)


SECTIONS: tuple[Section, ...] = (
    Section(
        key=COMMUNITY, title="Community",
        intro="Followers over the period, follows and unfollows per day, and who the followers "
        "are.",
        tables=("series", "demographics"),
    ),
    Section(key=ACCOUNT, title="Account", intro="Posts published and visits to the profile."),
    Section(
        key=VIEWED, title="Posts viewed in the period",
        intro="What every post gained during the period, whatever its publish date.",
        tables=("top_posts",),
    ),
    Section(
        key=PUBLISHED, title="Posts published in the period",
        intro="Posts published in the period (account's time zone), with lifetime totals as of "
        "the period's end.",
        cards=("posts_published", "published_views", "published_interactions",
               "average_reach_per_post", "engagement", "average_watch_time_seconds"),
    ),
    Section(
        key=POSTS, title="List of posts",
        intro="Every post published in the period, most viewed first, with its data-quality "
        "flags.", tables=("posts",),
    ),
    Section(
        key=STUDIO, title="Studio-style views",
        intro="The views of TikTok Studio's analytics: daily overview, when followers are "
        "active, where views come from, and which posts were watched most.",
        tables=("series", "activity", "traffic_sources", "territories", "top_posts"),
    ),
    Section(
        key=COMMENTS, title="Comments",
        intro="What people said in the period's comments (the account's replies left out): "
        "sentiment against the previous period, its trend, the words that set positive and "
        "negative comments apart, questions, and posts whose negative share is far above the "
        "usual one. No commenter is named or counted.",
        tables=("comments",),
    ),
)  # fmt: skip

SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


def headline() -> tuple[str, ...]:
    """The few numbers at the top of an overview (`Metric.headline`), in registry order."""
    return tuple(metric.name for metric in registry.METRICS if metric.headline)


def section_title(key: str) -> str:
    """The heading of a section; a key no section defines, capitalized."""
    section = SECTIONS_BY_KEY.get(key)
    return section.title if section else key.capitalize()


def check_sections(
    metrics: tuple[Metric, ...] | None = None, sections: tuple[Section, ...] | None = None
) -> list[str]:
    """What breaks the sections' rules (of the registry and `SECTIONS`, or of those given).

    Every metric names a defined section, every card names a metric, no key is defined twice.
    """
    metrics = registry.METRICS if metrics is None else metrics
    sections = SECTIONS if sections is None else sections
    keys = [section.key for section in sections]
    problems = [f"metric {m.name} names an unknown section {m.section!r}"
                for m in metrics if m.section not in keys]  # fmt: skip
    names = {metric.name for metric in metrics}
    for section in sections:
        problems += [f"section {section.key} shows {name} as a card, which is no metric"
                     for name in section.cards if name not in names]  # fmt: skip
    problems += [f"section {key} is defined twice" for key in set(keys) if keys.count(key) > 1]
    return problems
