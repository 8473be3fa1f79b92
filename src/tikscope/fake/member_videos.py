"""Recent public videos of simulated audience members, for the fake Research video query.

A member posts 0 to 3 videos in the 30 days before the serving day (fixed by their key): each
about one of their interests, captioned in their language with the taxonomy's word for it (a
plain template around it) and tagged with the interest written as a hashtag, from their country
(`region_code`). So enrichment can be checked end to end: region_code -> country, hashtags and
captions -> interests, captions -> language.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tikscope.fake.data import epoch_seconds, midnight
from tikscope.fake.graph import Person
from tikscope.text.taxonomy import shipped_taxonomy, words_of

TEMPLATES = {
    "en": "Spent the whole weekend on {word} again and I am not sorry about it at all",
    "es": "Otra vez pasé todo el fin de semana con {word} y no me arrepiento de nada",
    "pt": "Passei o fim de semana inteiro com {word} de novo e não me arrependo de nada",
    "fr": "J'ai encore passé tout le week-end avec {word} et je ne le regrette pas du tout",
    "de": "Ich habe wieder das ganze Wochenende mit {word} verbracht und bereue es überhaupt nicht",
}
FIRST_VIDEO_ID = 7_450_000_000_000_000_000
DAY_SECONDS = 86_400


def member_videos(person: Person, today: date) -> list[dict[str, Any]]:
    """The member's videos of the last 30 days, newest first, with every field the fake knows."""
    if person.kind != "member" or not person.interests:
        return []
    end = epoch_seconds(midnight(today)) - 1
    videos = []
    for index in range(person.key % 4):
        interest = person.interests[(person.key + index) % len(person.interests)]
        age = ((person.key * 7_919 + index * 104_729) % (29 * DAY_SECONDS)) + index * 3_600
        videos.append({
            "id": FIRST_VIDEO_ID + person.key * 10 + index,
            "video_description": f"{caption(interest, person.language)} #{tag_of(interest)}",
            "create_time": end - age,
            "region_code": person.country or "US",
            "username": person.username,
            "hashtag_names": [tag_of(interest), "fyp"],
            "view_count": (person.key * 131 + index * 17) % 9_000,
            "like_count": (person.key * 13 + index) % 700,
            "comment_count": (person.key + index) % 40,
            "share_count": (person.key + 3 * index) % 25,
            "favorites_count": (person.key + 5 * index) % 60,
            "video_duration": 8 + (person.key + index) % 50,
            "effect_ids": ["0"],
            "is_stem_verified": False,
        })  # fmt: skip
    return sorted(videos, key=lambda video: -video["id"])


def caption(interest: str, language: str | None) -> str:
    """A caption about `interest` in `language` (English when the fake has no template)."""
    language = language if language in TEMPLATES else "en"
    return TEMPLATES[language].format(word=word_for(interest, language))


def word_for(interest: str, language: str) -> str:
    """The taxonomy's first word for `interest` in `language`, else the interest itself."""
    names = shipped_taxonomy().names.get(interest, {})
    return names[language][0] if names.get(language) else interest


def tag_of(interest: str) -> str:
    """The interest as a hashtag name: "plant care" -> "plantcare"."""
    return "".join(words_of(interest))


def in_range(video: dict[str, Any], start: date, end: date) -> bool:
    """Whether the video was created from `start` to `end` (UTC days, inclusive)."""
    first = epoch_seconds(midnight(start))
    return first <= int(video["create_time"]) < epoch_seconds(midnight(end + timedelta(days=1)))
