"""The language of a comment, offline, with py3langid's model (shipped inside the package).

py3langid (a maintained fork of langid.py, Lui and Baldwin 2012) is a naive Bayes classifier over
byte n-grams covering 97 languages. Comments are short and full of things that are no language,
so before asking it tikscope drops mentions, links and emoji, answers `und` (undetermined, BCP 47)
for a text with no letters left, reads laughter alone by its spelling ("kkkk" and "rsrs" are
Portuguese, "jajaja" Spanish, "mdr" French), and restricts the model to the languages commonly
written on TikTok, which halves its mistakes on short texts. When the model is unsure, a word of
the sentiment lexicon that belongs to one language only ("amei", "geil") decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from tikscope.text.features import LEXICON, MENTION, URL
from tikscope.text.langid_batch import BatchIdentifier

UNDETERMINED = "und"
CANDIDATE_CODES = (
    "en es pt fr de it nl pl tr ru uk ar hi id vi th ja ko zh sv da no fi cs ro hu el he fa ms tl"
)
CANDIDATES = CANDIDATE_CODES.split()
"""Languages the detector chooses from: those commonly written on TikTok."""
UNSURE_BELOW = 0.5
LAUGHTER_LANGUAGE = (
    (re.compile(r"^(?:k{3,}|(?:rs){2,}|(?:hu)e(?:hu)+e?)$"), "pt"),
    (re.compile(r"^(?:(?:ja){2,}j?|(?:je){2,}|(?:ji){2,})$"), "es"),
    (re.compile(r"^(?:mdr+|ptdr+)$"), "fr"),
    (re.compile(r"^(?:a?(?:ha){2,}h?|lol+|lmf?ao+)$"), "en"),
)
WORD = re.compile(r"[^\W\d_]+")
OWN_WORDS: dict[str, str] = {}
for _language, (_positive, _negative) in LEXICON.items():
    for _word in (_positive + " " + _negative).split():
        if "_" in _word:
            continue
        OWN_WORDS[_word] = UNDETERMINED if _word in OWN_WORDS else _language


def detector_version() -> str:
    """The detector and its version, as recorded with each scored comment."""
    return f"py3langid {version('py3langid')}"


@cache
def identifier() -> LanguageIdentifier:
    """py3langid's model, loaded once per process (about a second)."""
    loaded = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    loaded.set_languages(CANDIDATES)
    return loaded


@cache
def batch_identifier() -> BatchIdentifier:
    """The same model as `identifier`, as arrays for scoring many texts at once."""
    return BatchIdentifier.of(identifier())


def detect(text: str) -> str:
    """An ISO 639-1 code for the language of `text`, or `und` when it has no words to go by."""
    return detect_many([text])[0]


def detect_many(texts: Sequence[str]) -> list[str]:
    """`detect` of each text, in order; the model scores them all in one batch."""
    found: list[str | None] = []
    asked: list[int] = []
    words_of: list[list[str]] = []
    for text in texts:
        words = WORD.findall(URL.sub(" ", MENTION.sub(" ", text.lower())))
        found.append(before_model(words))
        if found[-1] is None:
            asked.append(len(found) - 1)
            words_of.append(words)
    joined = [" ".join(words) for words in words_of]
    guesses = batch_identifier().classify_many(joined) if len(joined) > 1 else None
    if guesses is None:
        guesses = [identifier().classify(text) for text in joined]
    for position, words, (language, confidence) in zip(asked, words_of, guesses, strict=True):
        found[position] = after_model(words, str(language), confidence)
    return [language or UNDETERMINED for language in found]


def before_model(words: list[str]) -> str | None:
    """The language when the words decide it without the model: none, or laughter alone."""
    if not words:
        return UNDETERMINED
    if len(words) == 1:
        for pattern, language in LAUGHTER_LANGUAGE:
            if pattern.match(words[0]):
                return language
    return None


def after_model(words: list[str], language: str, confidence: float) -> str:
    """The model's language, or a lexicon word of one language when the model is unsure."""
    if confidence >= UNSURE_BELOW:
        return language
    hints = {OWN_WORDS[word] for word in words if word in OWN_WORDS} - {UNDETERMINED}
    if len(hints) == 1:
        return hints.pop()
    return language
