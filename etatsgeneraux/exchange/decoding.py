"""Bytes that must be UTF-8 text: the text export of an import, the JSON of a backup.

One decoder for both, with every check either needs; each caller says, in its own French,
what to tell the user, and which error to raise.
"""

from collections.abc import Callable
from dataclasses import dataclass

UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Refusals:
    """The message for each reason to refuse the bytes."""

    too_big: Callable[[int], str]  # from their size, in bytes
    utf16: str
    binary: str
    not_utf8: Callable[[int, int], str]  # from the line and the position (from 1) of the byte
    empty: str


def decode_text(data, refusals, refuse, *, limit, probe=None, clean=None):
    """The text of `data`: UTF-8, a byte-order mark allowed, then passed through `clean`.

    Raises `refuse(message)` when the bytes are more than `limit`, UTF-16 (its byte-order
    mark), binary (a NUL byte; among the first `probe` ones only, if given), not UTF-8, or
    blank.
    """
    if len(data) > limit:
        raise refuse(refusals.too_big(len(data)))
    if data.startswith(UTF16_MARKS):
        raise refuse(refusals.utf16)
    if b"\0" in data[:probe]:
        raise refuse(refusals.binary)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise refuse(refusals.not_utf8(line, error.start + 1)) from None
    if clean is not None:
        text = clean(text)
    if not text.strip():
        raise refuse(refusals.empty)
    return text
