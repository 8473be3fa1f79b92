"""Bio tokenization: lowercase words and emojis, each a term of a member's bio.

A bio is split on whitespace, and each whitespace-separated chunk into words (runs of Unicode
letters, digits and underscores) and emojis (one pictograph with its modifiers, a ZWJ sequence, or
a flag). Everything else (punctuation, ``#`` and ``@``) separates tokens, so ``#plantmom`` is
``plantmom``. Stop words and one-character words are dropped; emojis are kept.

# NOTE: a token never spans whitespace, so tokenizing each distinct chunk once and reusing the
# result is the same as tokenizing every bio; `attributes.bag_of_words` relies on it for speed.
"""

from __future__ import annotations

import re
import unicodedata

PICTOGRAPH = "[\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]"
MODIFIER = "[\ufe0f\u20e3\U0001f3fb-\U0001f3ff]"
FLAG = "[\U0001f1e6-\U0001f1ff]{2}"
EMOJI = f"{FLAG}|{PICTOGRAPH}{MODIFIER}*(?:\u200d{PICTOGRAPH}{MODIFIER}*)*"
TOKEN = re.compile(rf"{EMOJI}|\w+")

STOP_WORDS_TEXT = """
an and are as at be but by for from he her his if in is it its me my no not of on or our she so
that the their they this to was we with you your
al con de del el en es la las lo los mi mis para por que su un una y
as com da das do dos em meu minha na no os um uma
au ce des du et le les ma mon ne pas pour sur une
das der die ein eine ich mit und
di il per
"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())
"""Function words of six languages, kept few on purpose: content words carry the signal."""


def tokenize(text: str) -> list[str]:
    """The terms of one text, in order, repeats kept.

    Args:
        text: a bio, or any part of one.

    Returns:
        Lowercased (NFC-normalized) words of two or more characters that are not stop words,
        and emojis.
    """
    normal = unicodedata.normalize("NFC", text).lower()
    return [token for token in TOKEN.findall(normal) if is_kept(token)]


def is_emoji(token: str) -> bool:
    """Whether a token from `TOKEN` is an emoji rather than a word."""
    return not (token[0].isalnum() or token[0] == "_")


def is_kept(token: str) -> bool:
    """Emojis, and words of two or more characters that are not stop words."""
    return is_emoji(token) or (len(token) >= 2 and token not in STOP_WORDS)
