"""The JSON export: the nested document of backups and imports, for programs.

One synthesis is a file of the backup format (etatsgeneraux.exchange.backup: format
« etatsgeneraux.synthese », version 1), which `restore_synthesis` reads back; the set of
everything a reader may read is « etatsgeneraux.syntheses », version 1: the same entries in a
list. Both are described by the JSON Schema of `schema` (served at /donnees/schemas/…, shipped
in etatsgeneraux/exchange/schemas/). UTF-8 as it is (no \\u escapes), compact.

The account that archived a synthesis is left out (null): an export names no account.
"""

import json

from etatsgeneraux.exchange import backup

SET_FORMAT = "etatsgeneraux.syntheses"
SET_VERSION = 1
SCHEMA_PATH = "/donnees/schemas/synthese-1.json"


def _timestamp(value):
    return value.isoformat() if value is not None else None


def entry_document(entry):
    """{"synthesis": …, "content": …} of one entry, in the backup format."""
    stored = entry.synthesis
    return {
        "synthesis": {
            **{key: entry.fields[key] for key in backup.SYNTHESIS_FIELDS},
            "region": entry.fields["region"],
            "department": entry.fields["department"],
            "parent": entry.fields["parent"],
            "created_at": _timestamp(stored.created_at),
            "updated_at": _timestamp(entry.modified_at),
            "archived_at": _timestamp(stored.archived_at),
            "archived_by": None,
        },
        "content": entry.content,
    }


def document(bundle):
    exported_at = bundle.exported_at.isoformat()
    if bundle.national:
        return {
            "format": SET_FORMAT,
            "version": SET_VERSION,
            "exported_at": exported_at,
            "syntheses": [entry_document(entry) for entry in bundle.entries],
        }
    [entry] = bundle.entries
    return {
        "format": backup.FORMAT,
        "version": backup.VERSION,
        "exported_at": exported_at,
        **entry_document(entry),
    }


def write(bundle):
    """Compact (no indentation: Python's fast encoder, a third smaller), one final newline."""
    text = json.dumps(document(bundle), ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")
