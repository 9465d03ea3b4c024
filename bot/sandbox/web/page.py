"""The chat page's routes on the stand-in's own aiohttp app: `/` and `/web/...`.

    page = ChatPage(server, people=[{"id": 1, "name": "Ms Rivera", "role": "teacher"}])
    page.install()          # before `await server.start()`

JSON endpoints (all answer `{"ok": true, ...}` or `{"ok": false, "description": ...}`):
- `GET  /web/api/people` who the page may act as, and the bot's name
- `GET  /web/api/chats?user_id=` that person's chats
- `GET  /web/api/messages?user_id=&chat_id=&since=` the chat as they see it, with the chat list
  and an `etag`; given `since` equal to the current etag, held until something changes (or 20 s)
- `POST /web/api/send` {user_id, chat_id, text, reply_to?}
- `POST /web/api/upload` multipart: user_id, chat_id, caption, file
- `POST /web/api/tap` {user_id, chat_id, message_id, data}: waits briefly for the bot's answer
- `POST /web/api/vote` {user_id, poll_id, option_ids}
- `GET  /web/file/<file_id>[?download=1]`
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.web import views
from bot.sandbox.world import MEMBER_STATUSES, SimulationError

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
LONG_POLL_SECONDS = 20.0
ANSWER_WAIT_SECONDS = 3.0

JSON = dict[str, Any]


class PageError(Exception):
    """A request the page should not have made (unknown person, not a member, ...)."""


def _ok(**body: Any) -> web.Response:
    return web.json_response({"ok": True, **body}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ChatPage:
    """A Telegram-like chat in the browser, acting through the stand-in's `Simulation`."""

    def __init__(self, server: SandboxServer, *, people: list[JSON] | None = None) -> None:
        self.server = server
        self.sim = server.sim
        self.people: list[JSON] = list(people or [])

    def install(self) -> ChatPage:
        """Add the page's routes to the server (call before it starts)."""
        self.server.routes.extend(self.routes())
        return self

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/", self.index),
            web.static("/web/static", STATIC),
            web.get("/web/api/people", self._guard(self.people_list)),
            web.get("/web/api/chats", self._guard(self.chats)),
            web.get("/web/api/messages", self._guard(self.messages)),
            web.post("/web/api/send", self._guard(self.send)),
            web.post("/web/api/upload", self._guard(self.upload)),
            web.post("/web/api/tap", self._guard(self.tap)),
            web.post("/web/api/vote", self._guard(self.vote)),
            web.get("/web/file/{file_id}", self.file),
        ]

    @staticmethod
    def _guard(handler):
        async def guarded(request: web.Request) -> web.Response:
            try:
                return await handler(request)
            except (PageError, SimulationError, KeyError, ValueError, TypeError) as error:
                description = str(error) if not isinstance(error, KeyError) else "bad request"
                return web.json_response({"ok": False, "description": description}, status=400)

        return guarded

    # --- who and where ---------------------------------------------------------------------

    def everyone(self) -> list[JSON]:
        if self.people:
            return self.people
        return [
            {"id": user["id"], "name": views.display_name(user), "role": "user"}
            for user in self.sim.users.values()
        ]

    def _person(self, value: Any) -> int:
        user_id = int(value)
        if user_id not in {person["id"] for person in self.everyone()}:
            raise PageError(f"no person {user_id} in this sandbox")
        return user_id

    def _chat_of(self, user_id: int, value: Any) -> int:
        chat_id = int(value)
        if chat_id == user_id:
            return chat_id
        chat = self.sim.chats.get(chat_id)
        if chat is None or chat.members.get(user_id) not in MEMBER_STATUSES:
            raise PageError(f"you are not in chat {chat_id}")
        return chat_id

    # --- handlers --------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        headers = {"Cache-Control": "no-store", "Content-Security-Policy": CSP}
        return web.FileResponse(STATIC / "index.html", headers=headers)

    async def people_list(self, request: web.Request) -> web.Response:
        bot = {"name": views.display_name(self.sim.bot), "username": self.sim.bot["username"]}
        return _ok(bot=bot, people=self.everyone())

    async def chats(self, request: web.Request) -> web.Response:
        user_id = self._person(request.query["user_id"])
        return _ok(chats=views.chats_for(self.sim, user_id))

    def _snapshot(self, user_id: int, chat_id: int | None) -> JSON:
        chats = views.chats_for(self.sim, user_id)
        messages = views.messages_for(self.sim, chat_id, user_id) if chat_id is not None else []
        digest = hashlib.sha1(_dumps([chats, messages]).encode(), usedforsecurity=False)
        return {"etag": digest.hexdigest(), "chats": chats, "messages": messages}

    async def messages(self, request: web.Request) -> web.Response:
        user_id = self._person(request.query["user_id"])
        chat_id = request.query.get("chat_id")
        chat = self._chat_of(user_id, chat_id) if chat_id else None
        since = request.query.get("since")
        snapshot = self._snapshot(user_id, chat)
        if since:
            deadline = time.monotonic() + LONG_POLL_SECONDS
            while snapshot["etag"] == since and time.monotonic() < deadline:
                if request.transport is None or request.transport.is_closing():
                    break  # the page went away
                await self.sim.wait_change(min(0.25, deadline - time.monotonic()))
                snapshot = self._snapshot(user_id, chat)
        return _ok(**snapshot)

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = self._person(body["user_id"])
        chat_id = self._chat_of(user_id, body["chat_id"])
        text = str(body["text"]).strip()
        if not text:
            raise PageError("write something first")
        reply_to = body.get("reply_to")
        message = self.sim.send_text(
            user_id,
            text,
            chat_id=None if chat_id == user_id else chat_id,
            reply_to=None if reply_to is None else int(reply_to),
        )
        self.sim.notify()  # wake other pages even when the bot does not see the message
        return _ok(message_id=message["message_id"])

    async def upload(self, request: web.Request) -> web.Response:
        fields: JSON = {}
        data = b""
        file_name, mime_type = "document", "application/octet-stream"
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.name == "file":
                file_name = part.filename or file_name  # type: ignore[union-attr]
                mime_type = part.headers.get("Content-Type", mime_type)  # type: ignore[union-attr]
                data = bytes(await part.read())  # type: ignore[union-attr]
            elif part.name:
                fields[part.name] = await part.text()  # type: ignore[union-attr]
        if not data:
            raise PageError("the file is empty")
        user_id = self._person(fields["user_id"])
        chat_id = self._chat_of(user_id, fields["chat_id"])
        message = self.sim.send_document(
            user_id,
            data,
            file_name=file_name,
            mime_type=mime_type,
            caption=fields.get("caption") or None,
            chat_id=None if chat_id == user_id else chat_id,
        )
        self.sim.notify()
        return _ok(message_id=message["message_id"])

    async def tap(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = self._person(body["user_id"])
        chat_id = self._chat_of(user_id, body["chat_id"])
        message = self.sim.messages.get((chat_id, int(body["message_id"])))
        if message is None:
            raise PageError("the message is gone")
        query_id = self.sim.tap_button(user_id, message, str(body["data"]))

        def answer() -> JSON | None:
            return next(
                (a for a in self.sim.callback_answers if a["callback_query_id"] == query_id),
                None,
            )

        try:
            found = await self.sim.wait_until(answer, ANSWER_WAIT_SECONDS)
        except TimeoutError:
            found = None  # Telegram's apps stop the spinner after a while, too
        if found is None:
            return _ok(answer=None)
        return _ok(answer={"text": found["text"], "show_alert": found["show_alert"]})

    async def vote(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = self._person(body["user_id"])
        poll_id = str(body["poll_id"])
        option_ids = [int(i) for i in body["option_ids"]]
        self.sim.vote(user_id, poll_id, option_ids)
        return _ok(poll=views.poll_view(self.sim, poll_id, user_id))

    async def file(self, request: web.Request) -> web.StreamResponse:
        stored = self.sim.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound(text="no such file")
        mime_type = stored.mime_type or "application/octet-stream"
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        if request.query.get("download") or mime_type not in views.INLINE_IMAGES:
            name = stored.file_name or Path(stored.path).name
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return web.Response(body=stored.data, content_type=mime_type, headers=headers)
