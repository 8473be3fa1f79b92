"""The words of TikTok Studio exports in each UI language: headers, months, genders.

Studio writes headers, dates and gender names in the language of its interface. Everything
language-specific lives here, so a new language is a new entry in each table below and no code
changes. Words are matched after folding (no accents, any case, one space between words; see
`common.normalize_word`), so `Visualizações de vídeo` also matches `VISUALIZACOES DE VIDEO`.

The English headers are those seen in real exports (spec §5); the other languages use the
wording of TikTok Studio's translated interface, with the variants seen in each language.
"""

from __future__ import annotations

from typing import Final

Words = tuple[str, ...]

REQUIRED_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "overview": ("date", "video_views"),
    "follower_history": ("date", "followers"),
    "viewers": ("date", "total_viewers"),
    "follower_activity": ("date", "hour", "active_followers"),
    "follower_gender": ("gender", "distribution"),
    "follower_territories": ("territory", "distribution"),
    "content": ("time", "link", "post_time"),
}
"""Per Studio file kind, the fields its header must have; `HEADERS` lists the optional ones too."""

KIND_LABELS: Final[dict[str, str]] = {
    "overview": "Overview.csv",
    "follower_history": "FollowerHistory.csv",
    "viewers": "Viewers.csv",
    "follower_activity": "FollowerActivity.csv",
    "follower_gender": "FollowerGender.csv",
    "follower_territories": "FollowerTopTerritories.csv",
    "content": "Content.csv",
}
"""The name TikTok gives each kind of file, for messages."""

