"""A synthesis full of hostile text for the export tests: line breaks, quotes, semicolons,
tabs, emoji, right-to-left text, 2,000 characters, formula-like starts, text that reads like
the template's headings, and every kind of link a facilitator can make."""

from etatsgeneraux.exchange.documents import create_synthesis_content
from tests import factories
from workshops.models import Synthesis

LONG = ("Un énoncé très long ; « avec » des mots — et des chiffres 123. " * 40)[:2000]
HOSTILE = [
    "Ligne 1\nLigne 2\n\nLigne 4 après une ligne vide",
    "« Guillemets » \"droits\" 'simples' ; point-virgule ; encore;",
    "Tab\tulation\tici\t",
    "Émoji 🎉👩🏽‍🏫 et drapeau 🇫🇷",
    "نص عربي من اليمين إلى اليسار \u200f עברית",
    LONG,
    "=SOMME(A1:A2)",
    "+33 1 23 45 67 89",
    "-moins au début",
    "@arobase",
    "'apostrophe au début",
    "  espaces  doubles  et bords  ",
    "▶ puce dans le texte ► et encore",
    "RETEX 12 (piège) : pas une fiche",
    "THÉMATIQUE N°3 : piège",
    "<b>pas du HTML</b> &amp; **pas du markdown**",
    "https://example.org/seul-un-lien",
    "Insécables\u00a0: oui\u202f!",
    "e\u0301 décomposé (NFD)",
    "À compléter",
]


def statement(text, position, emphasised=False, **extra):
    return {"position": position, "text": text, "emphasised": emphasised, **extra}


def statements(texts, start=0, emphasised=()):
    return [
        statement(text, position, position in emphasised)
        for position, text in enumerate(texts, start=1)
    ]


