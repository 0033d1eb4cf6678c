"""Static files under content-hashed names: `/static/css/portal.<hash12>.css`.

The name changes whenever the content does, so a browser may keep the file a year and never
ask again (`immutable`): a page after a deploy names the new file, never a stale copy.
Templates name every static file through `static_url()`; plain names keep working and are
revalidated on each use, as before.

Nothing is copied or built: the hashed name is computed from the file on disk, and whoever
serves `/static/` strips the hash again — nginx with a regex location (deploy/nginx/portal.conf),
or `serve_static` below (the dev server, the tests, gunicorn without nginx).
"""

import hashlib
import os
import re
from pathlib import Path

from flask import Flask, current_app, send_from_directory, url_for
from werkzeug.security import safe_join

from portal.web.guards import public

DIGEST_LENGTH = 12
# stem . 12 hex . extension — nginx's location in deploy/nginx/portal.conf is the same pattern.
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
YEAR = 365 * 24 * 3600


class StaticDigests:
    """Digest of each static file, recomputed only when the file's stat changes.

    One `stat` per reference costs microseconds; hashing the 50 kB of htmx on every page
    would not. Checking the stat keeps a file edited under a running dev server right.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[tuple[int, int, int], str]] = {}

    def digest(self, folder: str, filename: str) -> str | None:
        path = safe_join(folder, filename)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None or not os.path.isfile(path):
            return None
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        known = self._known.get(path)
        if known and known[0] == key:
            return known[1]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:DIGEST_LENGTH]
        self._known[path] = (key, digest)
        return digest


def _digests() -> StaticDigests:
    return current_app.extensions["static_digests"]


def hashed_filename(filename: str) -> str:
    """`css/portal.css` → `css/portal.<hash12>.css`; unchanged when the file is missing."""
    stem, ext = os.path.splitext(filename)
    digest = _digests().digest(current_app.static_folder, filename)
    if digest is None or not ext:
        return filename  # a missing file answers 404 under its plain name, visibly
    return f"{stem}.{digest}{ext}"


def static_url(filename: str) -> str:
    """The URL a template uses for a static file: content-hashed, cacheable for a year."""
    return url_for("static", filename=hashed_filename(filename))


@public
def serve_static(filename: str):
    """`/static/<name>`: a plain name as Flask serves it (revalidated each time); a hashed
    name is the plain file, kept a year when the hash is the file's current one."""
    folder = current_app.static_folder
    match = HASHED_NAME.match(filename)
    if match is None or _digests().digest(folder, filename) is not None:
        return current_app.send_static_file(filename)
    plain = match["stem"] + match["ext"]
    current = _digests().digest(folder, plain)
    if current != match["digest"]:
        # A page from before the file changed: serve what there is, but do not let the
        # browser keep it under the old name.
        return current_app.send_static_file(plain)
    response = send_from_directory(folder, plain, max_age=YEAR)
    response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    app.extensions["static_digests"] = StaticDigests()
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["static_url"] = static_url
