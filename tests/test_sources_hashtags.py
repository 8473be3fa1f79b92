"""`hashtags_of`: the tags of a caption, the same for every source that gives only the text."""

from __future__ import annotations

import pytest

from tikscope.sources.hashtags import hashtags_of


@pytest.mark.parametrize(
    ("caption", "tags"),
    [
        ("Repotting a monstera in 30s #plants", ["plants"]),
        ("#Plants #MONSTERA #plants #monstera", ["plants", "monstera"]),
        (
            "Tips! #plants, #care. #light? (#water) #soil…",
            ["plants", "care", "light", "water", "soil"],
        ),
        ("#café #Über_Grün2 #日本 #ÇaVa", ["café", "über_grün2", "日本", "çava"]),
        ("#हिंदी #नमस्ते #ภาษาไทย", ["हिंदी", "नमस्ते", "ภาษาไทย"]),
        ("#cafe\u0301 and #caf\u00e9", ["caf\u00e9"]),
        ("# alone, #, ## and #!", []),
        ("##double #a#b", ["double", "a", "b"]),
        ("#2024 #top_10", ["2024", "top_10"]),
        ("no tags at all", []),
        ("", []),
    ],
)
def test_hashtags_of_reads_tags_in_order_lower_case_once(caption: str, tags: list[str]) -> None:
    assert hashtags_of(caption) == tags


def test_hashtags_of_no_caption_is_unknown_not_empty() -> None:
    assert hashtags_of(None) is None
