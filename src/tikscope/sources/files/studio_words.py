"""The words of TikTok Studio exports in each UI language: headers, genders, date words.

Studio writes headers, dates and gender names in the language of its interface. Everything
language-specific lives here, so a new language is a new entry in each table below and no code
changes. Words are matched after folding (no accents, any case, one space between words; see
`common.normalize_word`), so `Visualizações de vídeo` also matches `VISUALIZACOES DE VIDEO`.
Month and weekday names are not listed here: they come from the Unicode CLDR for each of
`UI_LOCALES` (`calendar_words`); only what TikTok writes and CLDR lacks is.

The English headers are those seen in real exports (spec §5); the other languages use the
wording of TikTok Studio's translated interface, with the variants seen in each language.
Dates follow the interface's language even where the headers stay English.
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
    "content": ("link", "post_time"),
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

NOT_IMPORTED: Final[dict[str, str]] = {
    "views_last_7_days": "views of the last 7 days only; post_snapshots.views holds lifetime views",
}
"""Fields tikscope recognizes but does not store -> why, for the import's notes. (FollowerHistory's
`difference` has a note of its own, see `studio_daily.difference_note`.)"""

HEADERS: Final[dict[str, dict[str, dict[str, Words]]]] = {
    "en": {
        "overview": {
            "date": ("Date",),
            "video_views": ("Video Views",),
            "profile_views": ("Profile Views",),
            "likes": ("Likes",),
            "comments": ("Comments",),
            "shares": ("Shares",),
            "new_followers": ("New followers",),
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
            "views_last_7_days": ("Views in the last 7 days",),
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
            "new_followers": ("Nuevos seguidores",),
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
            "views_last_7_days": ("Visualizaciones en los últimos 7 días",),
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
            "new_followers": ("Novos seguidores",),
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
            "views_last_7_days": ("Visualizações nos últimos 7 dias",),
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
            "new_followers": ("Nouveaux followers", "Nouveaux abonnés"),
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
            "views_last_7_days": (
                "Vues des 7 derniers jours",
                "Vues au cours des 7 derniers jours",
            ),
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
            "new_followers": ("Neue Follower",),
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
            "views_last_7_days": ("Aufrufe in den letzten 7 Tagen",),
        },
    },
}
"""Language -> Studio file kind -> field -> the header words for it."""

UI_LOCALES: Final[tuple[str, ...]] = (
    "en", "en_GB", "es", "es_419", "es_PE", "pt", "pt_PT", "fr", "fr_CA", "de", "de_AT",
    "it", "nl", "pl", "cs", "sk", "hu", "ro", "ru", "uk", "bg", "el", "tr", "ar", "he", "ur",
    "hi", "bn", "th", "vi", "id", "ms", "fil", "jv", "ceb", "km", "my", "ja", "ko", "zh",
    "zh_Hant", "sv", "da", "nb", "fi",
)  # fmt: skip
"""The languages of TikTok's interface (with regional variants whose month names differ),
as Babel's locale ids: their month and weekday names come from CLDR (`calendar_words`).

NOTE: a locale whose month name means another month elsewhere (Croatian `listopad` is
October, Polish and Czech November) cannot join without telling the languages apart;
`test_calendar_words_month_names_mean_one_month` guards it."""

MONTHS_MISSING_FROM_CLDR: Final[dict[str, tuple[str, ...]]] = {
    "vi": (
        "tháng Một", "tháng Hai", "tháng Ba", "tháng Tư", "tháng Năm", "tháng Sáu",
        "tháng Bảy", "tháng Tám", "tháng Chín", "tháng Mười", "tháng Mười Một",
        "tháng Mười Hai",
    ),
}  # fmt: skip
"""Language -> the twelve months, January first, as TikTok writes them where CLDR has other
names: Vietnamese months spelled out (`16 tháng Tám`, spec §5; CLDR now has `tháng 8`)."""

DATE_FILLER_WORDS: Final[dict[str, Words]] = {
    "en": ("of", "st", "nd", "rd", "th"),
    "es": ("de", "del"),
    "pt": ("de", "do"),
    "fr": ("er",),
    "ru": ("г",),
    "vi": ("ngày", "năm"),
    "ja": ("日", "年"),
    "zh": ("日", "号", "年"),
    "ko": ("일", "년"),
}
"""Words a written date may hold besides its day, month, year and weekday: `29 de abril`,
`1er mai`, `May 1st`, `2024年9月13日`, `13 ноября 2024 г.`."""

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
