"""The chat page's JSON endpoints over plain HTTP (no browser needed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.web import ChatPage


@pytest.fixture
async def site() -> AsyncIterator[dict[str, Any]]:
    server = SandboxServer(bot_username="quiz_test_bot")
    sim = server.sim
    ann = sim.create_user("Ann", last_name="Lee")
    bob = sim.create_user("Bob")
    outsider = sim.create_user("Zed")
    group = sim.create_group("Reading club", owner=ann["id"], members=[bob["id"]])
    people = [
        {"id": ann["id"], "name": "Ann Lee", "role": "teacher"},
        {"id": bob["id"], "name": "Bob", "role": "student"},
    ]
    ChatPage(server, people=people).install()
    async with server, aiohttp.ClientSession(server.url) as http:
        yield {
            "server": server,
            "sim": sim,
            "http": http,
            "ann": ann,
            "bob": bob,
            "outsider": outsider,
            "group": group,
        }


async def get(site: dict[str, Any], path: str, **query: Any) -> tuple[int, dict[str, Any]]:
    async with site["http"].get(path, params={k: str(v) for k, v in query.items()}) as response:
        return response.status, await response.json()


async def post(site: dict[str, Any], path: str, **body: Any) -> tuple[int, dict[str, Any]]:
    async with site["http"].post(path, json=body) as response:
        return response.status, await response.json()


async def test_index_is_the_chat_page(site) -> None:
    async with site["http"].get("/") as response:
        html = await response.text()
    assert response.status == 200
    assert "this is not Telegram" in html
    async with site["http"].get("/web/static/app.js") as response:
        assert response.status == 200


async def test_people_and_their_chats(site) -> None:
    status, body = await get(site, "/web/api/people")
    assert status == 200
    assert [p["name"] for p in body["people"]] == ["Ann Lee", "Bob"]
    assert body["bot"] == {"name": "Quiz Bot", "username": "quiz_test_bot"}
    _, body = await get(site, "/web/api/chats", user_id=site["bob"]["id"])
    chats = [(c["title"], c["type"], c["started"]) for c in body["chats"]]
    assert chats == [("Quiz Bot", "private", False), ("Reading club", "supergroup", True)]


async def test_only_the_pages_people_in_their_own_chats(site) -> None:
    status, body = await get(site, "/web/api/chats", user_id=site["outsider"]["id"])
    assert (status, body["ok"]) == (400, False)
    assert "no person" in body["description"]
    status, body = await get(
        site, "/web/api/messages", user_id=site["bob"]["id"], chat_id=site["ann"]["id"]
    )
    assert status == 400
    assert "not in chat" in body["description"]
    status, body = await post(
        site, "/web/api/send", user_id=site["bob"]["id"], chat_id=site["bob"]["id"], text="  "
    )
    assert status == 400


async def test_messages_wait_for_a_change(site) -> None:
    bob, sim = site["bob"], site["sim"]
    _, first = await get(site, "/web/api/messages", user_id=bob["id"], chat_id=bob["id"])
    assert first["messages"] == []
    waiting = asyncio.create_task(
        get(site, "/web/api/messages", user_id=bob["id"], chat_id=bob["id"], since=first["etag"])
    )
    await asyncio.sleep(0.3)
    assert not waiting.done()
    status, _ = await post(
        site, "/web/api/send", user_id=bob["id"], chat_id=bob["id"], text="/start now"
    )
    assert status == 200
    _, changed = await asyncio.wait_for(waiting, 5)
    assert changed["etag"] != first["etag"]
    (message,) = changed["messages"]
    assert message["text"] == "/start now"
    assert message["outgoing"] is True
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert sim.history(bob["id"])[0]["text"] == "/start now"


async def test_a_file_downloads_with_its_name(site) -> None:
    bob = site["bob"]
    fields = {"user_id": bob["id"], "chat_id": site["group"]["id"]}
    parts = [f'Content-Disposition: form-data; name="{k}"\r\n\r\n{v}' for k, v in fields.items()]
    # As browsers send it: the file name as raw UTF-8.
    parts.append(
        'Content-Disposition: form-data; name="file"; filename="r\u00e9sum\u00e9.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nStorm text."
    )
    body = "".join(f"--XyZ\r\n{part}\r\n" for part in parts) + "--XyZ--\r\n"
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    async with site["http"].post("/web/api/upload", data=body.encode(), headers=headers) as r:
        assert r.status == 200
    (sent,) = [m for m in site["sim"].history(site["group"]["id"]) if "document" in m]
    file_id = sent["document"]["file_id"]
    async with site["http"].get(f"/web/file/{file_id}", params={"download": "1"}) as response:
        data = await response.read()
        disposition = response.headers["Content-Disposition"]
    assert data == b"Storm text."
    assert disposition == "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    async with site["http"].get("/web/file/nope") as response:
        assert response.status == 404


async def test_only_pictures_open_in_place(site) -> None:
    sim, bob = site["sim"], site["bob"]
    page = sim.send_document(
        bob["id"], b"<script>alert(1)</script>", file_name="x.html", mime_type="text/html"
    )
    async with site["http"].get(f"/web/file/{page['document']['file_id']}") as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    async with site["http"].get("/") as response:
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
