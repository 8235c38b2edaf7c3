"""The PDF renderer fetches nothing but the project's own static files.

A local HTTP server on 127.0.0.1 records every request; hostile text written into every
field a user can fill is rendered to PDF and HTML, and the server must receive nothing.
"""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import weasyprint
from django.urls import reverse
from pypdf import PdfReader

from actionplans.models import FlagshipProposal
from etatsgeneraux.exchange.documents import create_synthesis
from etatsgeneraux.reports import pdf as reports
from workshops.models import Facilitator, RetexLink, RetexSheet, Synthesis

# Every PDF a test asks for is rendered (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 that answers everything and records every request."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b"body { background: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.requests = requests
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def hostile_texts(url):
    return [
        f'<img src="{url}/img">',
        f"<img src={url}/img-unquoted>",
        f'<link rel="stylesheet" href="{url}/link.css">',
        f"<style>@import url({url}/import.css); body {{ background: url({url}/bg) }}</style>",
        f'<p style="background-image: url({url}/inline)">fond</p>',
        f"background: url({url}/css-text)",
        f'<object data="{url}/object"></object><embed src="{url}/embed">',
        f'<iframe src="{url}/iframe"></iframe><svg><image href="{url}/svg-image"/></svg>',
        '<a href="javascript:alert(1)">cliquez</a>',
        f'<base href="{url}/base/">',
    ]


@pytest.fixture
def hostile(reference_data, server):
    """A published synthesis whose every user-written field holds hostile markup."""
    texts = hostile_texts(server.url)
    statement = " ".join(texts)
    synthesis = create_synthesis(
        {
            "slug": "hostile",
            "title": f'Synthèse <img src="{server.url}/title">',
            "year": 2020,
            "status": Synthesis.Status.PUBLISHED,
            "region": "pays-de-la-loire",
            "sessions": [
                {
                    "title": f'Séance <link rel=stylesheet href="{server.url}/session.css">',
                    "dates_places": statement,
                    "facilitators": [{"name": texts[0], "role": texts[3], "note": texts[6]}],
                    "participations": [{"category": 1, "ticked": True, "note": texts[2]}],
                }
            ],
            "sections": [
                {
                    "thematic": 1,
                    "title": texts[1],
                    "retex": [
                        {
                            "number": 1,
                            "origin": texts[4],
                            "title": texts[7],
                            "text": statement,
                            "links": [f"{server.url}/retex-link"],
                        }
                    ],
                    "diagnostic": [
                        {
                            "retex": [1],
                            "thematic_label": texts[5],
                            "retex_label": texts[8],
                            "irritants": texts,
                            "strengths": [{"text": statement, "emphasised": True}],
                        }
                    ],
                    "projections": [{"main_irritants": texts, "needs": texts, "levers": texts}],
                    "action_plan": [
                        {
                            "axes": texts,
                            "actions": texts,
                            "actors": texts,
                            "timing": texts,
                            "indicators": texts,
                        }
                    ],
                }
            ],
            "flagship_proposals": [{"title": texts[0], "summary": statement, "referent": texts[9]}],
        }
    )
    # Links a user might slip past the form's validation: never clickable, never fetched.
    sheet = RetexSheet.objects.get(synthesis=synthesis)
    RetexLink.objects.create(sheet=sheet, url="javascript:alert(document.cookie)")
    RetexLink.objects.create(sheet=sheet, url=f"file:///etc/passwd?{server.url}")
    RetexLink.objects.create(sheet=sheet, url="data:text/html,<script>alert(1)</script>")
    return synthesis


def annotations(pdf):
    uris = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if action.get("/S") == "/URI":
                uris.append(str(action["/URI"]))
    return uris


@pytest.mark.slow
def test_hostile_statements_are_printed_as_text_and_nothing_they_name_is_fetched(
    hostile, server, client
):
    response = client.get(reverse("reports:synthesis_pdf", args=[hostile.slug]))
    assert response.status_code == 200
    assert server.requests == []
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    ).replace("\n", "")
    compact = "".join(text.split())
    for hostile_text in hostile_texts(server.url):
        assert "".join(hostile_text.split()) in compact


def test_only_web_links_become_clickable_in_the_pdf(hostile, server, client):
    pdf = client.get(reverse("reports:synthesis_pdf", args=[hostile.slug])).content
    uris = annotations(pdf)
    assert f"{server.url}/retex-link" in uris
    assert not [uri for uri in uris if not uri.startswith(("http://", "https://"))]
    assert server.requests == []


