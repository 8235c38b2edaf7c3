"""Runs one Typst compilation or query in a process of its own (no Django imported).

The Typst binding keeps the memoised results of every compilation for the life of the
process (a worker rendering the ten-times synthesis three times peaked at 930 MB): each
render runs here, and its memory goes back to the system when it exits.

Reads a JSON request on standard input: {"operation": "compile" | "query", "template",
"root", "fonts", "source", "selector"}; writes the PDF (compile) or the queried value as
JSON (query) on standard output, and the warnings as a JSON list on standard error. Exits
with 1 and the error's message on standard error when Typst refuses the document.
"""

import json
import sys


def main():
    import typst

    request = json.load(sys.stdin)
    options = {
        "root": request["root"],
        "font_paths": request["fonts"],
        "ignore_system_fonts": True,
        "sys_inputs": {"report": request["source"]},
    }
    try:
        if request["operation"] == "query":
            value = typst.query(
                request["template"], request["selector"], field="value", one=True, **options
            )
            sys.stdout.write(value)
            return 0
        pdf, warnings = typst.compile_with_warnings(
            request["template"], pdf_standards=["ua-1"], **options
        )
    except typst.TypstError as error:
        sys.stderr.write(str(getattr(error, "message", error)))
        return 1
    sys.stdout.buffer.write(pdf)
    sys.stderr.write(json.dumps([str(getattr(w, "message", w)) for w in warnings]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
