"""The webhook server in process: the secret before the body, the size cap, the unanswered bound."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.netutil import bind_sockets

from bot.updates import InFlight
from bot.webhook import SECRET_HEADER, build_server
from testsupport.offline import offline_bot, private_text

SECRET = "s3cret-" + "k" * 20


async def post(port: int, body: bytes, secret: str | None = SECRET) -> int:
    """POST to the webhook and return the status."""
    headers = {"Content-Type": "application/json"} | ({SECRET_HEADER: secret} if secret else {})
    try:
        response = await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{port}/hook",
            method="POST",
            body=body,
            headers=headers,
            raise_error=True,
            request_timeout=5,
        )
        return response.code
    except HTTPClientError as exc:
        return exc.code


async def test_secret_size_and_bound(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        in_flight = InFlight(2)
        server = build_server(bot.app, "/hook", SECRET, 4096, in_flight)
        [sock] = bind_sockets(0, "127.0.0.1")
        server.add_sockets([sock])
        port = sock.getsockname()[1]
        try:
            update = json.dumps(private_text("hi")).encode()
            assert await post(port, update, secret=None) == 403
            assert await post(port, update, secret="wrong") == 403
            assert await post(port, b"{" + b" " * 5000 + b"}") == 413
            assert await post(port, b"not json") == 400
            assert await post(port, update) == 200
            assert await post(port, update) == 200
            assert in_flight.count == 2 and bot.app.update_queue.qsize() == 2
            third = asyncio.ensure_future(post(port, update))  # held: the bound is full
            await asyncio.sleep(0.1)  # deliberate: the time a held request has to (wrongly) get through
            assert not third.done()
            await in_flight.done()
            assert await asyncio.wait_for(third, 5) == 200
        finally:
            server.stop()
