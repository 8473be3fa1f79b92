"""Who follows a plants & home shop: the community profiles and background the simulator draws from.

Everything here is data. Each community has its own bio vocabulary, interests, age and country
profile, laid over a shared background that every member draws from as well. Weights are relative
(they need not sum to one) and are written compactly as ``"key:weight key:weight"``.

# NOTE: no community word appears in another community's vocabulary or in the background, so a
# word in a bio points at one community; tests check this.
"""

from __future__ import annotations

from dataclasses import dataclass

AGE_BUCKETS: tuple[str, ...] = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
GENDERS: tuple[str, ...] = ("female", "male", "other")
GENDER_WEIGHTS: tuple[float, ...] = (0.62, 0.35, 0.03)
"""The one gender distribution for everyone: the negative control, independent of community."""


@dataclass(frozen=True)
class OutsideAccount:
    """A public creator or brand account that audience members follow."""

    handle: str
    category: str


@dataclass(frozen=True)
class CommunityProfile:
    """One planted community: what its members write, like, and where they are.

    Attributes:
        label: a human name for the community.
        words: bio vocabulary, most used first.
        interests: interests its members are likely to list.
        ages: relative weights over `AGE_BUCKETS`.
        countries: (ISO-2 country, relative weight) pairs.
        favourites: outside accounts this community follows most.
        tags: themes; communities sharing tags follow each other more.
    """

    label: str
    words: tuple[str, ...]
    interests: tuple[str, ...]
    ages: tuple[float, ...]
    countries: tuple[tuple[str, float], ...]
    favourites: tuple[OutsideAccount, ...]
    tags: frozenset[str]


@dataclass(frozen=True)
class CountryProfile:
    """Languages spoken by members in a country and its cities, most populous first."""

    languages: tuple[tuple[str, float], ...]
    cities: tuple[str, ...]


def parse_weights(text: str) -> tuple[tuple[str, float], ...]:
    """``"US:40 GB:15"`` -> ``(("US", 40.0), ("GB", 15.0))``."""
    pairs = (item.rsplit(":", 1) for item in text.split())
    return tuple((key, float(weight)) for key, weight in pairs)