def test_every_variant_of_a_hostile_synthesis_fetches_nothing(hostile, server, client):
    urls = [
        reverse("reports:thematic_pdf", args=[hostile.slug, 1]),
        reverse("reports:proposal_pdf", args=[hostile.slug, 1]),
        reverse("reports:synthesis_preview", args=[hostile.slug]),
        reverse("reports:proposal_preview", args=[hostile.slug, 1]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    assert server.requests == []


def test_the_html_preview_escapes_hostile_markup(hostile, server, client):
    html = client.get(reverse("reports:synthesis_preview", args=[hostile.slug])).content.decode()
    assert server.url in html  # the text is there...
    for tag in ("<img", "<iframe", "<object", "<embed", "<base", "<style>@import"):
        assert tag not in html  # ...but never as markup
    # The only pictures are the chain diagrams the server draws (board/chain_svg.py).
    chain = '<svg xmlns="http://www.w3.org/2000/svg" class="chain-diagram" role="img"'
    assert html.count("<svg") == html.count(chain)
    assert f'<link rel="stylesheet" href="{server.url}' not in html
    assert 'href="javascript:' not in html
    assert 'href="data:' not in html
    assert 'href="file:' not in html
    assert "&lt;img src=&quot;" in html


def test_the_fetcher_refuses_even_markup_that_reaches_weasyprint_unescaped(server):
    # Escaping is the first barrier; the fetcher is the second, tested on raw markup here.
    html = (
        f'<link rel="stylesheet" href="{server.url}/raw.css">'
        f"<style>@import url({server.url}/raw-import.css);"
        f" p {{ background: url({server.url}/raw-bg) }}</style>"
        f'<p>texte</p><img src="{server.url}/raw.png">'
        '<img src="file:///etc/hostname"><img src="data:image/png;base64,iVBORw0KGgo=">'
    )
    fetcher = reports.StaticFilesFetcher()
    weasyprint.HTML(string=html, base_url=reports.REPORT_BASE_URL, url_fetcher=fetcher).write_pdf()
    assert server.requests == []
    assert any(url.startswith(server.url) for url in fetcher.refused)
    assert "file:///etc/hostname" in fetcher.refused


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/static/css/report.css",
        "https://example.org/static/css/report.css",
        "http://rapport.invalid/static/css/report.css",
        "file:///etc/passwd",
        "file:///work/main/static/css/report.css",
        "data:text/css,body{color:red}",
        "data:font/woff;base64,d09GRgABAAA=",
        "ftp://127.0.0.1/x.css",
        "https://rapport.invalid/admin/",
        "https://rapport.invalid/static/../etatsgeneraux/settings.py",
        "https://rapport.invalid/static/css/../../etatsgeneraux/settings.py",
        "https://rapport.invalid/static/css/%2e%2e/%2e%2e/etatsgeneraux/settings.py",
        "https://rapport.invalid/static//etc/passwd",
        "https://rapport.invalid/static/css/absent.css",
        "https://rapport.invalid/static/dsfr/dist/fonts/../../../../__init__.py",
    ],
)
def test_the_fetcher_refuses_every_url_outside_the_project_s_static_files(url):
    fetcher = reports.StaticFilesFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_report_stylesheet_and_the_marianne_font():
    fetcher = reports.StaticFilesFetcher()
    css = fetcher.fetch("https://rapport.invalid/static/css/report.css")
    assert css.content_type == "text/css"
    assert b"@font-face" in css.read()
    font = fetcher.fetch("https://rapport.invalid/static/dsfr/dist/fonts/Marianne-Regular.woff")
    assert font.content_type == "font/woff"
    assert font.read(4) == b"wOFF"
    assert fetcher.refused == []


def test_facilitator_and_proposal_fields_are_escaped_too(hostile, server, client):
    facilitator = Facilitator.objects.get(session__synthesis=hostile)
    proposal = FlagshipProposal.objects.get(synthesis=hostile)
    html = client.get(reverse("reports:proposal_preview", args=[hostile.slug, 1])).content
    assert b"<img" not in html
    assert facilitator.name.startswith("<img")
    assert proposal.title.startswith("<img")
    assert server.requests == []
