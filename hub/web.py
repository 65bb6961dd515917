"""Serves the built web app at `/`: from the package (hub/webapp, where a wheel carries it, see
setup.py), else from frontend/dist in a source checkout.

Starlette's StaticFiles(html=True) answers 404 for client-side routes such as /teams/42, so this
small app does the routing itself: files that exist are sent; extension-less paths are deep links
and get index.html; anything else that looks like a file is a real 404. Hashed /assets/* never
change under the same name and are cached for a year; index.html is revalidated on every load so a
new build is picked up at once.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

PACKAGED_DIR = Path(__file__).resolve().parent / "webapp"
SOURCE_DIR = Path(__file__).resolve().parents[1] / "frontend" / "dist"
DIST_DIR = PACKAGED_DIR if PACKAGED_DIR.is_dir() else SOURCE_DIR
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT = """<!doctype html>
<html lang="lv"><head><meta charset="utf-8"><title>Sadarbe</title></head>
<body><main>
<h1>Tīmekļa lietotne nav uzbūvēta / The web app is not built</h1>
<p>Palaidiet <code>make run</code> vai <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
<p>Run <code>make run</code>, or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>.
GraphQL is at <a href="/graphql">/graphql</a>.</p>
</main></body></html>
"""


class WebApp:
    """ASGI app for GET/HEAD of the built front end; mount it after the API routes."""

    def __init__(self, dist_dir: Path = DIST_DIR) -> None:
        self.dist_dir = dist_dir.resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = self.respond(request)
        await response(scope, receive, send)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"})
        index = self.dist_dir / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": REVALIDATE})
        path = PurePosixPath(request.url.path)
        parts = [p for p in path.parts if p != "/"]
        if any(p in ("..", ".") or p.startswith(".") for p in parts):
            return PlainTextResponse("Not Found", status_code=404)
        file = self.dist_dir.joinpath(*parts) if parts else index
        if file.is_file() and file.resolve().is_relative_to(self.dist_dir):
            if file == index:
                return FileResponse(index, headers={"Cache-Control": REVALIDATE})
            cache = IMMUTABLE if parts[0] == "assets" else REVALIDATE
            return FileResponse(file, headers={"Cache-Control": cache})
        if parts and (parts[0] == "assets" or "." in parts[-1]):
            return PlainTextResponse("Not Found", status_code=404)
        # A client-side route (deep link): the app decides what to show.
        return FileResponse(index, headers={"Cache-Control": REVALIDATE})
