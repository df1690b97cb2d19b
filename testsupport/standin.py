"""The fake Bot API (testsupport/botapi.py) behind HTTP on 127.0.0.1, for `painbot run` as a process.

``BotApiStandIn`` is a ``BotApi`` with a server in front: the real python-telegram-bot client (or
``painbot run`` with ``TELEGRAM_BASE_URL=standin.base_url``) talks to it as to api.telegram.org.
This module only turns HTTP into ``BotApi.call`` and back, delivers updates to a webhook, and can
drop connections (an outage). Standard library only; loopback only; ``stop()`` never hangs.

PTB 22 POSTs every method to ``<base_url><TOKEN>/<method>`` as a form (multipart when uploading);
every value is a string, JSON-encoded unless it is a string already.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import re
import socket
import socketserver
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from testsupport.botapi import ApiError, BotApi

# Form fields that stay strings even when they look like JSON numbers or booleans.
_STRING_FIELDS = frozenset(
    {"text", "caption", "url", "secret_token", "inline_message_id", "callback_query_id", "inline_query_id"}
    | {"parse_mode", "photo", "message_text"}
)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its stand-in."""

    daemon_threads = True
    allow_reuse_address = True
    standin: BotApiStandIn

    def server_bind(self) -> None:
        """Bind without HTTPServer's socket.getfqdn(), which can stall on DNS."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client hanging up mid-request is routine here."""


class _Handler(BaseHTTPRequestHandler):
    """One connection's requests, each handed to the stand-in."""

    protocol_version = "HTTP/1.1"
    timeout = 90  # idle keep-alive connections are dropped after this long
    server: _Server

    def setup(self) -> None:
        """Track the connection, so stop() can cut it; send headers and body without Nagle delays."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.standin._track(self.connection, add=True)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            self.server.standin._track(self.connection, add=False)

    def do_POST(self) -> None:  # noqa: N802
        """Answer one Bot API request."""
        self.server.standin._serve(self)

    do_GET = do_POST  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No access log."""


def _coerce(key: str, value: str) -> Any:
    """A form value as the Python value PTB encoded."""
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    """The call's parameters from a form, a multipart upload or a JSON body."""
    ctype = handler.headers.get("Content-Type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        data = json.loads(body or b"{}")
        return {k: json.loads(v) if k == "reply_markup" and isinstance(v, str) else v for k, v in data.items()}
    if mime != "multipart/form-data":
        pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: _coerce(key, value) for key, value in pairs}
    raw = b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    params: dict[str, Any] = {}
    for part in email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw).iter_parts():
        name, payload = part.get_param("name", header="content-disposition"), part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is None:
            params[str(name)] = _coerce(str(name), payload.decode("utf-8", "replace"))
        else:  # an upload: what it was, not its bytes
            params[str(name)] = {"filename": part.get_filename(), "content_type": part.get_content_type()}
            params[str(name)]["size"] = len(payload)
    return params


def post_json(url: str, payload: dict[str, Any], secret: str | None, timeout: float) -> int:
    """POST JSON to a loopback URL as Telegram delivers a webhook update; return the HTTP status."""
    if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
        raise OSError(f"refusing to contact non-loopback URL {url!r}")
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


