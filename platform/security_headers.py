"""The headers every answer carries, in one hook (issue 14): a Content-Security-Policy that
allows no script but our own files (no inline script, no eval; JSON data blocks are not run),
no framing by other sites, no sniffing of types, the referrer kept within the site, and
``no-store`` on every page and API answer, all of which may show an applicant's ID number or
phone. Static files keep their caching.

Styles may still be inline (style attributes and the slips' print styles): CSS cannot run
code, and moving two dozen of them buys little.
"""

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)


def install(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if not (request.endpoint or "").endswith("static") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response
