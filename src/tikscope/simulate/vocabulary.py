"""Words the simulator writes: captions, hashtags, sounds, and comments in several languages."""

from __future__ import annotations

POST_TOPICS = (
    "Repotting a monstera in 30 seconds",
    "Watering mistakes everyone makes",
    "Our new terracotta pots are here",
    "Propagating pothos in water",
    "Balcony makeover on a budget",
    "Why your fiddle leaf fig drops leaves",
    "Packing orders with us",
    "Rare plant unboxing",
    "Soil mix recipe for succulents",
    "Plant shelf styling ideas",
    "Saving a dying calathea",
    "Behind the scenes at the greenhouse",
    "Five plants that survive low light",
    "Pet-safe plants for your home",
    "Customer plant glow-up",
)

HASHTAGS = (
    "plants",
    "planttok",
    "houseplants",
    "plantsoftiktok",
    "monstera",
    "plantcare",
    "urbanjungle",
    "succulents",
    "interiordesign",
    "homedecor",
    "diy",
    "smallbusiness",
    "gardening",
    "balcony",
    "fyp",
    "foryou",
    "plantmom",
    "propagation",
    "pothos",
    "plantasdeinterior",
    "plantas",
)

SENTIMENTS = ("positive", "neutral", "negative")

# Templates per language and sentiment; {thing} is filled with a word from THINGS.
COMMENT_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": (
            "I love this {thing} so much!",
            "This is amazing, thank you for sharing 😍",
            "Best {thing} I've seen all week",
            "So beautiful, my {thing} is jealous",
            "Great tips, this really helped me",
        ),
        "neutral": (
            "Where did you get the {thing}?",
            "How often do you water it?",
            "What size is the {thing}?",
            "Which soil mix do you use?",
            "Is this available in Europe?",
        ),
        "negative": (
            "My order arrived broken, not happy",
            "This {thing} is way too expensive",
            "Terrible advice, my plant died",
            "Still waiting for my refund, awful service",
            "This is boring, unfollowing",
        ),
    },
    "es": {
        "positive": (
            "¡Me encanta esta {thing}!",
            "Qué bonito, gracias por compartir 😍",
            "Increíble, me ayudó mucho",
            "La mejor {thing} que he visto",
        ),
        "neutral": (
            "¿Dónde compraste la {thing}?",
            "¿Cada cuánto la riegas?",
            "¿Hacen envíos a México?",
            "¿Qué tierra usas?",
        ),
        "negative": (
            "Mi pedido llegó roto, muy mal",
            "Demasiado caro, no vale la pena",
            "Pésimo servicio, nadie responde",
            "Horrible, mi planta se murió",
        ),
    },
    "pt": {
        "positive": (
            "Amei essa {thing}!",
            "Que lindo, obrigada por compartilhar 😍",
            "Perfeito, ajudou muito",
            "A melhor {thing} que já vi",
        ),
        "neutral": (
            "Onde você comprou a {thing}?",
            "Com que frequência você rega?",
            "Vocês entregam no Brasil?",
            "Qual substrato você usa?",
        ),
        "negative": (
            "Meu pedido chegou quebrado, péssimo",
            "Muito caro, não vale a pena",
            "Atendimento horrível, ninguém responde",
            "Minha planta morreu, que decepção",
        ),
    },
    "fr": {
        "positive": ("J'adore cette {thing} !", "Magnifique, merci 😍"),
        "neutral": ("Où avez-vous acheté la {thing} ?", "Vous livrez en France ?"),
        "negative": ("Commande arrivée cassée, déçue", "Beaucoup trop cher"),
    },
    "de": {
        "positive": ("Ich liebe diese {thing}!", "Wunderschön, danke 😍"),
        "neutral": ("Wo gibt es die {thing}?", "Liefert ihr nach Deutschland?"),
        "negative": ("Bestellung kam kaputt an, enttäuscht", "Viel zu teuer"),
    },
}

THINGS: dict[str, tuple[str, ...]] = {
    "en": ("plant", "pot", "monstera", "shelf", "setup"),
    "es": ("planta", "maceta", "monstera", "estantería"),
    "pt": ("planta", "vaso", "monstera", "estante"),
    "fr": ("plante", "pot", "monstera"),
    "de": ("Pflanze", "Topf", "Monstera"),
}

OWNER_REPLIES: dict[str, dict[str, str]] = {
    "en": {
        "Thank you! 💚": "positive",
        "Check the link in our bio!": "neutral",
        "Sorry to hear that, please DM us": "neutral",
    },
    "es": {"¡Gracias! 💚": "positive", "Escríbenos por DM, lo solucionamos": "neutral"},
    "pt": {"Obrigada! 💚": "positive", "Chama a gente no DM": "neutral"},
    "fr": {"Merci ! 💚": "positive"},
    "de": {"Danke! 💚": "positive"},
}
"""The account's replies per language, each with its planted sentiment: a pointer to the bio
or an offer to sort a complaint out by direct message is neutral, not praise."""
