"""The shipped sentiment model and language detector on TikTok speech, written by hand."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tikscope.errors import FileFormatError
from tikscope.simulate.comments import write_comment
from tikscope.simulate.vocabulary import COMMENT_TEMPLATES, SENTIMENTS
from tikscope.text import SentimentModel, score_texts, shipped_model
from tikscope.text.features import ASK, LAUGH, NEGATIVE, POSITIVE, PRIORS, asks, features
from tikscope.text.labelled import read_split
from tikscope.text.language import batch_identifier, detect, detect_many, identifier
from tikscope.text.sentiment import SHARED

# (text, label) per language: slang, emoji, laughter, and the questions creators get.
SLANG: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("this is fire 🔥", "positive"),
        ("im dead 💀😭", "positive"),
        ("bro really said that 😂😂", "positive"),
        ("slay queen, obsessed with this", "positive"),
        ("this is so mid", "negative"),
        ("worst video ever, unfollowed", "negative"),
        ("cringe 🤮", "negative"),
        ("what song is this?", "neutral"),
        ("where did you buy that lamp", "neutral"),
        # Shop comments (issue 14 §1 quality: the demo store's planted texts and the like).
        ("Still waiting for my refund, awful service", "negative"),
        ("awful service", "negative"),
        ("This plant is way too expensive", "negative"),
        ("Is this available in Europe?", "neutral"),
        ("So beautiful, my pot is jealous", "positive"),
        ("do you ship to canada?", "neutral"),
        ("way too expensive for a tiny pot", "negative"),
        ("my order arrived broken 😡", "negative"),
        ("can you do a video on pothos?", "neutral"),
        ("does it need full sun?", "neutral"),
        ("terrible customer service, never again", "negative"),
    ],
    "es": [
        ("jajajaja me muero 😂", "positive"),
        ("me encanta 😍", "positive"),
        ("que bonito te quedó ❤️", "positive"),
        ("qué asco, no me gustó nada", "negative"),
        ("horrible, pésimo contenido 👎", "negative"),
        ("¿dónde compraste esa camisa?", "neutral"),
        ("¿cómo se llama la canción?", "neutral"),
        # Shop comments (issue 14 §1 quality: the demo store's planted texts and the like).
        ("Demasiado caro, no vale la pena", "negative"),
        ("muy caro para lo que es", "negative"),
        ("¿Hacen envíos a México?", "neutral"),
        ("¿tienen en color blanco?", "neutral"),
        ("¿hay en tamaño grande?", "neutral"),
        ("mi pedido llegó roto 😡", "negative"),
        ("qué hermosa planta 😍", "positive"),
        ("Pésimo servicio, nadie responde", "negative"),
        ("te quedó precioso, gracias por el tip", "positive"),
    ],
    "pt": [
        ("kkkkkkk", "positive"),
        ("amei 😍", "positive"),
        ("que lindo demais ❤️", "positive"),
        ("não gostei", "negative"),
        ("que vídeo chato, perdi meu tempo", "negative"),
        ("onde você comprou?", "neutral"),
        ("qual é o nome da música?", "neutral"),
        # Shop comments (issue 14 §1 quality: the demo store's planted texts and the like).
        ("caro demais 😕", "negative"),
        ("Muito caro, não vale a pena", "negative"),
        ("tem em tamanho maior?", "neutral"),
        ("Vocês entregam no Brasil?", "neutral"),
        ("vende pelo site?", "neutral"),
        ("chegou quebrado, que decepção", "negative"),
        ("que planta linda, amei demais 😍", "positive"),
        ("Atendimento horrível, ninguém responde", "negative"),
        ("perfeito, ajudou muito", "positive"),
    ],
    "fr": [
        ("mdrrr je suis mort 😂", "positive"),
        ("trop bien ce tuto 😍", "positive"),
        ("j'adore ❤️", "positive"),
        ("c'est nul, j'ai pas aimé", "negative"),
        ("quelle arnaque 👎", "negative"),
        ("c'est quoi la musique ?", "neutral"),
        ("tu l'as acheté où ?", "neutral"),
        # Shop comments (issue 14 §1 quality: the demo store's planted texts and the like).
        ("Beaucoup trop cher", "negative"),
        ("Vous livrez en France ?", "neutral"),
        ("vous livrez en Belgique ?", "neutral"),
        ("est-ce que ça pousse à l'ombre ?", "neutral"),
        ("tu peux faire une vidéo sur les cactus ?", "neutral"),
        ("Commande arrivée cassée, déçue", "negative"),
        ("Magnifique, merci 😍", "positive"),
        ("trop cher pour un petit pot", "negative"),
        ("la pire commande de ma vie", "negative"),
        ("sublime ce monstera 🔥", "positive"),
    ],
    "de": [
        ("voll geil 🔥", "positive"),
        ("hahaha ich kann nicht mehr 😂", "positive"),
        ("wunderschön ❤️", "positive"),
        ("so ein Müll, total langweilig", "negative"),
        ("peinlich 🙄", "negative"),
        ("wie heißt das Lied?", "neutral"),
        ("wo hast du das gekauft?", "neutral"),
        # Shop comments (issue 14 §1 quality: the demo store's planted texts and the like).
        ("Viel zu teuer", "negative"),
        ("gibt es die auch in groß?", "neutral"),
        ("Liefert ihr nach Österreich?", "neutral"),
        ("kann man die draußen halten?", "neutral"),
        ("Bestellung kam kaputt an, enttäuscht", "negative"),
        ("viel zu teuer für so einen kleinen Topf", "negative"),
        ("Wunderschön, danke 😍", "positive"),
        ("ich liebe diese Pflanze ❤️", "positive"),
        ("mega schön geworden 🔥", "positive"),
    ],
}
# Texts whose language the detector must get, short ones included.
LANGUAGES = [
    ("kkkkkkk", "pt"),
    ("jajajaja", "es"),
    ("mdrrr", "fr"),
    ("amei", "pt"),
    ("não gostei", "pt"),
    ("this is fire 🔥 honestly the best one yet", "en"),
    ("¿dónde compraste esa camisa?", "es"),
    ("qual é o nome da música?", "pt"),
    ("c'est quoi la musique ?", "fr"),
    ("wo hast du das gekauft?", "de"),
    ("🔥🔥🔥", "und"),
    ("@user 😂", "und"),
]


@pytest.mark.parametrize("language", sorted(SLANG))
def test_slang_comments_get_their_label(language: str) -> None:
    texts = [text for text, _ in SLANG[language]]
    scored = score_texts(texts, [language] * len(texts))
    wrong = [
        f"{text!r}: {item.sentiment} ({item.score:+.2f}), expected {label}"
        for (text, label), item in zip(SLANG[language], scored, strict=True)
        if item.sentiment != label
    ]
    assert wrong == []


@pytest.mark.parametrize(("text", "language"), LANGUAGES)
def test_language_of_short_comments(text: str, language: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("is this available in europe?", True),
        ("do you ship to canada?", True),
        ("¿hacen envíos a méxico?", True),
        ("¿hay en tamaño grande?", True),
        ("tem em azul?", True),
        ("vocês entregam no brasil?", True),
        ("vous livrez en france ?", True),
        ("est-ce que ça pousse à l'ombre ?", True),
        ("gibt es die auch in groß?", True),
        ("liefert ihr nach österreich?", True),
        ("what song is this?", True),
        # Not questions, or too long to be a quick one.
        ("is this available in europe", False),
        ("this is available in europe?", False),
        ("i love it", False),
        ("do you " + "really " * 12 + "ship?", False),
    ],
)
def test_yes_no_questions_ask(text: str, question: bool) -> None:
    assert asks(text) is question
    assert (ASK in features(text, None)) is question


def test_a_lexicon_word_outweighs_the_words_around_it() -> None:
    """A listed word's polarity token carries a hand-set prior, so a neutral noun beside it
    ("awful service") cannot turn it around."""
    assert PRIORS[POSITIVE][2] > 0 > PRIORS[POSITIVE][0]
    assert PRIORS[NEGATIVE][0] > 0 > PRIORS[NEGATIVE][2]
    assert shipped_model().weights["en"][shipped_model().index[NEGATIVE]][0] > 0
    pairs = {
        "en": ("awful service", "great service"),
        "es": ("servicio pésimo", "servicio excelente"),
        "pt": ("atendimento péssimo", "atendimento ótimo"),
        "fr": ("service nul", "service génial"),
        "de": ("Service schrecklich", "Service wunderbar"),
    }
    for language, (bad, good) in pairs.items():
        scored = score_texts([bad, good], [language, language])
        assert [item.sentiment for item in scored] == ["negative", "positive"], language


def test_laughter_in_every_language_is_one_feature() -> None:
    for laugh in ("hahaha", "jajaja", "kkkkk", "rsrsrs", "mdrrr", "ptdr", "lol", "xD", "hehehe"):
        assert LAUGH in features(laugh, None), laugh


def test_scores_are_deterministic_and_independent_of_the_batch() -> None:
    texts = [text for examples in SLANG.values() for text, _ in examples]
    together = score_texts(texts)
    alone = [score_texts([text])[0] for text in texts]
    reversed_order = score_texts(texts[::-1])[::-1]
    assert together == alone == reversed_order
    assert all(-1 <= item.score <= 1 for item in together)
    model = shipped_model()
    assert model.version.startswith("tikscope-sentiment-")
    assert model.languages[:0] == () and {"en", "es", "pt", "fr", "de"} <= set(model.languages)


def test_score_sign_follows_the_label() -> None:
    scored = score_texts(["the best thing ever 😍😍", "the worst thing ever 🤮"], ["en", "en"])
    assert scored[0].score > 0.3 > -0.3 > scored[1].score


def test_labelled_data_errors_name_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "umsab-english"
    folder.mkdir()
    (folder / "val_text.txt").write_text("good\nbad\n", encoding="utf-8")
    (folder / "val_labels.txt").write_text("2\nx\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"val_labels.txt, line 2: label 'x'"):
        read_split(tmp_path, "en", "val")
    (folder / "val_labels.txt").write_text("2\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"2 lines, but .* has 1 labels"):
        read_split(tmp_path, "en", "val")
    with pytest.raises(FileFormatError, match="no such file"):
        read_split(tmp_path, "en", "train")


def reference_logits(model: SentimentModel, texts: list[str], language: str | None) -> np.ndarray:
    """Logits computed the plain way: every feature string of `features`, looked up one by one.

    The fast path of `SentimentModel.logits` (n-gram ids cut by slices, cached per word) must
    give exactly these numbers: the same features, counted in the same order, so the same sums.
    """
    key = language if language is not None and language in model.weights else SHARED
    lexicon = model.lexicons.get(key)
    out = np.tile(model.biases[key], (len(texts), 1))
    for row, text in enumerate(texts):
        found = Counter(model.index.get(name) for name in features(text, key or None, lexicon))
        found.pop(None, None)
        if not found:
            continue
        ids = np.asarray(list(found), dtype=np.int64)
        values = (1 + np.log(np.asarray(list(found.values()), dtype=np.float32))) * model.idf[ids]
        values /= np.sqrt(np.add.reduceat(values * values, [0]))
        out[row] += np.add.reduceat(values[:, None] * model.weights[key][ids], [0], axis=0)[0]
    return out


def test_fast_logits_equal_the_plain_computation() -> None:
    rng = np.random.default_rng(14)
    texts = [text for examples in SLANG.values() for text, _ in examples]
    texts += [
        write_comment(language, sentiment, rng)
        for language in COMMENT_TEMPLATES
        for sentiment in SENTIMENTS
        for _ in range(20)
    ]
    letters = list("abcdeéfghijklmnopqrstuvwxyzçãñüß'😂🔥 ")
    texts += ["".join(rng.choice(letters, int(rng.integers(1, 60)))) for _ in range(200)]
    texts += ["", " ", "a", "ab", "x" * 500, "antidisestablishmentarianism" * 3, "🔥", "?"]
    texts += ["\\ud83d\\ude02 so good \\ud83d", "e\u0301té façade naïve"]
    model = shipped_model()
    for language in (*sorted(SLANG), None, "xx"):
        model.cache.clear()
        fast = model.logits(texts, language)
        again = model.logits(texts, language)  # n-gram ids from the word cache
        plain = reference_logits(model, texts, language)
        assert np.array_equal(fast, plain), language
        assert np.array_equal(again, plain), language
    words = list(model.cache)
    batched = [model.cache[word] for word in words]
    model.cache.clear()
    assert [model.gram_ids(word) for word in words] == batched


def test_batch_language_detection_gives_py3langids_own_answers() -> None:
    """`detect_many` walks py3langid's automaton for all texts at once; answers must not move."""
    rng = np.random.default_rng(7)
    texts = [text for text, _ in LANGUAGES]
    texts += [text for examples in SLANG.values() for text, _ in examples]
    texts += [
        write_comment(language, sentiment, rng)
        for language in sorted(COMMENT_TEMPLATES)
        for sentiment in SENTIMENTS
        for _ in range(8)
    ]
    texts += [
        "",
        "a",
        "x" * 700,
        "long words here " * 200,
        "Ünïcödé ÇÃO " * 40,
        "\u00e9t\u00e9",
        "AAAA BBBB",
    ]
    model = identifier()
    batch = batch_identifier().classify_many(texts)
    for text, (language, confidence) in zip(texts, batch, strict=True):
        expected, expected_confidence = model.classify(text)
        assert (language, round(confidence, 4)) == (expected, round(expected_confidence, 4)), text
    assert detect_many(texts) == [detect(text) for text in texts]
    assert detect_many([]) == []
