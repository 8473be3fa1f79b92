"""The rows one sampled member's Research API profile gives (see `sync.enrich`)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tikscope.sources.records import Row

if TYPE_CHECKING:
    from tikscope.sync.enrich import Enricher

TAGS_AND_MENTIONS = re.compile(r"[#@][\w.]+")


@dataclass
class Findings:
    """What one member's profile says, before it becomes rows."""

    info: Row
    videos: list[Row] = field(default_factory=list)
    following: list[str] | None = None


def profile_tables(
    enricher: Enricher, name: str, key: int, rank: int, found: Findings
) -> dict[str, list[Row]]:
    """The `audience_members`, `member_profiles`, `follows` and `outside_accounts` rows."""
    from tikscope.text.taxonomy import shipped_taxonomy

    taxonomy = shipped_taxonomy()
    bio = (found.info.get("bio_description") or "").strip()
    captions = [str(video["caption"]) for video in found.videos if video.get("caption")]
    hashtags = [tag for video in found.videos for tag in video.get("hashtags") or []]
    interests = taxonomy.interests_of([bio, *captions], hashtags)
    member: Row = {
        "member_key": key,
        "member_id": enricher.pseudonym(name),
        "bio": bio or None,
        "country": most_common([video.get("region_code") for video in found.videos]),
        "language": language_of([bio, *captions]),
        "interests": interests or None,
    }
    profile = enricher.profile_row(
        key, rank, status="profiled", profiled_at=enricher.now,
        is_verified=found.info.get("is_verified"),
        follower_count=found.info.get("follower_count"),
        following_count=found.info.get("following_count"), videos_read=len(found.videos),
        following_read=found.following is not None, taxonomy_version=taxonomy.version,
    )  # fmt: skip
    tables = {"audience_members": [member], "member_profiles": [profile]}
    if found.following:
        state = {"outside": 0}
        tables["follows"], tables["outside_accounts"] = enricher.graph.follow_rows(
            key, found.following, state
        )
    return tables


def most_common(values: list[Any]) -> str | None:
    """The most frequent non-empty value (ties: the first alphabetically), or None."""
    counts = Counter(str(value).upper() for value in values if value)
    if not counts:
        return None
    return min(counts, key=lambda value: (-counts[value], value))


def language_of(texts: list[str]) -> str | None:
    """The language of a member's bio and captions together (hashtags and mentions left out)."""
    from tikscope.text.language import UNDETERMINED, detect_many

    text = " ".join(TAGS_AND_MENTIONS.sub(" ", text) for text in texts).strip()
    if not text:
        return None
    language = detect_many([text])[0]
    return None if language == UNDETERMINED else language
