"""The HTTP face of the stand-in: `/bot<TOKEN>/<method>`, `/file/bot<TOKEN>/<path>`, `/sim/...`."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from bot.sandbox import recorder
from bot.sandbox.errors import ApiError, too_many_requests
from bot.sandbox.limits import Fault, RateLimiter, RateLimits
from bot.sandbox.methods import RETURNS, BotApi, canonical_method
from bot.sandbox.params import read_params
from bot.sandbox.sim_http import sim_routes
from bot.sandbox.world import Simulation

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:SANDBOX-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None):
    return web.Response(
        text=_dumps(body), status=status, content_type="application/json", headers=headers
    )


class SandboxServer:
    """A local Telegram Bot API. `await start()`, point the bot at `base_url`, drive `sim`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "quizbot_sandbox_bot",
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.token = token
        self.sim = Simulation(token, bot_username=bot_username)
        self.rate_limits = rate_limits or RateLimits()
        self.limiter = RateLimiter(self.rate_limits)
        self.api = BotApi(self.sim, self.limiter)
        self.faults: list[Fault] = []
        self.calls: list[str] = []  # method names in the order they arrived
        self.routes: list[web.AbstractRouteDef] = []  # more routes for the same app (web page)
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_routes(sim_routes(self))
        app.router.add_routes(self.routes)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.host = host
        self.port = sockets[0].getsockname()[1] if sockets else port
        logger.info("sandbox Bot API listening on http://%s:%s", host, self.port)
        return self

    async def stop(self) -> None:
        for state in self.sim.polls.values():
            if state.timer:
                state.timer.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`; the token is appended by the client."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def polling(self) -> bool:
        """True while a getUpdates request is being held open."""
        return self.api.polling

    # --- knobs ----------------------------------------------------------------------------

    def inject_fault(
        self,
        kind: str,
        *,
        count: int = 1,
        methods: Iterable[str] | None = None,
        chats: Iterable[int] | None = None,
        delay: float = 0.0,
        status: int = 500,
        retry_after: int = 1,
    ) -> Fault:
        """Misbehave on the next `count` calls (of `methods`, or any): kind is "delay" (answer
        after `delay` s), "late" (the call takes effect at once, its answer comes `delay` s
        later), "drop" (close the connection), "error" (HTTP `status`) or "429". With `chats`,
        only calls whose chat_id is one of them."""
        fault = Fault(
            kind,
            count=count,
            methods=frozenset(methods) if methods else None,
            chats=frozenset(chats) if chats else None,
            delay=delay,
            status=status,
            retry_after=retry_after,
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_rate_limits(self, enabled: bool = True, **limits: Any) -> None:
        """Turn Telegram's flood limits on or off, optionally changing the numbers."""
        self.rate_limits.enabled = enabled
        for key, value in limits.items():
            setattr(self.rate_limits, key, value)

    # --- handlers -------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        name = canonical_method(request.match_info["method"])
        if name is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        self.calls.append(name)
        try:
            params = await read_params(request)
        except ApiError as error:
            return self._refusal(error)
        fault = self._take_fault(name, params.values.get("chat_id"))
        if fault is not None:
            response = await self._apply_fault(fault, request)
            if response is not None:
                return response
        try:
            result = await self.api.call(name, params)
        except ApiError as error:
            return self._refusal(error)
        except Exception:
            logger.exception("sandbox: %s failed", name)
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            return _json(body, 500)
        recorder.record(RETURNS[name], result)
        if fault is not None and fault.kind == "late":
            await asyncio.sleep(fault.delay)
        return _json({"ok": True, "result": result})

    @staticmethod
    def _refusal(error: ApiError) -> web.Response:
        body = error.envelope()
        if "parameters" in body:
            recorder.record("ResponseParameters", body["parameters"])
        return _json(body, error.code, error.headers())

    def _take_fault(self, method: str, chat_id: object) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.count -= 1
                fault.hits += 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    async def _apply_fault(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "late":
            return None  # answered late, after the call took effect
        if fault.kind == "drop":
            await request.read()
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # nothing more is written to this connection
        if fault.kind == "429":
            return self._refusal(too_many_requests(fault.retry_after))
        description = {500: "Internal Server Error", 502: "Bad Gateway"}.get(
            fault.status, "Internal Server Error"
        )
        return _json(
            {"ok": False, "error_code": fault.status, "description": description}, fault.status
        )

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        stored = self.sim.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