def parse_accounts(text: str) -> tuple[OutsideAccount, ...]:
    """``"handle:category other:brand"`` -> outside accounts (categories use ``_`` for spaces)."""
    return tuple(
        OutsideAccount(handle, category.replace("_", " ")) for handle, category in parse_pairs(text)
    )


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``"a:b c:d"`` -> ``[("a", "b"), ("c", "d")]``."""
    return [(item.split(":", 1)[0], item.split(":", 1)[1]) for item in text.split()]


def define_community(
    label: str,
    *,
    words: str,
    interests: str,
    ages: str,
    countries: str,
    favourites: str,
    tags: str,
) -> CommunityProfile:
    """A community profile from its compact text form (interests are comma-separated)."""
    return CommunityProfile(
        label=label,
        words=tuple(words.split()),
        interests=tuple(interest.strip() for interest in interests.split(",")),
        ages=tuple(float(weight) for weight in ages.split()),
        countries=parse_weights(countries),
        favourites=parse_accounts(favourites),
        tags=frozenset(tags.split()),
    )


COMMUNITIES: tuple[CommunityProfile, ...] = (
    define_community(
        "Plant parents",
        words="monstera #plantmom pothos houseplants philodendron 🪴 propagation #plantparent "
        "fiddleleaf repotting 🌿 calathea plantaholic hoya #urbanjungle greenery leafy aroids "
        "jungalow rootbound",
        interests="houseplants, plant care, indoor gardening, propagation, home decor",
        ages="3 22 34 22 12 7",
        countries="US:40 GB:14 CA:10 AU:8 DE:5 NL:4 PH:4 FR:3",
        favourites="leafandloam:plant_shop monstera.mike:creator thepothosproject:creator "
        "greenthumbdaily:media rootsandrepot:creator",
        tags="plants indoor",
    ),
    define_community(
        "Interior design",
        words="interiors homedecor #interiordesign minimalist scandi moodboard 🛋️ styling japandi "
        "neutrals cozyhome renovation 🏡 homestyle bouclé shelfie vignette maximalist rugs "
        "curated",
        interests="interior design, home decor, furniture, architecture, real estate",
        ages="2 18 36 24 13 7",
        countries="US:32 GB:12 DE:8 FR:6 IT:6 NL:5 SE:5 AU:6 CA:6",
        favourites="studio.noor.home:designer casa.linen:brand theshelfiequeen:creator "
        "nordicnest.living:brand archiroom:media",
        tags="home indoor",
    ),
    define_community(
        "DIY & upcycling",
        words="diy upcycled thrifted 🔨 woodworking makeover handmade #diyproject restored "
        "furnitureflip sanding reclaimed 🪚 paintedfurniture crafting toolkit tinkerer maker "
        "weekendproject glued",
        interests="diy, woodworking, upcycling, crafts, home improvement",
        ages="3 12 26 34 15 10",
        countries="US:38 GB:12 CA:8 AU:8 DE:6 PL:4 NL:3",
        favourites="flipitwithfinn:creator sawdustandsoul:creator thrift.to.treasure:creator "
        "handyhannah:creator makerspace.supply:shop",
        tags="home making",
    ),
    define_community(
        "Sustainable living",
        words="zerowaste sustainable 🌍 ecofriendly plasticfree #slowliving compost ♻️ secondhand "
        "lowimpact vegan climate refill ethical solarpunk greenliving reuse mending biodegradable "
        "lesswaste",
        interests="sustainability, zero waste, thrifting, vegan food, climate",
        ages="4 36 30 16 8 6",
        countries="US:26 GB:12 DE:10 NL:6 SE:6 CA:6 AU:6 FR:5",
        favourites="lowwaste.lena:creator refillrevolution:brand thegreenledger:media "
        "mendandmake:creator earthfirst.collective:nonprofit",
        tags="lifestyle green",
    ),
    define_community(
        "Home cooking",
        words="homecook recipes 🍳 baking sourdough mealprep #homecooking kitchen spices pasta "
        "🥑 brunch cookbook fromscratch yum ferments cheflife tastebuds dinnerideas",
        interests="cooking, baking, recipes, restaurants, wine",
        ages="2 10 24 34 18 12",
        countries="US:34 GB:10 IT:8 FR:6 ES:6 CA:6 AU:6 IN:5",
        favourites="nonnas.table:creator sourdough.sam:creator thespicedrawer:brand "
        "fifteenminutemeals:creator pantrytoplate:media",
        tags="lifestyle food",
    ),
    define_community(
        "Pet owners",
        words="🐶 doglover catlover pawrent 🐱 rescue adoptdontshop furbaby woof meow puppy kitty "
        "#petsoftiktok goldenretriever doodle tabby petfriendly fosterfail zoomies",
        interests="pets, dogs, cats, animal rescue, pet care",
        ages="4 22 30 22 13 9",
        countries="US:38 GB:12 CA:8 AU:8 DE:6 MX:4 BR:4",
        favourites="pawsandplants:creator thegoodboyclub:creator whiskers.weekly:media "
        "barkbox.buddies:brand rescuetails:nonprofit",
        tags="lifestyle pets",
    ),
    define_community(
        "Urban & balcony gardening",
        words="balconygarden 🌻 urbangarden tomatoes growyourown raisedbeds 🍅 seedlings "
        "allotment containergarden herbs harvest microgreens pollinators veggiepatch #gardening "
        "wormbin rooftop sowing",
        interests="gardening, vegetable gardening, urban farming, composting, houseplants",
        ages="2 14 30 26 16 12",
        countries="US:26 GB:16 DE:10 NL:6 FR:6 AU:6 CA:6 PL:4",
        favourites="balconybounty:creator theallotmentdiary:creator seedandsprout.co:shop "
        "rooftopharvest:media growit.grace:creator",
        tags="plants outdoor green",
    ),
    define_community(
        "Succulent & cactus collectors",
        words="succulents 🌵 cactus echeveria haworthia lithops cacti #succulentlove aloe "
        "sempervivum gritmix desertplants agave 🏜️ crassula succulove pricklyaf rosette xerophytes "
        "offsets",
        interests="succulents, cacti, houseplants, plant care, pottery",
        ages="3 18 28 24 16 11",
        countries="US:36 MX:8 GB:8 JP:6 KR:6 AU:6 DE:5",
        favourites="pricklypete:creator thesucculentshelf:shop desertbloom.co:shop "
        "cactus.corner:creator echeveria.emma:creator",
        tags="plants indoor",
    ),
    define_community(
        "Students & dorm life",
        words="📚 student dorm uni college 🎓 freshman studygram finals campus roommate #dormlife "
        "brokestudent classof2028 lecture sophomore studying deadlines ramen",
        interests="student life, studying, budget living, anime, room decor",
        ages="20 62 14 3 1 0",
        countries="US:36 GB:12 CA:8 AU:6 IN:8 PH:6 DE:4",
        favourites="dormhacks:creator studywithsage:creator campus.eats:media "
        "tinyroomglowup:creator brokebutcozy:creator",
        tags="home youth",
    ),
    define_community(
        "Spanish-speaking gardeners",
        words="plantas jardín huerto 🌱 macetas jardinería plantitas verde naturaleza cultivo "
        "semillas 🌺 riego orquídeas helechos jardinera abono huertourbano hojas",
        interests="gardening, houseplants, latin music, vegetable gardening, orchids",
        ages="3 20 30 24 14 9",
        countries="MX:30 AR:14 CO:14 ES:12 CL:8 PE:8 US:10",
        favourites="eljardindeana:creator plantasconpaz:creator huertocasero.mx:media "
        "viveroluna:shop macetasymas:shop",
        tags="plants latin",
    ),
    define_community(
        "Brazilian plant lovers",
        words="plantinhas jardinagem 💚 mudas vasinhos samambaia 🇧🇷 suculentinhas orquídea "
        "verdinho selvaurbana amoplantas horta regador folhagens jiboia mãedeplanta floresta "
        "cuidando",
        interests="houseplants, gardening, brazilian music, plant care, urban jungle",
        ages="3 24 32 22 12 7",
        countries="BR:92 PT:5 US:3",
        favourites="selvaemcasa:creator plantasdalu:creator jardimsecreto.br:media "
        "vasoeflor:shop hortanavaranda:creator",
        tags="plants latin",
    ),
    define_community(
        "Terrarium & bonsai makers",
        words="terrarium bonsai moss 🎍 kokedama vivarium paludarium miniature mosswall "
        "jarscape nebari juniper tinyworld bioactive springtails aquascape penjing 🫙 scapes",
        interests="terrariums, bonsai, miniatures, aquascaping, houseplants",
        ages="2 14 28 26 18 12",
        countries="US:28 JP:12 GB:10 DE:8 KR:6 NL:5 PL:4 AU:5",
        favourites="mossandjar:creator bonsai.bo:creator thetinyforest:shop "
        "terrariumtribe:media kokedama.kai:creator",
        tags="plants indoor making",
    ),
)

BACKGROUND_WORDS: tuple[str, ...] = tuple(
    [
        "love",
        "life",
        "coffee",
        "☕",
        "mom",
        "dad",
        "travel",
        "✨",
        "😊",
        "💕",
        "blessed",
        "dreamer",
        "happy",
        "sunshine",
        "vibes",
        "family",
        "friends",
        "music",
        "weekend",
        "wanderlust",
        "🙏",
        "smile",
        "goodvibes",
        "chill",
        "tea",
        "dreams",
    ]
)
BACKGROUND_INTERESTS: tuple[str, ...] = tuple(
    interest.strip()
    for interest in [
        "music",
        " travel",
        " food",
        " comedy",
        " fashion",
        " fitness",
        " gaming",
        " movies",
        " sports",
        " beauty",
        " dance",
        " memes",
        " art",
        " books",
        " photography",
        " technology",
    ]
)
BACKGROUND_AGES: tuple[float, ...] = (8, 30, 28, 17, 10, 7)
BACKGROUND_COUNTRIES = parse_weights(
    "US:28 GB:7 CA:5 AU:4 DE:5 FR:4 ES:4 IT:3 NL:2 PL:2 SE:1 PT:1 MX:6 BR:7 AR:2 CO:2 CL:1 "
    "PE:1 IN:5 PH:4 ID:4 JP:2 KR:2"
)
NOISE_LANGUAGES = parse_weights("en:60 es:15 pt:8 fr:6 de:5 it:3 ja:3")
"""Languages of members whose language does not follow their country."""


def define_country(languages: str, cities: str) -> CountryProfile:
    """A country profile from its compact text form (cities are ``|``-separated)."""
    return CountryProfile(parse_weights(languages), tuple(cities.split("|")))


COUNTRIES: dict[str, CountryProfile] = {
    "US": define_country(
        "en:88 es:12", "New York|Los Angeles|Chicago|Houston|Austin|Seattle|Portland|Denver"
    ),
    "GB": define_country("en:100", "London|Manchester|Birmingham|Bristol|Leeds|Glasgow"),
    "CA": define_country("en:78 fr:22", "Toronto|Vancouver|Montreal|Calgary|Ottawa"),
    "AU": define_country("en:100", "Sydney|Melbourne|Brisbane|Perth|Adelaide"),
    "DE": define_country("de:100", "Berlin|Hamburg|Munich|Cologne|Frankfurt"),
    "FR": define_country("fr:100", "Paris|Lyon|Marseille|Toulouse|Bordeaux"),
    "ES": define_country("es:100", "Madrid|Barcelona|Valencia|Seville|Bilbao"),
    "IT": define_country("it:100", "Rome|Milan|Naples|Turin|Bologna"),
    "NL": define_country("nl:90 en:10", "Amsterdam|Rotterdam|Utrecht|The Hague|Eindhoven"),
    "PL": define_country("pl:100", "Warsaw|Kraków|Wrocław|Gdańsk|Poznań"),
    "SE": define_country("sv:90 en:10", "Stockholm|Gothenburg|Malmö|Uppsala"),
    "PT": define_country("pt:100", "Lisbon|Porto|Braga|Coimbra"),
    "MX": define_country("es:100", "Mexico City|Guadalajara|Monterrey|Puebla|Mérida"),
    "BR": define_country(
        "pt:100", "São Paulo|Rio de Janeiro|Belo Horizonte|Curitiba|Porto Alegre|Salvador"
    ),
    "AR": define_country("es:100", "Buenos Aires|Córdoba|Rosario|Mendoza"),
    "CO": define_country("es:100", "Bogotá|Medellín|Cali|Barranquilla"),
    "CL": define_country("es:100", "Santiago|Valparaíso|Concepción"),
    "PE": define_country("es:100", "Lima|Arequipa|Cusco|Trujillo"),
    "IN": define_country("en:60 hi:40", "Mumbai|Delhi|Bengaluru|Hyderabad|Pune|Chennai"),
    "PH": define_country("en:55 tl:45", "Manila|Quezon City|Cebu City|Davao City"),
    "ID": define_country("id:100", "Jakarta|Surabaya|Bandung|Yogyakarta|Denpasar"),
    "JP": define_country("ja:100", "Tokyo|Osaka|Yokohama|Kyoto|Fukuoka"),
    "KR": define_country("ko:100", "Seoul|Busan|Incheon|Daegu"),
}

POPULAR_ACCOUNTS = parse_accounts(
    "dailychuckles:comedy beatdrop.fm:music wanderlust.world:travel snackattack:food "
    "fitwithkai:fitness glowupstudio:beauty pixelplayhouse:gaming thefactvault:education "
    "trendwatch.news:media dancewithmila:dance cinemabuzz:entertainment lifehackhub:lifestyle "
    "cutepetclips:animals sportscentral.tv:sports stylebynoor:fashion techtalk.tom:technology "
    "memevault:comedy popcornreviews:entertainment sunnydayvlogs:lifestyle chefinaminute:food"
)
"""Globally popular accounts that members of every community follow."""

LONG_TAIL_FIRST = tuple(
    [
        "green",
        "cozy",
        "urban",
        "wild",
        "little",
        "happy",
        "slow",
        "sunny",
        "fern",
        "moss",
        "velvet",
        "golden",
        "quiet",
        "bright",
        "rustic",
        "honey",
        "maple",
        "cedar",
        "coral",
        "olive",
    ]
)
LONG_TAIL_SECOND = tuple(
    [
        "den",
        "corner",
        "studio",
        "nook",
        "haus",
        "market",
        "kitchen",
        "atelier",
        "collective",
        "garden",
        "loft",
        "table",
        "works",
        "supply",
        "club",
    ]
)
LONG_TAIL_SEPARATORS = ("", ".", "_")
LONG_TAIL_ENDINGS = ("", "co", "hq", "life", "daily")
LONG_TAIL_CATEGORIES = parse_weights("creator:45 brand:20 shop:20 media:10 community:5")
LONG_TAIL_ACCOUNTS = 240
"""How many smaller, invented outside accounts make up the long tail."""