def hostile_document():
    """A backup-form document (positions and links given) holding every hostile text."""
    first = {
        "position": 1,
        "thematic": 1,
        # A title that names other thematics: the heading's bookmark says which it is.
        "title": "Gouvernance ; « enseigner » autrement 🎉",
        "retex": [
            {
                "number": 1,
                "origin": "Loire (44) ; « Nantes »",
                "title": "",
                "text": "Court",  # a template reader would take it for the title
                "links": [
                    {"position": 1, "url": "https://example.org/a?b=1&c=2", "label": ""},
                ],
            },
            {
                "number": 2,
                "origin": "",
                "title": "Titre « RTL » نص ; =formule",
                "text": "- tiret en tête\n\n\nTrois lignes vides\tet une tabulation\nRETEX 3",
                "links": [],
            },
        ],
        "diagnostic": [
            {
                "position": 1,
                "thematic_label": "(2) Enseigner et apprendre",  # another thematic's name
                "retex": [1, 7],
                "retex_label": "Témoignage « A » ; B\n1, 2\nRETEX 9",
                "irritants": statements(HOSTILE[:10], emphasised={2, 5}),
                "strengths": statements(HOSTILE[10:], emphasised={1}),
            },
            {  # an empty row
                "position": 2,
                "thematic_label": "",
                "retex": [],
                "retex_label": "",
                "irritants": [],
                "strengths": [],
            },
            {  # a header-like row, and the same irritant text as row 1
                "position": 3,
                "thematic_label": "Thématique concernée",
                "retex": [2],
                "retex_label": "",
                "irritants": [
                    statement("Irritants", 1),
                    statement("Ligne 1\nLigne 2\n\nLigne 4 après une ligne vide", 2),
                ],
                "strengths": [statement("Points forts", 1)],
            },
        ],
        "projections": [
            {
                "position": 1,
                "thematic_label": "Égal accès 🎉",
                "main_irritants": [
                    # linked, with other words (a curator's link)
                    statement("Autres mots", 1, source={"row": 1, "position": 3}),
                    # linked, no text of its own (shows its source's)
                    statement("", 2, True, source={"row": 1, "position": 4}),
                    # the same text as an irritant, not linked (a curator removed the link)
                    statement(HOSTILE[0], 3, source=None),
                    # linked to the second of two irritants with the same text
                    statement(HOSTILE[0], 4, source={"row": 3, "position": 2}),
                    statement("Irritant principal sans lien", 5, source=None),
                ],
                "needs": statements(["Besoin ; « un »", "Besoins"]),
                "levers": statements(["Levier\tà tab", "Levier 🎯", LONG]),
            },
            {
                "position": 2,
                "thematic_label": "",
                "main_irritants": [],
                "needs": [],
                "levers": [],
            },
        ],
        "action_plan": [
            {
                "position": 1,
                "thematic_label": "Plan ; « A »",
                "horizon": "moyen",
                "axes": [
                    statement("", 1, True, source={"row": 1, "position": 2}),
                    statement("Axe retapé autrement", 2, source={"row": 1, "position": 1}),
                    statement("Levier 🎯", 3, source=None),
                ],
                "actions": statements(["Action =1+1", "Court terme"]),
                "actors": statements(["DANE ; collectivités"]),
                "timing": statements(["Court terme", "Année scolaire 2021-2022\nLe soir"]),
                "indicators": statements([LONG]),
            },
            {
                "position": 2,
                "thematic_label": "",
                "horizon": "",
                "axes": [],
                "actions": [],
                "actors": [],
                "timing": [statement("Long terme", 1)],
                "indicators": [],
            },
        ],
    }
    second = {
        "position": 2,
        "thematic": 4,
        "title": "Numérique responsable — « souverain »",
        "retex": [],
        "diagnostic": [
            {
                "position": 1,
                "thematic_label": "",
                "retex": [7],
                "retex_label": "",
                "irritants": statements(["Irritant 4"]),
                "strengths": [],
            }
        ],
        "projections": [],
        "action_plan": [],
    }
    return {
        "sessions": [
            {
                "position": 1,
                "title": "RETEX 1 (piège) ; « session »",
                "dates_places": "THÉMATIQUE N°2 : piège\nDu 28/09 au 09/10 : Vendée",
                "format": "both",
                "facilitators_note": "Voir les annexes",
                "facilitators": [
                    {"position": 1, "name": "Irritants", "role": "Points forts", "note": ""},
                    {"position": 2, "name": "Élodie 🎉", "role": "DANE", "note": "le lundi"},
                ],
                "participations": [
                    {
                        "category": 1,
                        "ticked": True,
                        "participants": 7,
                        "establishments": 7,
                        "note": "Nom de la Région académique : piège",
                    }
                ],
            }
        ],
        "retex": [
            {
                "number": 7,
                "origin": "Vendée",
                "title": "Fiche commune ; « A »",
                "text": "Commune\naux thématiques",
                "links": [{"position": 1, "url": "https://example.org/commune", "label": "Lien"}],
            }
        ],
        "sections": [first, second],
        "flagship_proposals": [
            {
                "position": 1,
                "title": "Titre ; « PCPN » 🎉",
                "summary": "Premier paragraphe.\n\nRETEX 1 (piège)\n\nÀ compléter\n- tiret",
                "establishments": "=35 collèges ; 305 écoles",
                "pupils": "tous 49 000",
                "parents": "",
                "teachers": "Moyen",
                "territory": "Vendée (écoles et collèges)",
                "referent": "RTL نص",
                "means_financial": "",
                "means_human": "Deux ETP\n\tindentés",
                "means_legal": "",
                "difficulties": "",
                "sustainability_needs": "Des « besoins » ; encore",
                "effort": "fort",
                "time_needed": "",
            }
        ],
    }


def hostile_synthesis(**fields):
    """A draft synthesis (factories) holding `hostile_document()`."""
    for number in (1, 2, 3, 4, 5):
        factories.ThematicFactory(number=number)
    for number in range(1, 10):
        factories.ParticipantCategoryFactory(number=number)
    synthesis = factories.SynthesisFactory(**{"status": Synthesis.Status.DRAFT, **fields})
    create_synthesis_content(synthesis, hostile_document())
    return synthesis
