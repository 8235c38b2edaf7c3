"""French typography applied when a report prints a text; what is stored stays as written."""

import re

from workshops.text import NBSP

_SPACE_AFTER_OPENING_QUOTE = re.compile(r"«[ \t]+")
_SPACE_BEFORE_DOUBLE_PUNCTUATION = re.compile(r"[ \t]+([»;:?!])")


_STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def french_spacing(text):
    """Makes the spaces the text has inside « » and before ; : ? ! non-breaking, and a
    straight apostrophe between letters typographic (’), at rendering only.

    Only existing spaces change: the words and punctuation stay as written, but a line
    never starts with a colon or a closing quote.
    """
    if "'" in text:
        text = _STRAIGHT_APOSTROPHE.sub("’", text)
    if "«" in text:
        text = _SPACE_AFTER_OPENING_QUOTE.sub("«" + NBSP, text)
    return _SPACE_BEFORE_DOUBLE_PUNCTUATION.sub(NBSP + r"\1", text)