class BotApiStandIn(BotApi):
    """The fake Bot API served on 127.0.0.1 (a random free port); a context manager."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        username: str = "painbot",
        *,
        webhook_target: str | None = None,
        webhook_attempts: int = 3,
        webhook_timeout: float = 3.0,
        **model: Any,
    ) -> None:
        super().__init__(token, username, **model)
        # Deliver webhook POSTs here instead of the URL the bot set, as a reverse proxy would.
        self.webhook_target = webhook_target
        self.webhook_attempts, self.webhook_timeout = max(1, webhook_attempts), webhook_timeout
        self.port = 0
        self.dropped_requests = 0  # requests cut off by an outage
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._in_flight = 0
        self._connections: set[socket.socket] = set()
        self._down: frozenset[str] | None = None  # None: up; empty: every method down; else those
        self._request_log: list[str] = []
        self._deliveries: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Serve on a free loopback port, and deliver to a webhook once one is set."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.standin, self._server, self.port = self, server, int(server.server_address[1])
        self.stopping = False
        self._stop.clear()
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
            threading.Thread(target=self._deliver_to_webhook, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Release long polls, cut keep-alive connections and stop serving; bounded."""
        server = self._server
        if server is None:
            return
        with self._cond:
            self.stopping = True
            self._stop.set()
            self._cond.notify_all()
            # Let woken long polls write their (empty) answers before connections are cut.
            self._cond.wait_for(lambda: self._in_flight == 0, timeout=2.0)
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # release keep-alive connections parked in readline()
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        for thread in self._threads:
            thread.join(timeout=self.webhook_timeout + 1.0)
        self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` (and TELEGRAM_BASE_URL) should be."""
        if not self.port:
            raise RuntimeError("BotApiStandIn is not started")
        return f"http://127.0.0.1:{self.port}/bot"

    def _track(self, connection: socket.socket, add: bool) -> None:
        """Add or forget an open connection."""
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    # ------------------------------------------------------------------ HTTP in, BotApi.call, HTTP out

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one HTTP request: read it, drop it in an outage, else call the model and write the answer."""
        with self._cond:
            self._in_flight += 1
            self._request_log.append(handler.path)
        try:
            body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
            if self._is_down(handler.path):
                handler.close_connection = True  # an outage: the connection drops unanswered
                return
            status, payload = self._dispatch(handler, body)
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client went away (e.g. PTB cancelled a long poll)
            handler.close_connection = True
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _dispatch(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, Any]]:
        """Check the path and token, then call the model with the parameters."""
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]*)/?", urllib.parse.urlsplit(handler.path).path)
        if not match:
            return 404, ApiError(404, "Not Found").payload()
        if urllib.parse.unquote(match.group(1)) != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        try:
            params = _params(handler, body)
        except ValueError:
            return 400, ApiError(400, "Bad Request: can't parse JSON object").payload()
        return self.call(match.group(2), params)

    def _is_down(self, path: str) -> bool:
        """Whether an outage drops this request (and count it)."""
        method = path.rstrip("/").rsplit("/", 1)[-1].lower()
        with self._lock:
            if self._down is None or (self._down and method not in self._down):
                return False
            self.dropped_requests += 1
            return True

    def outage(self, down: bool = True, methods: tuple[str, ...] = ()) -> None:
        """Start (or end, ``down=False``) an outage: requests get their connection closed unanswered.
        ``methods`` limits it to those (e.g. ``("sendMessage",)``)."""
        with self._lock:
            self._down = frozenset(m.lower() for m in methods) if down else None

    # ------------------------------------------------------------------ webhook delivery

    def _deliver_to_webhook(self) -> None:
        """While a webhook is set, POST each queued update to it (a few attempts each), in order."""
        while not self._stop.is_set():
            with self._cond:
                hook = self._webhook
                pending = self._deliverable(hook["allowed_updates"]) if hook else []
                if hook is None or not pending:
                    self._cond.wait(0.5)
                    continue
                update, url, secret = pending[0], self.webhook_target or hook["url"], hook["secret_token"]
            record = {"update_id": update["update_id"], "url": url, "attempts": 0, "status": None, "ok": False}
            for attempt in range(self.webhook_attempts):
                if attempt and self._stop.wait(min(0.1 * 2**attempt, 1.0)):  # Telegram's backoff, shortened
                    break
                record["attempts"] = attempt + 1
                try:
                    record["status"] = post_json(url, update, secret, self.webhook_timeout)
                except OSError:
                    continue
                if 200 <= record["status"] <= 299:
                    record["ok"] = True
                    break
            with self._cond:
                if self._stop.is_set() and not record["ok"]:
                    return  # keep the update queued; shutting down
                # delivered, or given up on after bounded attempts: it leaves the queue either way
                self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                self._deliveries.append(record)
                self._bump()

    def post_to_webhook(self, update: dict[str, Any], secret: str | None, timeout: float = 5.0) -> int:
        """POST an update to the bot's webhook with this secret header (None: none); return the status.
        The update is not queued."""
        with self._lock:
            target = self.webhook_target or (self._webhook or {}).get("url")
        if not target:
            raise RuntimeError("no webhook is set")
        return post_json(target, {"update_id": self.reserve_update_id(), **update}, secret, timeout)

    # ------------------------------------------------------------------ what a test looks at

    @property
    def request_log(self) -> list[str]:
        """Raw request paths (they hold the token, as real Bot API URLs do)."""
        with self._lock:
            return list(self._request_log)

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """One record per update POSTed to the webhook: {update_id, url, attempts, status, ok}."""
        with self._lock:
            return copy.deepcopy(self._deliveries)