HEADERS: Final[dict[str, dict[str, dict[str, Words]]]] = {
    "en": {
        "overview": {
            "date": ("Date",),
            "video_views": ("Video Views",),
            "profile_views": ("Profile Views",),
            "likes": ("Likes",),
            "comments": ("Comments",),
            "shares": ("Shares",),
        },
        "follower_history": {
            "date": ("Date",),
            "followers": ("Followers",),
            "difference": ("Difference in followers from previous day",),
        },
        "viewers": {
            "date": ("Date",),
            "total_viewers": ("Total Viewers",),
            "new_viewers": ("New Viewers",),
            "returning_viewers": ("Returning Viewers",),
        },
        "follower_activity": {
            "date": ("Date",),
            "hour": ("Hour",),
            "active_followers": ("Active followers",),
        },
        "follower_gender": {"gender": ("Gender",), "distribution": ("Distribution",)},
        "follower_territories": {
            "territory": ("Top territories",),
            "distribution": ("Distribution",),
        },
        "content": {
            "time": ("Time",),
            "title": ("Video title",),
            "link": ("Video link",),
            "post_time": ("Post time",),
            "likes": ("Total likes",),
            "comments": ("Total comments",),
            "shares": ("Total shares",),
            "views": ("Total views",),
        },
    },
    "es": {
        "overview": {
            "date": ("Fecha",),
            "video_views": ("Visualizaciones de videos", "Visualizaciones de vídeos"),
            "profile_views": ("Visualizaciones del perfil", "Visitas al perfil"),
            "likes": ("Me gusta",),
            "comments": ("Comentarios",),
            "shares": ("Veces compartido", "Compartidos"),
        },
        "follower_history": {
            "date": ("Fecha",),
            "followers": ("Seguidores",),
            "difference": ("Diferencia de seguidores respecto al día anterior",),
        },
        "viewers": {
            "date": ("Fecha",),
            "total_viewers": ("Total de espectadores", "Espectadores totales"),
            "new_viewers": ("Espectadores nuevos", "Nuevos espectadores"),
            "returning_viewers": ("Espectadores recurrentes", "Espectadores que regresan"),
        },
        "follower_activity": {
            "date": ("Fecha",),
            "hour": ("Hora",),
            "active_followers": ("Seguidores activos",),
        },
        "follower_gender": {"gender": ("Género", "Sexo"), "distribution": ("Distribución",)},
        "follower_territories": {
            "territory": ("Principales territorios", "Territorios principales"),
            "distribution": ("Distribución",),
        },
        "content": {
            "time": ("Hora", "Fecha"),
            "title": ("Título del video", "Título del vídeo"),
            "link": ("Enlace del video", "Enlace del vídeo"),
            "post_time": ("Hora de publicación", "Fecha de publicación"),
            "likes": ("Total de me gusta",),
            "comments": ("Total de comentarios",),
            "shares": ("Total de veces compartido", "Total de compartidos"),
            "views": ("Total de visualizaciones",),
        },
    },
    "pt": {
        "overview": {
            "date": ("Data",),
            "video_views": ("Visualizações de vídeo", "Visualizações de vídeos"),
            "profile_views": ("Visualizações do perfil",),
            "likes": ("Curtidas",),
            "comments": ("Comentários",),
            "shares": ("Compartilhamentos",),
        },
        "follower_history": {
            "date": ("Data",),
            "followers": ("Seguidores",),
            "difference": ("Diferença de seguidores em relação ao dia anterior",),
        },
        "viewers": {
            "date": ("Data",),
            "total_viewers": ("Total de espectadores", "Espectadores totais"),
            "new_viewers": ("Novos espectadores",),
            "returning_viewers": ("Espectadores recorrentes", "Espectadores que retornaram"),
        },
        "follower_activity": {
            "date": ("Data",),
            "hour": ("Hora",),
            "active_followers": ("Seguidores ativos",),
        },
        "follower_gender": {"gender": ("Gênero", "Género"), "distribution": ("Distribuição",)},
        "follower_territories": {
            "territory": ("Principais territórios",),
            "distribution": ("Distribuição",),
        },
        "content": {
            "time": ("Hora", "Data"),
            "title": ("Título do vídeo",),
            "link": ("Link do vídeo",),
            "post_time": ("Horário da publicação", "Hora da publicação", "Data de publicação"),
            "likes": ("Total de curtidas",),
            "comments": ("Total de comentários",),
            "shares": ("Total de compartilhamentos",),
            "views": ("Total de visualizações",),
        },
    },
    "fr": {
        "overview": {
            "date": ("Date",),
            "video_views": ("Vues de vidéos", "Vues des vidéos"),
            "profile_views": ("Vues du profil",),
            "likes": ("J'aime",),
            "comments": ("Commentaires",),
            "shares": ("Partages",),
        },
        "follower_history": {
            "date": ("Date",),
            "followers": ("Followers", "Abonnés"),
            "difference": ("Différence de followers par rapport à la veille",),
        },
        "viewers": {
            "date": ("Date",),
            "total_viewers": ("Nombre total de spectateurs", "Total des spectateurs"),
            "new_viewers": ("Nouveaux spectateurs",),
            "returning_viewers": ("Spectateurs récurrents", "Spectateurs fidèles"),
        },
        "follower_activity": {
            "date": ("Date",),
            "hour": ("Heure",),
            "active_followers": ("Followers actifs", "Abonnés actifs"),
        },
        "follower_gender": {"gender": ("Genre", "Sexe"), "distribution": ("Répartition",)},
        "follower_territories": {
            "territory": ("Principaux territoires",),
            "distribution": ("Répartition",),
        },
        "content": {
            "time": ("Heure", "Date"),
            "title": ("Titre de la vidéo",),
            "link": ("Lien de la vidéo",),
            "post_time": ("Heure de publication", "Date de publication"),
            "likes": ("Total de J'aime", "Nombre total de J'aime"),
            "comments": ("Total de commentaires", "Nombre total de commentaires"),
            "shares": ("Total de partages", "Nombre total de partages"),
            "views": ("Total de vues", "Nombre total de vues"),
        },
    },
    "de": {
        "overview": {
            "date": ("Datum",),
            "video_views": ("Videoaufrufe", "Video-Aufrufe"),
            "profile_views": ("Profilaufrufe", "Profil-Aufrufe"),
            "likes": ("Likes", "„Gefällt mir“-Angaben"),
            "comments": ("Kommentare",),
            "shares": ("Geteilte Inhalte", "Teilungen"),
        },
        "follower_history": {
            "date": ("Datum",),
            "followers": ("Follower",),
            "difference": ("Unterschied bei Followern zum Vortag",),
        },
        "viewers": {
            "date": ("Datum",),
            "total_viewers": ("Zuschauer insgesamt",),
            "new_viewers": ("Neue Zuschauer",),
            "returning_viewers": ("Wiederkehrende Zuschauer",),
        },
        "follower_activity": {
            "date": ("Datum",),
            "hour": ("Stunde", "Uhrzeit"),
            "active_followers": ("Aktive Follower",),
        },
        "follower_gender": {"gender": ("Geschlecht",), "distribution": ("Verteilung",)},
        "follower_territories": {
            "territory": ("Top-Regionen", "Wichtigste Regionen"),
            "distribution": ("Verteilung",),
        },
        "content": {
            "time": ("Zeit", "Uhrzeit"),
            "title": ("Videotitel",),
            "link": ("Videolink",),
            "post_time": ("Veröffentlichungszeit", "Veröffentlicht am"),
            "likes": ("Likes insgesamt",),
            "comments": ("Kommentare insgesamt",),
            "shares": ("Geteilte Inhalte insgesamt", "Geteilt insgesamt"),
            "views": ("Aufrufe insgesamt",),
        },
    },
}
"""Language -> Studio file kind -> field -> the header words for it."""

