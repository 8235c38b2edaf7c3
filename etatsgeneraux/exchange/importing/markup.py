"""Text helpers shared by both readers: cleaning, matching keys, statements, columns, thematics.

Emphasis travels through the readers as two control characters (EM_OPEN … EM_CLOSE) that no
cleaned input can contain: bold or green runs of a DOCX, <b>/<strong> and **…** of a text
export all become these markers, so one function splits every cell into statements.

A DOCX written by the platform (etatsgeneraux.exchange.exports.word) says more than the
template's layout: its paragraphs of the platform's styles (`EXPORT_STYLES`) are read exactly
as written, one field each (EXACT_OPEN role ROLE_END text EXACT_CLOSE: no squashed spaces, no
split on line breaks or ▶), and its hidden bookmarks and internal links (MARK…, ANCHOR…) name
the statements a main irritant or an axis is linked to. Control characters carry these marks
too, for the same reason.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

from etatsgeneraux.stages import CELLS, CELLS_BY_KEY, DIAGNOSTIC, STAGES, STAGES_BY_KEY

EM_OPEN, EM_CLOSE = "\x01", "\x02"
BULLETS = "▶►"
# A paragraph of an export style: EXACT_OPEN role ROLE_END text EXACT_CLOSE.
EXACT_OPEN, ROLE_END, EXACT_CLOSE = "\x0e", "\x0f", "\x10"
# A bookmark of the export (MARK_OPEN name MARK_CLOSE), an internal link to one (ANCHOR_…).
MARK_OPEN, MARK_CLOSE = "\x11", "\x12"
ANCHOR_OPEN, ANCHOR_CLOSE = "\x13", "\x14"

# The paragraph styles of an exported DOCX, by role, and their names (what Word shows, and
# what the reader recognises: Word may rename a style's identifier, not its name).
ROLE_TITLE = "titre"  # the synthesis's title: not imported
ROLE_INTRODUCTION = "introduction"  # the introduction block: not imported
ROLE_RETEX = "retex"  # « RETEX n (origin) »
ROLE_RETEX_TITLE = "retex-titre"
ROLE_RETEX_TEXT = "retex-texte"
ROLE_ROW = "ligne"  # a row's « Thématique concernée »: the row as the platform holds it
ROLE_RETEX_LABEL = "retex-libre"  # a diagnostic row's RETEX as free text
ROLE_HORIZON = "horizon"  # an action-plan row's horizon, above its « Quand »
ROLE_STATEMENT = "enonce"  # one statement, exactly
ROLE_VALUE = "valeur"  # the value of a flagship-proposal field
EXPORT_STYLES = {
    ROLE_TITLE: ("EGTitre", "Synthèse – titre"),
    ROLE_INTRODUCTION: ("EGIntroduction", "Synthèse – introduction"),
    ROLE_RETEX: ("EGRetex", "Synthèse – fiche RETEX"),
    ROLE_RETEX_TITLE: ("EGRetexTitre", "Synthèse – titre de la fiche RETEX"),
    ROLE_RETEX_TEXT: ("EGRetexTexte", "Synthèse – texte de la fiche RETEX"),
    ROLE_ROW: ("EGLigne", "Synthèse – thématique de la ligne"),
    ROLE_RETEX_LABEL: ("EGRetexLibre", "Synthèse – RETEX en texte libre"),
    ROLE_HORIZON: ("EGHorizon", "Synthèse – horizon"),
    ROLE_STATEMENT: ("EGEnonce", "Synthèse – énoncé"),
    ROLE_VALUE: ("EGValeur", "Synthèse – valeur"),
}
STYLE_ROLES = {
    unicodedata.normalize("NFC", name).casefold(): role
    for role, (_id, name) in EXPORT_STYLES.items()
}
# Hidden bookmarks of an export: _egs<n> a statement linked to, _egx<n> a statement that
# is not linked although its text is that of one it could be linked to, _egt<n> the
# heading of the section of the national thematic n.
EXPORT_MARK = re.compile(r"_eg[stx][0-9]{1,9}")
_TOKENS = re.compile(
    f"{EXACT_OPEN}[^{ROLE_END}]*{ROLE_END}|{EXACT_CLOSE}"
    f"|{MARK_OPEN}[^{MARK_CLOSE}]*{MARK_CLOSE}|{ANCHOR_OPEN}[^{ANCHOR_CLOSE}]*{ANCHOR_CLOSE}"
)
_MARK_TOKENS = re.compile(
    f"({MARK_OPEN}[^{MARK_CLOSE}]*{MARK_CLOSE}|{ANCHOR_OPEN}[^{ANCHOR_CLOSE}]*{ANCHOR_CLOSE})"
)
_EXACT = re.compile(f"{EXACT_OPEN}([^{ROLE_END}]*){ROLE_END}(.*?){EXACT_CLOSE}", re.S)


def style_role(name):
    """The role of an export paragraph style, by its name; None for any other style."""
    return STYLE_ROLES.get(unicodedata.normalize("NFC", name or "").casefold())


def exact_paragraph(role, marked):
    """The marked text of a paragraph of an export style, as the readers hand it on."""
    return f"{EXACT_OPEN}{role}{ROLE_END}{marked}{EXACT_CLOSE}"


# C0 and C1 control characters except tab and newline, and invisible marks; the second
# form keeps the emphasis markers, once they have been put in.
# Bidirectional embeddings, overrides and isolates go too: they make a text display otherwise
# than it is stored (workshops.forms.refuse_control_characters refuses them in forms).
_INVISIBLE = "\x7f-\x9f\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]")
_CONTROL_BUT_MARKERS = re.compile(f"[\x00\x03-\x08\x0b-\x1f{_INVISIBLE}]")
# Whitespace to squash: every kind except the no-break spaces French typography relies on.
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def clean_text(text, keep_markers=False):
    """Newlines as \\n, no control characters, composed accents (NFC)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL_BUT_MARKERS if keep_markers else _CONTROL
    return unicodedata.normalize("NFC", control.sub("", text))


