"""The shipped interest taxonomy and the mapper from hashtags and words to interests."""

from __future__ import annotations

import pytest

from tikscope.text.taxonomy import LANGUAGES, parse_taxonomy, shipped_taxonomy


def test_taxonomy_shape_has_parents_interests_and_five_languages() -> None:
    taxonomy = shipped_taxonomy()
    assert taxonomy.version
    assert 24 <= len(taxonomy.parents) <= 30
    assert len(taxonomy.parent_of) >= 200
    assert set(taxonomy.parent_of.values()) == set(taxonomy.parents)
    for interest, names in taxonomy.names.items():
        assert tuple(names) == LANGUAGES, interest
        assert all(names[language] for language in LANGUAGES), interest


@pytest.mark.parametrize(
    ("hashtag", "interest"),
    [
        ("#gardening", "gardening"),
        ("#Jardinería", "gardening"),
        ("#jardinagem", "gardening"),
        ("#Jardinage", "gardening"),
        ("#Gartenarbeit", "gardening"),
        ("#soccer", "football"),
        ("#fútbol", "football"),
        ("#futebol", "football"),
        ("#foot", "football"),
        ("#Fußball", "football"),
        ("#plantcare", "plant care"),
        ("#CuidadoDePlantas", "plant care"),
        ("#cuidadocomplantas", "plant care"),
        ("#entretiendesplantes", "plant care"),
        ("#Pflanzenpflege", "plant care"),
    ],
)
def test_taxonomy_maps_hashtags_in_five_languages(hashtag: str, interest: str) -> None:
    assert shipped_taxonomy().interests_of([], [hashtag]) == [interest]


def test_taxonomy_maps_whole_words_and_phrases_of_texts() -> None:
    taxonomy = shipped_taxonomy()
    found = taxonomy.interests_of(["Amo la JARDINERÍA, las recetas y mi perro 🐶"])
    assert found == ["dogs", "gardening", "recipes"]
    assert taxonomy.interests_of(["catalog of categories, a dogma, cathedral"]) == []
    assert taxonomy.interests_of(["Zimmerpflanzen und Pflanzenpflege"]) == [
        "houseplants",
        "plant care",
    ]
    assert taxonomy.interests_of(["plant care"]) == ["plant care"]
    assert taxonomy.interests_of(["plant and care"]) == []
    assert taxonomy.interests_of(["mes plantes d'intérieur"]) == ["houseplants"]


def test_taxonomy_refuses_an_interest_missing_a_language() -> None:
    text = (
        'version = "1"\n[food]\nlabel = "Food"\ncooking = { en = ["cooking"], es = ["cocina"] }\n'
    )
    with pytest.raises(ValueError, match="interest 'cooking' has no words in pt, fr, de"):
        parse_taxonomy(text)
