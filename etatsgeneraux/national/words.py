"""French words as the search and the highlights see them: accents and case removed, common
words left out, the rest reduced to their stem (Snowball, the algorithm of PostgreSQL's
`french_stem`), and the domain's synonyms, so that « maintenance du matériel » also finds
« équipements défaillants »."""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import mark_safe

WORD = re.compile(r"[^\W_]+")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'"})

# Words too common to tell statements apart (PostgreSQL's French list leaves them out too).
STOPWORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "a",
        "m",
        "n",
        "s",
        "t",
        "y",
        "ete",
        "etre",
        "est",
        "sont",
        "a",
        "ont",
        "cette",
        "cet",
        "cela",
        "ceci",
        "ca",
        "plus",
        "tres",
        "tout",
        "tous",
        "toute",
        "toutes",
        "afin",
        "entre",
        "sans",
        "sous",
        "lors",
    ]
)

# Words the regions used for the same thing (DOMAIN: « maintenance du matériel », « SAV des
# équipements »). Each group is searched as one term; kept short and of the domain only, so
# that a search stays precise. Written as words, stemmed once.
SYNONYMS = [
    "maintenance entretien depannage reparation sav defaillant defaillance panne pannes",
    "materiel materiels equipement equipements terminaux ordinateurs tablettes parc",
    "formation formations former formateurs accompagnement",
    "connexion connexions reseau reseaux internet debit",
    "enseignant enseignants professeur professeurs",
    "eleve eleves apprenants",
    "famille familles parents",
    "collectivite collectivites communes departements",
]

_stemmer = snowballstemmer.stemmer("french")


def plain(text):
    """Lower case, without accents or ligatures: « Œuvre Matériel » → « oeuvre materiel »."""
    text = unicodedata.normalize("NFKD", text.translate(LIGATURES).lower())
    return "".join(char for char in text if not unicodedata.combining(char))


@lru_cache(maxsize=50_000)
def stem(word):
    return _stemmer.stemWord(word)


def words(text):
    """The plain words of a text, common words left out."""
    return [word for word in WORD.findall(plain(text)) if word not in STOPWORDS]


def stems(text):
    return [stem(word) for word in words(text)]


def _synonyms():
    groups = {}
    for line in SYNONYMS:
        group = tuple(dict.fromkeys(line.split()))
        for word in group:
            groups[stem(word)] = group
    return groups


SYNONYM_GROUPS = _synonyms()


def alternatives(word):
    """The words searched for one word of a query: itself and its synonyms."""
    return SYNONYM_GROUPS.get(stem(word), (word,))


def highlight(text, keys):
    """The text, HTML-escaped, with the words whose stem is in `keys` in <mark>."""
    parts, last = [], 0
    for match in WORD.finditer(text):
        word = match.group()
        if stem(plain(word)) in keys:
            parts.append(escape(text[last : match.start()]))
            parts.append(f"<mark>{escape(word)}</mark>")
            last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))
