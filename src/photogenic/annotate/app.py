"""The annotation web app: ``create_app(db_url)`` returns a FastAPI application."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from photogenic.annotate import admin_pages, api, pages
from photogenic.annotate.answers import RequestError
from photogenic.annotate.db import Store
from photogenic.annotate.queue import CLAIM_TTL
from photogenic.annotate.web import HERE, NotLoggedIn, render

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(db: str | Store, claim_ttl: float = CLAIM_TTL) -> FastAPI:
    """The app serving the store at ``db`` (a URL or an open :class:`Store`)."""
    store = db if isinstance(db, Store) else Store(db)
    app = FastAPI(
        title="photogenic annotate",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.store = store
    app.state.claim_ttl = claim_ttl
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(admin_pages.router)
    app.add_middleware(Guard)
    app.add_exception_handler(RequestError, _request_error)  # type: ignore[arg-type]
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    return app


def cross_site(request: Request) -> bool:
    """True for a request a browser sent from another site: its ``Origin`` names another host than
    the ``Host`` it was sent to, or (without ``Origin``) ``Sec-Fetch-Site`` says cross-site."""
    origin = request.headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin)
        host = request.headers.get("host", "")
        return origin == "null" or parts.netloc != host
    return request.headers.get("sec-fetch-site") == "cross-site"


class Guard:
    """ASGI middleware: refuse cross-site state-changing requests; add the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in UNSAFE_METHODS and cross_site(Request(scope)):
            response = _error(Request(scope), 403, "cross-site request refused")
            await response(scope, receive, _with_headers(send))
            return
        await self.app(scope, receive, _with_headers(send))


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for key, value in SECURITY_HEADERS.items():
                headers.setdefault(key, value)
            if headers.get("content-type", "").startswith("text/html"):
                headers["Cache-Control"] = "no-store"
        await send(message)

    return wrapped


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", {"user": None, "message": message}, status=status)


async def _request_error(request: Request, exc: RequestError) -> Response:
    return _error(request, exc.status, str(exc))


async def _not_logged_in(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/") or request.method != "GET":
        return _error(request, 401, "not logged in")
    return RedirectResponse("/login", status_code=303)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
    )
    return _error(request, 422, f"invalid request ({problems})")
