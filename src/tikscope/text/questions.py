"""Which comments ask something, in English, Spanish, Portuguese, French and German.

A comment asks when it holds a question mark (``?``, or Spanish ``¿``), or when it is a short
question without one that opens with a question word ("where did you buy that",
"onde comprou") — the rule the sentiment model already uses for its question feature
(`features.asks`). Rhetorical questions ("why would anyone buy this?") count too: telling them
apart needs the sentiment, which the caller has.

`QUESTION_STOP_WORDS` are the words a question is made of whatever it asks about (question words,
auxiliaries, pronouns); the themes of questions leave them out.
"""

from __future__ import annotations

from tikscope.text.features import QUESTION_WORDS, asks, normalize

AUXILIARIES = """
do does did can could would will should is are was were have has had you your yours it this that
these those there any anyone someone get got use using much many long often
hay tienes tiene puedo puedes es está esta son este esto usas usa lo la
tem você voce vc pode posso é esse essa isso usa usou
est-ce est ce tu vous peux peut as avez utilises cette ça ca il y
gibt ist sind du hast kann kannst man ihr dieser diese das es den dem einen einem
"""
QUESTION_STOP_WORDS = QUESTION_WORDS | frozenset(AUXILIARIES.split())
"""Words every kind of question uses; a question's theme is one of its other words."""


def is_question(text: str) -> bool:
    """Whether a comment asks something.

    Args:
        text: the comment as written.

    Returns:
        True when it holds ``?`` or ``¿``, or opens with a question word (`features.asks`).
    """
    return "?" in text or "¿" in text or asks(normalize(text))
