"""The open-data package: CSV files described by a `datapackage.json` (Frictionless Data
Package, a TableSchema per file), in one zip.

The French open-data conventions (data.gouv.fr): UTF-8 without BOM, comma, a header line,
ISO 8601 dates in UTC (« 2020-10-12T16:00:00Z »), booleans as true/false, an empty cell for
nothing, the Licence Ouverte / Etalab 2.0. One row per statement (`enonces.csv`), with the
stable identifiers of `ids`; the other files hold what the statements hang on: the
syntheses, the rows of the three tables, the RETEX sheets and their links, the introduction
(sessions, facilitators, participants per category) and the flagship proposals. Primary and
foreign keys tie them together, so that a validator checks every link.

Formula injection: a text that begins with = + - @ (or a tab, a carriage return, an
apostrophe) is written with an apostrophe before it, so that no spreadsheet runs it; remove
one leading apostrophe to get the text as written (`common.recovered`).
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC

from etatsgeneraux.exchange.documents import RETEX_REFERENCES
from etatsgeneraux.stages import CELLS, STAGES

from . import ids
from .bundle import retex_sheets, sections, sheet_id
from .common import (
    EFFORTS,
    FORMATS,
    HORIZONS,
    LICENCE,
    PLATFORM,
    THEMATIC_COLUMN,
    author,
    neutralised,
    proposal_label,
)

PACKAGE_VERSION = "1.0.0"
NEUTRALISED = (
    " Un texte qui commence par =, +, -, @, une tabulation, un retour chariot ou une "
    "apostrophe est précédé d’une apostrophe (protection contre l’injection de formules "
    "dans les tableurs) : retirer une apostrophe initiale redonne le texte tel qu’écrit."
)


@dataclass
class Column:
    name: str
    type: str  # TableSchema: string, integer, boolean, datetime
    title: str
    description: str
    required: bool = False
    enum: list | None = None

    def schema(self):
        data = {"name": self.name, "type": self.type, "title": self.title}
        description = self.description
        if self.type == "string" and not self.enum:
            description += NEUTRALISED
        data["description"] = description
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = self.enum
        if constraints:
            data["constraints"] = constraints
        if self.type == "boolean":
            data["trueValues"], data["falseValues"] = ["true"], ["false"]
        return data

    def cell(self, value):
        if value is None:
            return ""
        if self.type == "boolean":
            return "true" if value else "false"
        if self.type == "integer":
            return str(int(value))
        if self.type == "datetime":
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return neutralised(str(value))


@dataclass
class Resource:
    name: str
    title: str
    description: str
    columns: list
    primary_key: list
    foreign_keys: list = field(default_factory=list)  # (fields, resource, fields)

    @property
    def path(self):
        return f"{self.name}.csv"

    def descriptor(self):
        schema = {
            "fields": [column.schema() for column in self.columns],
            "missingValues": [""],
            "primaryKey": self.primary_key,
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": own, "reference": {"resource": resource, "fields": theirs}}
                for own, resource, theirs in self.foreign_keys
            ]
        return {
            "name": self.name,
            "path": self.path,
            "profile": "tabular-data-resource",
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
            "schema": schema,
        }


def _stages():
    return [stage.slug for stage in STAGES.values()]


def _columns():
    return [cell.slug for cell in CELLS.values()]


SYNTHESIS = Column("synthese", "string", "Synthèse", "Identifiant de la synthèse.", True)
REGION = [
    Column("region_code", "string", "Code de la région académique", "", True),
    Column("region_nom", "string", "Région académique", "", True),
]
THEMATIC_NUMBER = Column(
    "thematique_numero",
    "integer",
    "Numéro de la thématique nationale",
    "De 1 à 5 : (1) égal accès, (2) enseigner et apprendre, (3) travailler ensemble, "
    "(4) numérique responsable et souverain, (5) gouvernance et anticipation.",
)
THEMATIC_TITLE = Column("thematique_titre", "string", "Thématique nationale", "")
SECTION_POSITION = Column(
    "section_position",
    "integer",
    "Numéro de la thématique dans la synthèse",
    "« Thématique N°k » : la place de la section dans la synthèse.",
)
SECTION_TITLE = Column(
    "section_intitule",
    "string",
    "Intitulé de la thématique dans la synthèse",
    "Tel que la synthèse l’écrit (« Gouvernance et anticipation »).",
)
STAGE = Column(
    "etape",
    "string",
    "Étape de l’atelier",
    "diagnostic (retour d’expérience et diagnostic), projections, plan-action.",
    True,
    _stages(),
)
ROW_LABEL = Column(
    "thematique_ligne",
    "string",
    THEMATIC_COLUMN,
    "La première colonne du tableau, telle qu’écrite (vide : l’intitulé de la section).",
)
RETEX_LABEL = Column(
    "retex_libre",
    "string",
    "RETEX (texte libre)",
    "Témoignages cités sans fiche numérotée, un par ligne (diagnostic seulement).",
)
# A flagship proposal's text fields: (column, field of the nested document).
PROPOSAL_TEXTS = [
    ("titre", "title"),
    ("resume", "summary"),
    ("etablissements", "establishments"),
    ("eleves", "pupils"),
    ("parents", "parents"),
    ("enseignants", "teachers"),
    ("territoire", "territory"),
    ("referent", "referent"),
    ("moyens_financiers", "means_financial"),
    ("moyens_humains", "means_human"),
    ("moyens_juridiques", "means_legal"),
    ("difficultes", "difficulties"),
    ("besoins_perennisation", "sustainability_needs"),
]
HORIZON = Column(
    "horizon",
    "string",
    "Horizon",
    "Plan d’action : court, moyen ou long (terme) ; vide sinon.",
    enum=list(HORIZONS),
)

RESOURCES = [
    Resource(
        "syntheses",
        "Synthèses",
        "Une ligne par synthèse : régionale, ou départementale (annexe d’une régionale).",
        [
            Column("identifiant", "string", "Identifiant", "L’identifiant de la synthèse.", True),
            Column("titre", "string", "Titre", "", True),
            Column("annee", "integer", "Année", "", True),
            Column(
                "statut",
                "string",
                "Statut",
                "draft (brouillon) ou published (publiée).",
                True,
                ["draft", "published"],
            ),
            *REGION,
            Column(
                "departement_code", "string", "Code du département", "Vide : synthèse régionale."
            ),
            Column("departement_nom", "string", "Département", ""),
            Column(
                "synthese_regionale",
                "string",
                "Synthèse régionale",
                "Pour une annexe départementale : l’identifiant de sa synthèse régionale.",
            ),
            Column(
                "version_publiee",
                "integer",
                "Version publiée",
                "Le numéro de la version publiée exportée ; vide : la version de travail.",
            ),
            Column(
                "modifiee_le",
                "datetime",
                "Date des données",
                "Dernière modification du contenu exporté, ou date de la version publiée.",
            ),
            Column("auteur", "string", "Auteur", "La DANE qui a rédigé la synthèse."),
        ],
        ["identifiant"],
    ),
    Resource(
        "sessions",
        "Introduction : sessions d’ateliers",
        "Le bloc d’introduction : une ligne par série de sessions (académiques, départementales).",
        [
            Column("identifiant", "string", "Identifiant", "", True),
            SYNTHESIS,
            Column("position", "integer", "Position", "", True),
            Column("intitule", "string", "Intitulé", ""),
            Column(
                "dates_lieux", "string", "Date(s) et lieu(x)", "Texte libre, sur plusieurs lignes."
            ),
            Column(
                "format",
                "string",
                "Format de la session",
                "presentiel, distanciel, both (les 2).",
                enum=list(FORMATS),
            ),
            Column("format_libelle", "string", "Format (libellé)", ""),
            Column("note_animateurs", "string", "Note sur les animateurs", ""),
        ],
        ["identifiant"],
        [(["synthese"], "syntheses", ["identifiant"])],
    ),
    Resource(
        "animateurs",
        "Introduction : animateurs et animatrices",
        "Les animateurs de chaque session, dans l’ordre.",
        [
            Column("session", "string", "Session", "Identifiant de la session.", True),
            Column("position", "integer", "Position", "", True),
            Column("nom", "string", "Nom", ""),
            Column("fonction", "string", "Fonction", ""),
            Column("precision", "string", "Précision", "Par exemple « pour le lundi 12/10 »."),
        ],
        ["session", "position"],
        [(["session"], "sessions", ["identifiant"])],
    ),
    Resource(
        "participations",
        "Introduction : participants par catégorie",
        "Pour chaque session, chacune des neuf catégories de participants renseignée.",
        [
            Column("session", "string", "Session", "Identifiant de la session.", True),
            Column("categorie_numero", "integer", "Numéro de la catégorie", "De 1 à 9.", True),
            Column("categorie_libelle", "string", "Catégorie", ""),
            Column("cochee", "boolean", "Case cochée", "", True),
            Column("participants", "integer", "Nombre de participants", ""),
            Column(
                "etablissements",
                "integer",
                "Nombre d’établissements représentés",
                "Équipes du premier et du second degré seulement.",
            ),
            Column(
                "precision",
                "string",
                "Précision",
                "Par exemple « dont une vingtaine d’étudiants ».",
            ),
        ],
        ["session", "categorie_numero"],
        [(["session"], "sessions", ["identifiant"])],
    ),
    Resource(
        "fiches_retex",
        "Fiches RETEX (retours d’expérience)",
        "Les retours d’expérience présentés en atelier, par thématique ou communs à toutes.",
        [
            Column("identifiant", "string", "Identifiant", "", True),
            SYNTHESIS,
            Column(
                "thematique_numero",
                "integer",
                "Numéro de la thématique nationale",
                "Vide : fiche commune à toutes les thématiques de la synthèse.",
            ),
            Column("numero", "integer", "Numéro", "RETEX 1, 2, 3…", True),
            Column("origine", "string", "Origine", "Académie, Loire-Atlantique, Vendée…"),
            Column("titre", "string", "Titre ou témoin", ""),
            Column("texte", "string", "Texte", ""),
        ],
        ["identifiant"],
        [(["synthese"], "syntheses", ["identifiant"])],
    ),
    Resource(
        "liens_retex",
        "Liens des fiches RETEX",
        "Les liens (vidéo, article…) de chaque fiche RETEX, dans l’ordre.",
        [
            Column("fiche", "string", "Fiche RETEX", "Identifiant de la fiche.", True),
            Column("position", "integer", "Position", "", True),
            Column("url", "string", "Adresse", "", True),
            Column("libelle", "string", "Libellé", ""),
        ],
        ["fiche", "position"],
        [(["fiche"], "fiches_retex", ["identifiant"])],
    ),
    Resource(
        "lignes",
        "Lignes des tableaux",
        "Une ligne par ligne des trois tableaux de chaque thématique (même vide).",
        [
            Column("identifiant", "string", "Identifiant", "", True),
            SYNTHESIS,
            THEMATIC_NUMBER,
            STAGE,
            Column("position", "integer", "Position", "", True),
            ROW_LABEL,
            Column(
                "retex_fiches",
                "string",
                "Fiches RETEX citées",
                "Identifiants des fiches citées, séparés par une espace (diagnostic).",
            ),
            RETEX_LABEL,
            HORIZON,
        ],
        ["identifiant"],
        [(["synthese"], "syntheses", ["identifiant"])],
    ),
    Resource(
        "enonces",
        "Énoncés",
        "Une ligne par énoncé (une puce ▶ d’une cellule des tableaux) : irritants, points "
        "forts, irritants principaux, besoins, leviers, axes, actions, acteurs, temporalités, "
        "indicateurs.",
        [
            Column(
                "identifiant",
                "string",
                "Identifiant",
                "Stable : synthèse/thématique/étape/ligne/colonne/position (positions telles "
                "qu’enregistrées). Il ne change ni à la réimportation d’un document inchangé, ni "
                "à la restauration d’une sauvegarde ; il change si l’énoncé change de place.",
                True,
            ),
            SYNTHESIS,
            *REGION,
            Column(
                "departement_code", "string", "Code du département", "Vide : synthèse régionale."
            ),
            SECTION_POSITION,
            THEMATIC_NUMBER,
            THEMATIC_TITLE,
            SECTION_TITLE,
            STAGE,
            Column("etape_libelle", "string", "Étape (libellé)", ""),
            Column("ligne", "integer", "Ligne", "Position de la ligne dans son tableau.", True),
            Column("ligne_identifiant", "string", "Identifiant de la ligne", "", True),
            ROW_LABEL,
            Column("colonne", "string", "Colonne", "", True, _columns()),
            Column(
                "colonne_libelle",
                "string",
                "Colonne (libellé)",
                "L’intitulé de la colonne dans le modèle national.",
            ),
            Column(
                "position", "integer", "Position", "Position de l’énoncé dans sa cellule.", True
            ),
            Column(
                "texte",
                "string",
                "Texte tel qu’écrit",
                "Vide pour un énoncé relié qui reprend le texte de sa source sans l’écrire.",
            ),
            Column(
                "texte_affiche",
                "string",
                "Texte affiché",
                "Ce que la plateforme affiche : le texte de la source pour un énoncé relié.",
            ),
            Column(
                "mis_en_avant",
                "boolean",
                "Mis en avant",
                "En gras et en vert dans le document : particulièrement souligné.",
                True,
            ),
            Column(
                "source_identifiant",
                "string",
                "Énoncé relié",
                "Pour un irritant principal : l’irritant du diagnostic qu’il reprend ; pour un "
                "axe (Quoi) : le levier des projections.",
            ),
            Column(
                "retex_cites",
                "string",
                "RETEX cités",
                "Numéros des fiches RETEX citées par la ligne (diagnostic), « 1, 2 ».",
            ),
            RETEX_LABEL,
            HORIZON,
        ],
        ["identifiant"],
        [
            (["synthese"], "syntheses", ["identifiant"]),
            (["ligne_identifiant"], "lignes", ["identifiant"]),
            (["source_identifiant"], "", ["identifiant"]),
        ],
    ),
    Resource(
        "propositions_phares",
        "Propositions phares",
        "« Proposition phare / dispositif mis en place / pratique généralisable ».",
        [
            Column("identifiant", "string", "Identifiant", "", True),
            SYNTHESIS,
            Column("position", "integer", "Position", "", True),
            *[Column(name, "string", proposal_label(field), "") for name, field in PROPOSAL_TEXTS],
            Column(
                "effort",
                "string",
                proposal_label("effort"),
                "faible, moyen, fort.",
                enum=list(EFFORTS),
            ),
            Column(
                "temporalite",
                "string",
                proposal_label("time_needed"),
                "court, moyen, long (terme).",
                enum=list(HORIZONS),
            ),
        ],
        ["identifiant"],
        [(["synthese"], "syntheses", ["identifiant"])],
    ),
]
RESOURCES_BY_NAME = {resource.name: resource for resource in RESOURCES}


# Rows ---------------------------------------------------------------------------------------


def _rows(bundle):
    """{resource name: [row values]}: every file's rows, in one walk of the bundle."""
    rows = {resource.name: [] for resource in RESOURCES}
    for entry in bundle.entries:
        fields, slug = entry.fields, entry.slug
        region = bundle.regions.get(fields["region"])
        region_name = region.name if region else ""
        department = bundle.departments.get(fields["department"]) if fields["department"] else None
        rows["syntheses"].append(
            [
                slug,
                fields["title"],
                fields["year"],
                fields["status"],
                fields["region"],
                region_name,
                fields["department"],
                department.name if department else None,
                fields["parent"],
                entry.version.number if entry.version else None,
                entry.modified_at,
                author(region_name),
            ]
        )
        for session in entry.content["sessions"]:
            session_id = ids.session(slug, session["position"])
            rows["sessions"].append(
                [
                    session_id,
                    slug,
                    session["position"],
                    session["title"],
                    session["dates_places"],
                    session["format"] or None,
                    FORMATS.get(session["format"], ""),
                    session["facilitators_note"],
                ]
            )
            for person in session["facilitators"]:
                rows["animateurs"].append(
                    [session_id, person["position"], person["name"], person["role"], person["note"]]
                )
            for item in session["participations"]:
                category = bundle.categories.get(item["category"])
                rows["participations"].append(
                    [
                        session_id,
                        item["category"],
                        category.label if category else "",
                        item["ticked"],
                        item["participants"],
                        item["establishments"],
                        item["note"],
                    ]
                )
        for section, sheet in retex_sheets(entry):
            thematic = section["thematic"] if section else None
            identifier = ids.sheet(slug, thematic, sheet["number"])
            rows["fiches_retex"].append(
                [
                    identifier,
                    slug,
                    thematic,
                    sheet["number"],
                    sheet["origin"],
                    sheet["title"],
                    sheet["text"],
                ]
            )
            for link in sheet["links"]:
                rows["liens_retex"].append(
                    [identifier, link["position"], link["url"], link["label"]]
                )
        for section in sections(bundle, entry):
            for stage in STAGES.values():
                for row in section.stages[stage.key]:
                    data = row.data
                    cited = [_sheet_id(entry, section, sheet) for sheet in row.sheets]
                    retex_label = data.get("retex_label") if RETEX_REFERENCES in data else None
                    horizon = data.get("horizon") or None
                    rows["lignes"].append(
                        [
                            row.id,
                            slug,
                            section.number,
                            stage.slug,
                            row.position,
                            data["thematic_label"],
                            " ".join(cited) or None,
                            retex_label,
                            horizon,
                        ]
                    )
                    for cell in stage.cells:
                        for statement in row.cells[cell.key]:
                            rows["enonces"].append(
                                [
                                    statement.id,
                                    slug,
                                    fields["region"],
                                    region_name,
                                    fields["department"],
                                    section.data["position"],
                                    section.number,
                                    section.thematic.title,
                                    section.title,
                                    stage.slug,
                                    stage.label,
                                    row.position,
                                    row.id,
                                    data["thematic_label"],
                                    cell.slug,
                                    cell.label,
                                    statement.position,
                                    statement.text,
                                    statement.shown,
                                    statement.emphasised,
                                    statement.source.id if statement.source else None,
                                    row.retex_numbers or None,
                                    retex_label,
                                    horizon,
                                ]
                            )
        for proposal in entry.content["flagship_proposals"]:
            rows["propositions_phares"].append(
                [
                    ids.proposal(slug, proposal["position"]),
                    slug,
                    proposal["position"],
                    *[proposal[name] for _column, name in PROPOSAL_TEXTS],
                    proposal["effort"] or None,
                    proposal["time_needed"] or None,
                ]
            )
    return rows


