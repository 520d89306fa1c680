"""The printed papers (the slips, the register, the statistics report) as PDF: HTML templates of
the platform's templates folder, rendered by an environment of the papers' own (not the pages':
a paper is made inside an act, by a request or a command alike) and laid out by WeasyPrint,
which may fetch nothing but the type shipped with the package and the papers' own ``data:``
images.

Type: Decree 30/2020/NĐ-CP sets administrative papers in Times New Roman; Liberation Serif is
metric-compatible with it, covers Vietnamese, and its licence (SIL OFL 1.1, ``web/fonts/OFL.txt``)
lets us ship it, so that every machine lays a paper out alike instead of falling back on whatever
fonts it has. The templates name the family ``PAPER_FONT``; the faces are declared here, once.

QR code: Circular 01/2023/TT-VPCP [S] puts one at the upper left of every paper the system
issues, to TCVN 7322:2009 (ISO/IEC 18004); ``qr_image`` makes it (segno) from the fields each
paper chooses."""

import functools
import re
from pathlib import Path

import segno
import weasyprint
from flask_babel import gettext, ngettext
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint.text.fonts import FontConfiguration

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
FONTS = Path(__file__).resolve().parents[1] / "web" / "fonts"
PAPER_FONT = "Liberation Serif"
# (file, weight, style) of each face the papers use.
_FACES = (
    ("LiberationSerif-Regular.ttf", "normal", "normal"),
    ("LiberationSerif-Bold.ttf", "bold", "normal"),
    ("LiberationSerif-Italic.ttf", "normal", "italic"),
    ("LiberationSerif-BoldItalic.ttf", "bold", "italic"),
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def font_urls() -> frozenset[str]:
    """The file URLs of the shipped faces: the only files a paper may load."""
    return frozenset((FONTS / name).as_uri() for name, _w, _s in _FACES)


class _NoFetching(weasyprint.urls.URLFetcher):
    """Papers carry applicants' text: the renderer may fetch nothing but the shipped faces and
    ``data:`` URIs (the QR code), which WeasyPrint decodes without any I/O."""

    def fetch(self, url, headers=None):
        if url.startswith("data:") or url in font_urls():
            return super().fetch(url, headers)
        raise ValueError(f"fetching is disabled: {url}")


def render_pdf(template: str, **context) -> bytes:
    """The PDF of a paper's template with its context, in the current language (a legal form
    is rendered under force_locale("vi") by its caller), set in the shipped type."""
    return layout(template, **context).write_pdf()


def layout(template: str, **context) -> weasyprint.Document:
    """The paper laid out in pages (``render_pdf`` writes it; its boxes are where the text
    went)."""
    html = _environment().get_template(template).render(paper_font=PAPER_FONT, **context)
    # A control character in an applicant's text has no glyph, and the fallback font it brings
    # in garbles the text of the whole PDF for readers and search: drop them.
    html = _CONTROL.sub("", html)
    fetcher = _NoFetching()
    fonts = FontConfiguration()
    faces = weasyprint.CSS(string=_font_faces(), font_config=fonts, url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    return document.render(stylesheets=[faces], font_config=fonts)


@functools.cache
def _font_faces() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{PAPER_FONT}"; src: url("{(FONTS / name).as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in _FACES
    )


def qr_image(fields: list[tuple[str, str]]) -> str:
    """A QR code (ISO/IEC 18004, error correction M) of the fields, as a PNG ``data:`` URI.

    The payload is plain UTF-8 text, one ``Label: value`` line per field, in the paper's own
    Vietnamese words: no national schema for it was found (Circular 01/2023/TT-VPCP lists what
    it holds, not how [U]); any phone shows such a text as it is (and offers the lookup address
    on its own line as a link), and a program splits each line at its first ": ". Line breaks in
    a value are made spaces so that a value never reads as a line of its own."""
    text = "\n".join(f"{label}: {' '.join(str(value).split())}" for label, value in fields)
    return segno.make(text, error="m", micro=False).png_data_uri(scale=4, border=4)


@functools.cache
def _environment() -> Environment:
    # HTML escaped as on the pages: applicants' text is never markup.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    # Also a global: the macros a paper imports (without its context) set their text in it.
    env.globals["paper_font"] = PAPER_FONT
    return env
