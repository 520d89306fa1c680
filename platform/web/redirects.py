"""Where a page may send the browser back to after an act: a path of this site, never another.

A ``next`` value comes from the request (a query argument, a hidden field), so anyone can make
a link that carries one. Browsers read ``//host``, ``/\\host`` (a backslash is a slash to them)
and ``/<tab>/host`` (they drop tabs and line breaks) as another site, and ``https:`` or
``javascript:`` as what they say: only a plain absolute path is followed.
"""

from urllib.parse import urlsplit


def local_target(target: str | None, default: str) -> str:
    """``target`` if it is a path of this site, else ``default``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