def _sheet_id(entry, section, sheet):
    """A cited sheet's id: the section's own sheet, or the shared one."""
    own = any(own is sheet for own in section.data["retex"])
    return sheet_id(entry, sheet, section if own else None)


def _csv(resource, rows):
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([column.name for column in resource.columns])
    cells = [column.cell for column in resource.columns]
    for row in rows:
        writer.writerow([cell(value) for cell, value in zip(cells, row, strict=True)])
    return stream.getvalue().encode("utf-8")


def descriptor(bundle):
    """The `datapackage.json` of a bundle."""
    regions = sorted(
        {
            bundle.regions[entry.fields["region"]].name
            for entry in bundle.entries
            if entry.fields["region"] in bundle.regions
        }
    )
    if bundle.national:
        name = "etats-generaux-numerique-education-syntheses"
        description = (
            "Les synthèses des ateliers des États généraux du numérique pour l’éducation "
            "(2020) que la plateforme publie : retours d’expérience, diagnostic (irritants et "
            "points forts), projections (besoins et leviers), plans d’action, propositions "
            "phares."
        )
    else:
        name = f"etats-generaux-numerique-education-{bundle.name}"
        description = (
            f"{bundle.title} : la synthèse des ateliers des États généraux du numérique pour "
            "l’éducation (2020), telle que la plateforme la publie."
        )
    return {
        "profile": "tabular-data-package",
        "name": name[:100],
        "title": bundle.title,
        "description": description,
        "version": PACKAGE_VERSION,
        "created": bundle.exported_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [LICENCE],
        "contributors": [
            *({"title": author(region), "role": "author"} for region in regions),
            {"title": PLATFORM, "role": "publisher"},
        ],
        "keywords": [
            "éducation",
            "numérique éducatif",
            "États généraux du numérique pour l’éducation",
            "DANE",
            "plan d’action",
        ],
        "sources": [{"title": "États généraux du numérique pour l’éducation, 2020"}],
        "resources": [resource.descriptor() for resource in RESOURCES],
    }


def write(bundle):
    """The zip of the data package: datapackage.json and its CSV files."""
    rows = _rows(bundle)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        package = json.dumps(descriptor(bundle), ensure_ascii=False, indent=2) + "\n"
        archive.writestr(_member("datapackage.json", bundle), package.encode("utf-8"))
        for resource in RESOURCES:
            archive.writestr(_member(resource.path, bundle), _csv(resource, rows[resource.name]))
    return stream.getvalue()


def _member(name, bundle):
    """A member dated like the export (not the zip's default 1980)."""
    info = zipfile.ZipInfo(name, date_time=bundle.exported_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