MONTHS: Final[dict[str, tuple[Words, ...]]] = {
    "en": (
        ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"),
        ("May",), ("June", "Jun"), ("July", "Jul"), ("August", "Aug"),
        ("September", "Sep", "Sept"), ("October", "Oct"), ("November", "Nov"),
        ("December", "Dec"),
    ),
    "es": (
        ("enero", "ene"), ("febrero", "feb"), ("marzo", "mar"), ("abril", "abr"),
        ("mayo", "may"), ("junio", "jun"), ("julio", "jul"), ("agosto", "ago"),
        ("septiembre", "setiembre", "sep", "sept", "set"), ("octubre", "oct"),
        ("noviembre", "nov"), ("diciembre", "dic"),
    ),
    "pt": (
        ("janeiro", "jan"), ("fevereiro", "fev"), ("março", "mar"), ("abril", "abr"),
        ("maio", "mai"), ("junho", "jun"), ("julho", "jul"), ("agosto", "ago"),
        ("setembro", "set"), ("outubro", "out"), ("novembro", "nov"), ("dezembro", "dez"),
    ),
    "fr": (
        ("janvier", "janv"), ("février", "févr", "fevr"), ("mars",), ("avril", "avr"),
        ("mai",), ("juin",), ("juillet", "juil"), ("août",),
        ("septembre", "sept"), ("octobre", "oct"), ("novembre", "nov"),
        ("décembre", "déc"),
    ),
    "de": (
        ("Januar", "Jänner", "Jan"), ("Februar", "Feb"), ("März", "Maerz", "Mär"),
        ("April", "Apr"), ("Mai",), ("Juni", "Jun"), ("Juli", "Jul"), ("August", "Aug"),
        ("September", "Sep", "Sept"), ("Oktober", "Okt"), ("November", "Nov"),
        ("Dezember", "Dez"),
    ),
}  # fmt: skip
"""Language -> the twelve months, January first, each with its full name and abbreviations."""

DATE_FILLER_WORDS: Final[dict[str, Words]] = {
    "en": ("of", "st", "nd", "rd", "th"),
    "es": ("de", "del"),
    "pt": ("de", "do"),
    "fr": ("er",),
    "de": (),
}
"""Words a written date may hold besides the month: `29 de abril`, `1er mai`, `May 1st`."""

GENDERS: Final[dict[str, dict[str, Words]]] = {
    "en": {"female": ("Female",), "male": ("Male",), "other": ("Other", "Others")},
    "es": {
        "female": ("Mujer", "Femenino"),
        "male": ("Hombre", "Masculino"),
        "other": ("Otro", "Otros"),
    },
    "pt": {
        "female": ("Feminino", "Mulher"),
        "male": ("Masculino", "Homem"),
        "other": ("Outro", "Outros"),
    },
    "fr": {
        "female": ("Femme", "Féminin"),
        "male": ("Homme", "Masculin"),
        "other": ("Autre", "Autres"),
    },
    "de": {
        "female": ("Weiblich", "Frau"),
        "male": ("Männlich", "Mann"),
        "other": ("Divers", "Andere"),
    },
}
"""Language -> stored gender (`female`, `male`, `other`) -> the words Studio writes for it."""

OTHER_TERRITORIES: Final[dict[str, Words]] = {
    "en": ("Others", "Other"),
    "es": ("Otros", "Otras"),
    "pt": ("Outros", "Outras"),
    "fr": ("Autres",),
    "de": ("Andere", "Sonstige"),
}
"""Language -> the words of the `Others` row of FollowerTopTerritories.csv (stored as `Others`)."""
