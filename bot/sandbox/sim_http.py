"""`/sim/<action>`: the driver API over HTTP + JSON, for tools outside the test process.

POST a JSON object of keyword arguments; the answer is `{"ok": true, "result": ...}` or
`{"ok": false, "description": ...}` with status 400.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.sandbox.world import SimulationError

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

SIM_ACTIONS = (
    "create_user",
    "create_group",
    "create_channel",
    "add_member",
    "join_group",
    "leave_group",
    "set_member_status",
    "set_admins",
    "add_bot",
    "remove_bot",
    "block_bot",
    "unblock_bot",
    "send_text",
    "send_command",
    "vote",
    "expire_poll",
    "transcript",
    "history",
)
SERVER_ACTIONS = ("inject_fault", "clear_faults", "set_rate_limits")


def sim_routes(server: SandboxServer) -> list[web.RouteDef]:
    async def handle(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        try:
            kwargs: dict[str, Any] = await request.json() if request.body_exists else {}
            result = await _dispatch(server, action, kwargs)
        except (SimulationError, TypeError, KeyError, ValueError) as error:
            return web.json_response({"ok": False, "description": str(error)}, status=400)
        return web.json_response({"ok": True, "result": result})

    return [web.post("/sim/{action}", handle)]


async def _dispatch(server: SandboxServer, action: str, kwargs: dict[str, Any]) -> Any:
    sim = server.sim
    if action in SIM_ACTIONS:
        return getattr(sim, action)(**kwargs)
    if action in SERVER_ACTIONS:
        getattr(server, action)(**kwargs)
        return True
    if action == "send_document":
        data = base64.b64decode(kwargs.pop("data_base64"))
        return sim.send_document(kwargs.pop("user_id"), data, **kwargs)
    if action == "tap_button":
        message = sim.messages[(kwargs.pop("chat_id"), kwargs.pop("message_id"))]
        return sim.tap_button(kwargs.pop("user_id"), message, **kwargs)
    if action == "wait_for_message":
        contains = kwargs.pop("text_contains", None)
        kind = kwargs.pop("kind", None)  # "text", "poll", "document", "photo"

        def predicate(message: dict[str, Any]) -> bool:
            if kind and kind not in message:
                return False
            return contains is None or contains in (message.get("text") or "")

        try:
            return await sim.wait_for_message(kwargs.pop("chat_id"), predicate, **kwargs)
        except TimeoutError as error:
            raise SimulationError(str(error)) from None
    if action == "callback_answers":
        return sim.callback_answers
    raise SimulationError(f"unknown action {action}")


class SimClient:
    """Drive a sandbox in another process: `await client.call("send_text", user_id=1, ...)`."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def call(self, action: str, **kwargs: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(f"{self.url}/sim/{action}", json=kwargs) as response:
            body = await response.json()
        if not body["ok"]:
            raise SimulationError(body["description"])
        return body["result"]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SimClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
