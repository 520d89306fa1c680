"""The printed papers (the slips, the register, the statistics report) as PDF: HTML templates of
the platform's templates folder, rendered by an environment of the papers' own (not the pages':
a paper is made inside an act, by a request or a command alike) and laid out by WeasyPrint,
which may fetch nothing."""

import functools
import re
from pathlib import Path

import weasyprint
from flask_babel import gettext, ngettext
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _NoFetching(weasyprint.urls.URLFetcher):
    """Papers carry applicants' text: the renderer may not fetch anything, anywhere."""

    def fetch(self, url, headers=None):
        raise ValueError(f"fetching is disabled: {url}")


def render_pdf(template: str, **context) -> bytes:
    """The PDF of a paper's template with its context, in the current language (a legal form
    is rendered under force_locale("vi") by its caller)."""
    html = _environment().get_template(template).render(**context)
    # A control character in an applicant's text has no glyph, and the fallback font it brings
    # in garbles the text of the whole PDF for readers and search: drop them.
    html = _CONTROL.sub("", html)
    return weasyprint.HTML(string=html, url_fetcher=_NoFetching()).write_pdf()


@functools.cache
def _environment() -> Environment:
    # HTML escaped as on the pages: applicants' text is never markup.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    return env
