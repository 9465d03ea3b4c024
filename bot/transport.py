"""How the bot's requests reach the Bot API: aiohttp rather than python-telegram-bot's httpx.

Under load the bot's CPU goes to its requests: on this machine httpx spent 0.74 ms of CPU on a
small POST to the local stand-in and aiohttp 0.21 ms, and httpcore's pool grew dearer still
with many requests under way (it looks at every connection and every waiting request each time
one starts or ends). aiohttp's connector keeps a few connections and queues the rest."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = dict[str, Any]
TIMEOUT_S = 5.0  # connect and read, as python-telegram-bot's default
MEDIA_TIMEOUT_S = 20.0  # for uploads


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one `aiohttp.ClientSession` of at most `connections` connections
    (opened in `initialize`, closed in `shutdown`)."""

    def __init__(self, connections: int) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return TIMEOUT_S

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        headers = {"User-Agent": self.USER_AGENT}
        body: aiohttp.FormData | bytes | None = None
        read = _given(read_timeout, MEDIA_TIMEOUT_S if files else TIMEOUT_S)
        if files:
            body = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
            read = max(read or 0.0, _given(write_timeout, MEDIA_TIMEOUT_S) or 0.0) or None
        elif request_data is not None:
            # A JSON body: a dict aiohttp form-encodes is quoted byte by byte in Python, three
            # times the CPU of the JSON text for a poll. The Bot API reads either alike.
            body = request_data.json_payload
            headers["Content-Type"] = "application/json"
        timeout = aiohttp.ClientTimeout(
            total=None, connect=_given(connect_timeout, TIMEOUT_S), sock_read=read
        )
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # The error's own text can hold the URL, and so the token: only its kind.
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class HandledFirst(AiohttpRequest):
    """The getUpdates connection. Asking for updates with an offset confirms every update
    before it, and Telegram never sends a confirmed update again; python-telegram-bot asks for
    the next batch while the last is still queued, so a crash (SIGKILL) lost the votes fetched
    but not yet handled. Here the next request waits until the queue is handled: a crash leaves
    them unconfirmed and they come again after the restart (and are recorded once)."""

    def __init__(self) -> None:
        super().__init__(connections=1)
        self.queue: asyncio.Queue[object] | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self.queue is not None:
            await self.queue.join()
        return await super().do_request(*args, **kwargs)


async def post(bot: Bot, method: str, data: JSON) -> Any:
    """Call the Bot API's `method` with `data` (plain JSON values) and return its result as
    JSON. For what a vote sends under load (the evidence of a wrong answer, the next
    question): building python-telegram-bot's `Message` from the answer was a third of the CPU
    of such a send, and the bot reads two numbers of it at most. The request goes through the
    rate limiter and its retries like any other; `Defaults` are not applied, so `data` names
    its own parse mode. `Bot._post` is the one step python-telegram-bot's methods share before
    they build the answer (pinned: `<23`; every play test sends through it)."""
    return await bot._post(method, data)


def html_text(chat_id: int, text: str) -> JSON:
    """sendMessage's data for `text` in HTML without a link preview (the bot's defaults)."""
    return {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