def squash(text):
    """Single spaces inside (no-break spaces kept), no whitespace of any kind at the ends."""
    return _SPACES.sub(" ", text).strip()


def strip_markers(text):
    if EXACT_OPEN in text or MARK_OPEN in text or ANCHOR_OPEN in text:
        text = _TOKENS.sub("", text)
    return text.replace(EM_OPEN, "").replace(EM_CLOSE, "")


def norm_key(text):
    """Lower case, no accents nor punctuation: « Thématique  concernée » → thematique concernee."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", strip_markers(text))
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def compact_key(text):
    """norm_key without spaces, for headings whose spacing varies."""
    return norm_key(text).replace(" ", "")


def straight_apostrophes(text):
    """The import's messages write the straight apostrophe: « plan d'action »."""
    return text.replace("’", "'")


# HTML and markdown of the text export ------------------------------------------------------

# Every quantifier is bounded or anchored on a literal « < »: a 2 MB line of spaces or of
# unclosed tags is read in linear time.
_SUP = re.compile(
    r"<[ ]{0,5}sup[ ]{0,5}>[ \t]{0,5}([^<>]{0,40}?)[ \t]{0,5}<[ ]{0,5}/[ ]{0,5}sup[ ]{0,5}>",
    re.I,
)
_SUP_MARK = "\x03"  # where a superscript was: the spaces before it go (« 1 <sup>er</sup> »)
_ATTRIBUTES = r"(?:[ \t][^<>]{0,300})?"
_BOLD_OPEN = re.compile(rf"<[ ]{{0,5}}(?:b|strong){_ATTRIBUTES}>", re.I)
_BOLD_CLOSE = re.compile(r"<[ ]{0,5}/[ ]{0,5}(?:b|strong)[ ]{0,5}>", re.I)
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_BREAKS = re.compile(
    rf"<[ ]{{0,5}}(?:li|br|p){_ATTRIBUTES}/?>|<[ ]{{0,5}}/[ ]{{0,5}}(?:li|p)[ ]{{0,5}}>", re.I
)
_OTHER_TAGS = re.compile(
    rf"<[ ]{{0,5}}/?[ ]{{0,5}}(?:ul|ol|span|i|em|u|sub|div|font|a){_ATTRIBUTES}/?>", re.I
)


def html_to_marked(text):
    """A line or cell of the text export with emphasis as markers, list items on new lines.

    Only the tags pandoc writes for the template are interpreted; any other « < » stays text.
    """
    if "<" in text:
        parts = _SUP.sub(_SUP_MARK + r"\1", text).split(_SUP_MARK)
        text = "".join([part.rstrip(" \t") for part in parts[:-1]] + parts[-1:])
    text = _BOLD_OPEN.sub(EM_OPEN, text)
    text = _BOLD_CLOSE.sub(EM_CLOSE, text)
    text = _MD_BOLD.sub(EM_OPEN + r"\1" + EM_CLOSE, text)
    text = _BREAKS.sub("\n", text)
    text = _OTHER_TAGS.sub("", text)
    return clean_text(html.unescape(text), keep_markers=True)


def plain(marked):
    """The visible text of a marked string, on one line."""
    return squash(strip_markers(marked).replace("\n", " ").replace("\t", " "))


# Statements -------------------------------------------------------------------------------


@dataclass
class Piece:
    """One statement of a cell (or one paragraph of an export style).

    `marks`: the export's bookmarks and links on it, as (kind, name) with kind "mark" or
    "anchor"; `role`: the export style of its paragraph (its text is then exactly as written,
    possibly empty), else None.
    """

    text: str
    emphasised: bool = False
    partly: bool = False
    marks: tuple = ()
    role: str | None = None


def _token(token):
    kind = "mark" if token[0] == MARK_OPEN else "anchor"
    return kind, token[1:-1]


def _split(marked, pieces):
    """The ▶ bullets and lines of a cell (squashed, empty ones left out)."""
    chars, inside, outside, depth, marks = [], 0, 0, 0, []

    def flush():
        text = squash("".join(chars))
        if text:
            partly = inside > 0 and outside > 0
            pieces.append(Piece(text, inside > 0 and outside == 0, partly, tuple(marks)))
            marks.clear()

    marked_parts = [marked]
    if MARK_OPEN in marked or ANCHOR_OPEN in marked:
        marked_parts = _MARK_TOKENS.split(marked)
    for part in marked_parts:
        if part[:1] in (MARK_OPEN, ANCHOR_OPEN) and part[-1:] in (MARK_CLOSE, ANCHOR_CLOSE):
            marks.append(_token(part))
            continue
        for char in part:
            if char == EM_OPEN:
                depth += 1
            elif char == EM_CLOSE:
                depth = max(depth - 1, 0)
            elif char in BULLETS or char == "\n":
                flush()
                chars, inside, outside = [], 0, 0
            else:
                chars.append(char)
                if not char.isspace():
                    if depth:
                        inside += 1
                    else:
                        outside += 1
    flush()


def _exact(role, marked):
    """A paragraph of an export style: its text as written, its emphasis and marks."""
    chars, marks, inside, outside, depth = [], [], 0, 0, 0
    for part in _MARK_TOKENS.split(marked):
        if part[:1] in (MARK_OPEN, ANCHOR_OPEN) and part[-1:] in (MARK_CLOSE, ANCHOR_CLOSE):
            marks.append(_token(part))
            continue
        for char in part:
            if char == EM_OPEN:
                depth += 1
            elif char == EM_CLOSE:
                depth = max(depth - 1, 0)
            else:
                chars.append(char)
                if not char.isspace():
                    if depth:
                        inside += 1
                    else:
                        outside += 1
    return Piece(
        "".join(chars), inside > 0 and outside == 0, inside > 0 and outside > 0, tuple(marks), role
    )


def cell_statements(marked):
    """[Piece] for the ▶ bullets and lines of a cell, and its paragraphs of export styles."""
    pieces = []
    if EXACT_OPEN not in marked:
        _split(marked, pieces)
        return pieces
    start = 0
    for match in _EXACT.finditer(marked):
        _split(marked[start : match.start()], pieces)
        pieces.append(_exact(match[1], match[2]))
        start = match.end()
    _split(marked[start:], pieces)
    return pieces


def has_exact(lines):
    """Whether any of these marked lines is a paragraph of an export style."""
    return any(EXACT_OPEN in line for line in lines)


def split_statements(marked):
    """[(text, emphasised, partly_emphasised)] for the ▶ bullets and lines of a cell.

    A statement is emphasised when every visible character of it is bold or green. A
    paragraph of an export style is one statement as written (left out when blank).
    """
    return [
        (piece.text, piece.emphasised, piece.partly)
        for piece in cell_statements(marked)
        if piece.text.strip()
    ]


# Columns ----------------------------------------------------------------------------------

# (compact heading prefix, column, stage or None), the longest prefix first: the first that
# begins a heading names its column (« Irritants principaux » before « Irritants »). The
# statement columns are the registry's (etatsgeneraux.stages); a heading that names columns
# of two stages (« Irritants ») has no stage: the table's other columns tell it.
_COLUMN_RULES = sorted(
    [
        ("thematique", "thematic", None),
        *[
            (prefix, "retex", STAGES[DIAGNOSTIC].key)
            for prefix in ("retex", "retoursdexperience", "retourdexperience")
        ],
        *[
            (prefix, cell.key, None if cell.ambiguous_heading else cell.stage.key)
            for cell in CELLS.values()
            for prefix in cell.headings
        ],
    ],
    key=lambda rule: -len(rule[0]),
)


def column_of(heading):
    """(column, stage or None) named by a header cell, or None."""
    key = compact_key(heading)
    if not key:
        return None
    for prefix, column, stage in _COLUMN_RULES:
        if key.startswith(prefix):
            return column, stage
    return None


def _column_in(stage_key, column):
    """The column of `stage_key` that an ambiguous heading names: the one whose heading
    begins like it (« Irritants » in projections: « Irritants principaux »), else itself."""
    cell = CELLS_BY_KEY.get(column)
    if cell is None or not cell.ambiguous_heading or cell.stage.key == stage_key:
        return column
    for other in STAGES_BY_KEY[stage_key].cells:
        if any(h.startswith(cell.headings) for h in other.headings):
            return other.key
    return column


def header_columns(cells):
    """(stage, [column or None per cell]) when these cells name a template table, else None.

    A header names at least two known columns; an unknown heading is None in the list.
    """
    found = [column_of(cell) for cell in cells]
    stages = [match[1] for match in found if match and match[1]]
    if sum(1 for match in found if match) < 2:
        return None
    if not stages:  # « Thématique » and « Irritants » only: a diagnostic
        stages = [
            CELLS_BY_KEY[match[0]].stage.key
            for match in found
            if match and match[0] in CELLS_BY_KEY and CELLS_BY_KEY[match[0]].ambiguous_heading
        ]
        if not stages:
            return None
    stage = max(set(stages), key=stages.count)
    return stage, [match and _column_in(stage, match[0]) for match in found]


# Thematics --------------------------------------------------------------------------------

THEMATIC_KEYWORDS = {
    1: ["egal acces", "acces au numerique", "fracture numerique", "ecole inclusive"],
    2: ["enseigner", "apprendre"],
    3: ["travailler ensemble", "culture numerique professionnelle"],
    4: ["responsable", "souverain"],
    5: ["gouvernance", "anticipation"],
}


def thematic_of(text):
    """The canonical number of the thematic a title or label names, whatever its numbering."""
    key = f" {norm_key(text)} "
    scores = {
        number: sum(1 for word in words if f" {word} " in key)
        for number, words in THEMATIC_KEYWORDS.items()
    }
    best = max(scores.values())
    winners = [number for number, score in scores.items() if score == best]
    return winners[0] if best and len(winners) == 1 else None
