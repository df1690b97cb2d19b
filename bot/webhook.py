"""The webhook server: tornado, as PTB's own, but nothing of a request is read before it is trusted.

PTB's server reads a whole body (up to 100 MB) before it checks the secret header. Here the secret
is checked as soon as the headers arrive, bodies over the limit are refused unread (tornado's
max_body_size), and an update that cannot be read is logged by its size, never its text.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.updates import InFlight

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateReceiver(tornado.web.RequestHandler):
    """One webhook POST from Telegram: secret first, then a body within the limit, then the update."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: Application, secret: str, max_body: int, in_flight: InFlight | None) -> None:
        """Tornado's per-request set-up."""
        self.app, self.secret, self.max_body, self.in_flight = app, secret, max_body, in_flight
        self.body = bytearray()

    def prepare(self) -> None:
        """Refuse before reading the body: a wrong secret (403), or a declared size over the limit (413)."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > self.max_body:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        """Collect the body (tornado stops at max_body_size)."""
        self.body += chunk

    async def post(self) -> None:
        """Queue the update for the Application; an unreadable one is refused and logged by size only."""
        try:
            update = Update.de_json(json.loads(self.body), self.app.bot)
        except Exception:  # noqa: BLE001 - any malformed body is the sender's problem, not a crash
            update = None
        if update is None:
            logger.warning("webhook: refused an update that could not be read (%d bytes)", len(self.body))
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        if self.in_flight is not None:
            # Telegram counts an update delivered once we answer 200: hold the answer while the
            # unanswered bound is full, so a crash loses no more than in polling mode.
            await self.in_flight.room()
            self.in_flight.add(1)
        await self.app.update_queue.put(update)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A bare status: nothing about the server or the request."""
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Refusals are expected traffic: no tracebacks in the log."""


def build_server(
    app: Application, path: str, secret: str, max_body: int, in_flight: InFlight | None = None
) -> HTTPServer:
    """Tornado server for the one webhook path, capping every body at max_body bytes."""
    options = {"app": app, "secret": secret, "max_body": max_body, "in_flight": in_flight}
    web = tornado.web.Application([(rf"/{path.strip('/')}/?", UpdateReceiver, options)], log_function=_quiet)
    return HTTPServer(web, max_body_size=max_body, idle_connection_timeout=60)


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log would hold paths and addresses of every request; painbot's log has no use for them."""


async def serve(
    app: Application,
    *,
    listen: str,
    port: int,
    path: str,
    url: str,
    secret: str,
    max_body: int,
    stop: asyncio.Event,
    in_flight: InFlight | None = None,
) -> None:
    """Run the Application behind the webhook until `stop` is set; the same start and stop as PTB's run_webhook."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        server = build_server(app, path, secret, max_body, in_flight)
        server.listen(port, address=listen)
        await app.start()
        try:
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
