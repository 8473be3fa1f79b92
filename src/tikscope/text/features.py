"""Turning a comment into the strings the sentiment model weighs.

Training (training/sentiment.py) and inference (tikscope.text.sentiment) share this code, so the
model file holds only a vocabulary and weights. The text is normalised for social-media speech
first: links, mentions and numbers become placeholders, letters repeated three or more times are
cut to two ("soooo" -> "soo"), laughter in any of the five languages ("hahaha", "jajaja",
"kkkk", "rsrs", "mdr", "ptdr", "lol", "xD") becomes one token, and emoji add a token for their
feeling beside themselves. A small hand-written list of words per language ("fire", "slay",
"amei", "genial", "nul", "geil") adds polarity tokens, so slang absent from the training tweets
still moves the score through the polarity tokens that common words taught the model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from itertools import pairwise

LAUGH = "_laugh_"
POSITIVE = "_pos_"
NEGATIVE = "_neg_"
EMOJI_POSITIVE = "_emo_pos_"
EMOJI_NEGATIVE = "_emo_neg_"
EMOJI_LAUGH = "_emo_laugh_"
NEGATION = "_not_"

ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
URL = re.compile(r"https?://\S*|www\.\S+|\bhttp\b")
MENTION = re.compile(r"@\w+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
REPEATED = re.compile(r"(.)\1{2,}")
TOKEN = re.compile(r"\w+|[^\w\s]")
LAUGHTER = re.compile(
    r"^(?:a?(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}|(?:ja){2,}j?|(?:je){2,}|(?:ji){2,}|"
    r"(?:ka){2,}|k{3,}|(?:rs){2,}|(?:hu)e(?:hu)+e?|lol+|lmf?ao+|rofl|mdr+|ptdr+|xd+|"
    r"(?:ah){2,}|(?:ha)+h?a?|kk+)$"
)

# Emoji whose feeling is clear in comments. On TikTok the skull and the loudly crying face mean
# "that is so funny", not death and grief, so they count as laughter.
EMOJI_LAUGHING = set("😂🤣😆😹💀😭😅😁")
EMOJI_GOOD = set(
    "😍🥰😘😊☺🙂😃😄😀🤩🥳😎👍👏🙌💪🔥💯✨⭐🌟🎉🎊❤♥💕💖💗💓💞💘💝💜💙💚💛🧡🤍🖤🤎😻🤗🙏👌🤤😋🫶🥹🏆🥇💐🌹"
)
EMOJI_BAD = set("😡😠🤬👎💔😢😞😔😟😩😫🙄😒🤮🤢😤😑😐😕🙁☹😣😖😓😰😱🤡💩🖕😬")

# Hand-written polarity words per language, social-media speech first. They do not replace what
# the model learned: each adds one polarity token, whose weight the model learned from the
# common words of the list that the training tweets do contain.
LEXICON: dict[str, tuple[str, str]] = {
    "en": (
        "love loved loving lovely amazing awesome great good best beautiful fire goat goated slay "
        "slayed slaying iconic obsessed perfect perfection legend legendary queen king fav fave "
        "favorite favourite wow cute gorgeous stunning excellent fantastic wonderful brilliant "
        "incredible nice cool happy glad lit banger masterpiece talented thank thanks thx ty yay "
        "enjoy enjoyed fun funny hilarious adorable superb based chef's valid w dope epic bussin "
        "excited congrats congratulations proud win winning",
        "hate hated hating bad worst awful terrible horrible trash garbage cringe mid boring "
        "disgusting gross ugly sad angry annoying annoyed stupid dumb fake scam flop flopped ew "
        "eww yikes wtf sucks suck sucked disappointed disappointing disappointment worse lame "
        "pathetic ridiculous rude fail failed ratio unfollow unfollowed overrated mad upset "
        "sick tired hurt cry crying unfortunately poor waste wrong clickbait overpriced "
        "too_expensive broken",
    ),
    "es": (
        "amo amé encanta encantó encantan me_encanta genial increíble increible hermoso hermosa "
        "bello bella precioso preciosa lindo linda bonito bonita perfecto perfecta excelente "
        "maravilloso maravillosa mejor buenísimo buenisimo bueno buena feliz gracias felicidades "
        "enhorabuena crack grande top brutal espectacular guapo guapa divertido chulo mola "
        "fuego ídolo idolo reina rey bravo orgullo orgullosa orgulloso ame quiero",
        "odio odié odie horrible malo mala peor asco asqueroso pésimo pesimo terrible triste feo "
        "fea aburrido aburrida basura fraude decepción decepcion decepcionado mierda vergüenza "
        "verguenza ridículo ridiculo estúpido estupido tonto falso mal lamentable cansado harto "
        "harta enojado enojada enfadado cringe muy_caro demasiado_caro roto rota",
    ),
    "pt": (
        "amei amo adorei adoro lindo linda lindos lindas maravilhoso maravilhosa perfeito "
        "perfeita incrível incrivel ótimo otimo ótima otima bom boa melhor demais top sensacional "
        "maravilha parabéns parabens obrigado obrigada feliz show arrasou arrasa arrasando "
        "diva rainha rei fofo fofa gostei gosto massa brabo braba foda incrivel espetacular "
        "orgulho lindíssimo lindissima bonito bonita legal excelente amor",
        "odeio odiei ruim péssimo pessimo péssima horrível horrivel pior chato chata triste feio "
        "feia nojo nojento nojenta lixo vergonha ridículo ridiculo decepção decepcao decepcionado "
        "merda burro burra falso falsa fraco fraca mal cansado raiva absurdo chatice "
        "não_gostei nao_gostei lamentável lamentavel mentira cringe caro_demais muito_caro "
        "quebrado quebrada",
    ),
    "fr": (
        "adore adoré j'adore aime génial genial magnifique superbe parfait parfaite excellent "
        "excellente merveilleux merveilleuse incroyable bravo merci super top trop_bien beau "
        "belle bien meilleur meilleure heureux heureuse content contente joli jolie sublime "
        "canon ouf dingue magique chef-d'œuvre mdr masterclass félicitations felicitations "
        "fier fière reine roi trop_fort",
        "déteste deteste nul nulle horrible mauvais mauvaise pire triste moche honte ridicule "
        "dégoûtant degoutant dégueulasse degueulasse décevant decevant déçu decu déçue naze "
        "ennuyeux ennuyeuse merde con conne stupide arnaque faux fausse malheureusement "
        "fatigué fatigue énervé enerve colère colere grave chiant chiante cringe trop_cher "
        "trop_chère trop_chers trop_chere cassé cassée",
    ),
    "de": (
        "liebe lieben geil mega super toll schön schoen wunderschön wunderschoen perfekt genial "
        "großartig grossartig klasse hammer stark fantastisch wunderbar danke glücklich "
        "gluecklich gut besser beste bester lustig süß suess cool krass ehrenmann ehrenfrau "
        "königin koenigin legende bravo endlich freue froh sympathisch empfehlen",
        "hasse hass schlecht schlechter schlechteste schrecklich furchtbar scheiße scheisse "
        "mist langweilig hässlich haesslich traurig enttäuscht enttaeuscht enttäuschend peinlich "
        "dumm blöd bloed nervig nervt ekelhaft widerlich katastrophe lächerlich laecherlich "
        "betrug fake schade leider wütend wuetend sauer müll muell cringe zu_teuer kaputt",
    ),
}
ASK = "_ask_"
QUESTION_STARTS = """
what where which how who whats what's where's how's wheres
dónde cómo cuál cuándo quién
onde qual quais
quoi où comment c'est_quoi
wo wie welche welcher welches wann woher warum
"""
QUESTION_ALSO = """
when why qué que donde como cual cuando quien quando quem ou quand qui pourquoi quel quelle
quels quelles was wer
"""
QUESTION_YES_NO = """
is are was were do does did can could will would should have has any anyone
hay hacen haces tienen tienes tiene venden vendes envían envian es está esta puedo puedes se
tem têm vocês voces você voce vcs vc vende vendem entregam enviam é pode posso dá da faz fazem
vous tu est-ce y avez as peut peux livrez vendez
gibt habt hast hat kann kannst können koennen liefert liefern verkauft verschickt ist sind
"""
QUESTION_FIRST = frozenset(QUESTION_STARTS.split())
"""Words that open a question wherever they stand first ("where did you buy that")."""
QUESTION_WORDS = QUESTION_FIRST | frozenset(QUESTION_ALSO.split())
"""Words that make a text ending in "?" a question when among its first four words."""
QUESTION_OPENERS = frozenset(QUESTION_YES_NO.split())
"""Words that open a yes/no question ("is this available in Europe?", "vous livrez en France ?",
"gibt es die auch in groß?") when the text ends in "?"."""
PRIORS: dict[str, tuple[float, float, float]] = {
    LAUGH: (-2.0, -2.0, 4.0),
    EMOJI_LAUGH: (-2.0, -2.0, 4.0),
    ASK: (-5.0, 10.0, -5.0),
    POSITIVE: (-6.0, -2.0, 8.0),
    NEGATIVE: (8.0, -2.0, -6.0),
}
"""Hand-set (negative, neutral, positive) weights added to what the model learned, for TikTok
habits the training tweets lack or contradict: laughter and laughing emoji (😂 💀 😭) are
praise under a video, and a short question ("what song is this?", "onde comprou?") asks for
information; in the tweets, questions are mostly rhetorical and negative, and 😭 is grief.
A word of the hand-written LEXICON ("awful", "trop cher") is pulled the same way, so that the
character n-grams of the words around it ("service", "refund") cannot outvote it."""

NEGATION_WORDS = """
not no never dont don't didn't isn't wasn't can't cannot won't nothing
nunca nada ni jamás jamas tampoco
não nao nem jamais
ne pas rien aucun aucune
nicht nie kein keine keinen keiner nichts niemals
"""
NEGATIONS = frozenset(NEGATION_WORDS.split())
PHRASES = {
    "me encanta": "me_encanta",
    "não gostei": "não_gostei",
    "nao gostei": "nao_gostei",
    "trop bien": "trop_bien",
    "trop fort": "trop_fort",
    "c'est quoi": "c'est_quoi",
    # "Too expensive": negative in every language, though its words alone are not.
    "too expensive": "too_expensive",
    "muy caro": "muy_caro",
    "muy cara": "muy_caro",
    "demasiado caro": "demasiado_caro",
    "demasiado cara": "demasiado_caro",
    "caro demais": "caro_demais",
    "cara demais": "caro_demais",
    "muito caro": "muito_caro",
    "trop cher": "trop_cher",
    "zu teuer": "zu_teuer",
    # Idioms that mean "that is so funny" under a video: read as laughter.
    "im dead": "hahaha",
    "i'm dead": "hahaha",
    "i’m dead": "hahaha",
    "me muero": "jajaja",
    "je suis mort": "mdr",
    "morri de rir": "kkkk",
    "morrendo de rir": "kkkk",
    "ich kann nicht mehr": "hahaha",
    "ich sterbe": "hahaha",
}
POLARITY: dict[str, dict[str, str]] = {
    language: {
        **dict.fromkeys(positive.split(), POSITIVE),
        **dict.fromkeys(negative.split(), NEGATIVE),
    }
    for language, (positive, negative) in LEXICON.items()
}
ANY_POLARITY: dict[str, str] = {
    word: token for words in POLARITY.values() for word, token in words.items()
}
CHAR_SIZES = (2, 3, 4, 5)


def asks(text: str) -> bool:
    """Whether a normalised text is a short question for information ("what song is this?").

    A question word first ("where did you buy that"), or a text ending in "?" that has a question
    word among its first four words ("tu l'as acheté où ?") or opens as a yes/no question does
    ("is this available in Europe?", "¿hacen envíos a México?", "tem em azul?").
    """
    words = text.split()
    if not words or len(words) > 12:
        return False
    first = words[0].lstrip("¿¡")
    if first in QUESTION_FIRST:
        return True
    if not text.rstrip().endswith("?"):
        return False
    return first in QUESTION_OPENERS or any(
        word.lstrip("¿¡") in QUESTION_WORDS for word in words[:4]
    )


def normalize(text: str) -> str:
    """Lower-cased text with placeholders for links, mentions and numbers, repeats cut to two."""
    if "\\u" in text:
        text = ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)
    text = unicodedata.normalize("NFC", text).lower()
    text = URL.sub(" _url_ ", text)
    text = MENTION.sub(" _user_ ", text)
    text = NUMBER.sub("0", text)
    for phrase, joined in PHRASES.items():
        if phrase in text:
            text = text.replace(phrase, joined)
    return REPEATED.sub(r"\1\1", text)


def tokens(text: str, language: str | None, lexicon: Mapping[str, str] | None = None) -> list[str]:
    """The words, emoji and added tokens of a normalised text (not its character n-grams).

    `lexicon` (word -> polarity token), from the model file, adds to the hand-written words.
    """
    polarity = POLARITY.get(language or "", ANY_POLARITY)
    found: list[str] = []
    if asks(text):
        found.append(ASK)
    negated = 0
    for token in TOKEN.findall(text):
        if token in EMOJI_LAUGHING:
            found.append(token)
            found.append(EMOJI_LAUGH)
            continue
        if token in EMOJI_GOOD:
            found.append(token)
            found.append(EMOJI_POSITIVE)
            continue
        if token in EMOJI_BAD:
            found.append(token)
            found.append(EMOJI_NEGATIVE)
            continue
        if len(token) > 1 and LAUGHTER.match(token):
            found.append(LAUGH)
            continue
        if token in NEGATIONS:
            negated = 3
            found.append(token)
            found.append(NEGATION)
            continue
        found.append(token)
        mark = polarity.get(token)
        if mark is not None:
            if negated:
                mark = NEGATIVE if mark == POSITIVE else POSITIVE
            found.append(mark)
        elif lexicon is not None:
            mark = lexicon.get(token)
            if mark is not None:
                found.append(f"{mark}~" if negated else mark)
        if negated:
            negated -= 1
    return found


def features(
    text: str, language: str | None, lexicon: Mapping[str, str] | None = None
) -> list[str]:
    """Every feature string of one comment, repeated as often as it occurs.

    Words and added tokens, word pairs (prefixed ``2:``) and character n-grams of 2 to 5 letters
    inside each word with its boundaries marked by spaces (prefixed ``c:``).
    """
    found, words = split_features(text, language, lexicon)
    for word in words:
        found.extend(word_grams(word))
    return found


def split_features(
    text: str, language: str | None, lexicon: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """The word-level features of `features`, and the words whose character n-grams it adds."""
    words = tokens(normalize(text), language, lexicon)
    found = list(words)
    found.extend(f"2:{first} {second}" for first, second in pairwise(words))
    return found, [word for word in words if word[0] != "_" and len(word) > 1]


@lru_cache(maxsize=100_000)
def word_grams(word: str) -> tuple[str, ...]:
    """The character n-grams of one word (cached: most words of comments recur)."""
    padded = f" {word} "
    length = len(padded)
    return tuple(
        f"c:{padded[i : i + size]}" for size in CHAR_SIZES for i in range(length - size + 1)
    )
