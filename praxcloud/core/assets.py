"""Console assets: minified once at start-up and served under content-hashed names.

``request.asset_url("console.css")`` gives ``/static/console.<hash>.css``; the
hash changes whenever the file does, so browsers may cache each name for a
year. Plugins add their own files with :func:`add_assets`.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

CORE_ASSETS = Path(__file__).parent / "assets"
ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    hashed_name: str
    body: bytes
    content_type: str


def minify(name: str, text: str) -> str:
    if name.endswith(".css"):
        return rcssmin.cssmin(text)
    if name.endswith(".js"):
        return rjsmin.jsmin(text)
    return text


class AssetStore:
    def __init__(self) -> None:
        self.by_name: dict[str, Asset] = {}
        self.by_hashed: dict[str, Asset] = {}

    def add_directory(self, directory: Path, prefix: str = "") -> None:
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.suffix in (".css", ".js", ".svg", ".png", ".ico"):
                self.add(prefix + path.name, path)

    def add(self, name: str, path: Path) -> None:
        raw = path.read_bytes()
        if path.suffix in (".css", ".js"):
            raw = minify(path.name, raw.decode("utf-8")).encode("utf-8")
        digest = hashlib.sha256(raw).hexdigest()[:12]
        stem, dot, suffix = name.rpartition(".")
        hashed = f"{stem}.{digest}.{suffix}"
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        asset = Asset(hashed, raw, content_type)
        self.by_name[name] = asset
        self.by_hashed[hashed] = asset


def add_assets(config, directory: str | Path, prefix: str) -> None:
    """Serve a plugin's assets as ``/static/<prefix><file>``."""
    config.registry.assets.add_directory(Path(directory), prefix)


def asset_url(request, name: str) -> str:
    return request.route_path(
        "console.static", file=request.registry.assets.by_name[name].hashed_name
    )


def serve_asset(request):
    asset = request.registry.assets.by_hashed.get(request.matchdict["file"])
    if asset is None:
        raise HTTPNotFound()
    response = Response(body=asset.body, content_type=asset.content_type)
    response.cache_control = f"public, max-age={ONE_YEAR}, immutable"
    return response


def includeme(config) -> None:
    store = AssetStore()
    store.add_directory(CORE_ASSETS)
    config.registry.assets = store
    config.add_request_method(asset_url, "asset_url")
    config.add_route("console.static", "/static/{file}")
    config.add_view(serve_asset, route_name="console.static", request_method="GET")
