"""The stand-in over plain HTTP: request formats, getUpdates, limits and Telegram's error text."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot import cli
from bot.sandbox import SandboxServer, SimClient
from bot.sandbox.markup import parse_html, parse_markdown_v2

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(bot_username="quiz_test_bot") as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Plain HTTP calls to one sandbox: JSON bodies by default."""

    def __init__(self, server: SandboxServer, session: aiohttp.ClientSession) -> None:
        self.url = f"{server.base_url}{server.token}"
        self.session = session

    async def json(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with self.session.post(f"{self.url}/{method}", json=params) as response:
            return response.status, await response.json()

    async def form(self, method: str, **params: str) -> tuple[int, dict[str, Any]]:
        async with self.session.post(f"{self.url}/{method}", data=params) as response:
            return response.status, await response.json()

    async def get(self, method: str, **params: str) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"{self.url}/{method}", params=params) as response:
            return response.status, await response.json()

    async def refused(self, method: str, **params: Any) -> str:
        status, body = await self.json(method, **params)
        assert status == body["error_code"]
        assert body["ok"] is False
        return f"{status} {body['description']}"


@pytest.fixture
def api(sandbox: SandboxServer, http: aiohttp.ClientSession) -> Api:
    return Api(sandbox, http)


# --- request formats --------------------------------------------------------------------------


async def test_json_form_get_and_multipart_requests_are_read_alike(
    sandbox: SandboxServer, api: Api, http: aiohttp.ClientSession
) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    sent = [
        await api.json("sendMessage", chat_id=ann["id"], text="a", reply_markup=keyboard),
        await api.form(
            "sendMessage", chat_id=str(ann["id"]), text="b", reply_markup=json.dumps(keyboard)
        ),
        await api.get(
            "sendMessage", chat_id=str(ann["id"]), text="c", reply_markup=json.dumps(keyboard)
        ),
    ]
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ann["id"]))
    form.add_field("caption", "d")
    form.add_field("reply_markup", json.dumps(keyboard))
    form.add_field("document", b"file body", filename="notes.txt", content_type="text/plain")
    async with http.post(f"{api.url}/sendDocument", data=form) as response:
        sent.append((response.status, await response.json()))
    assert [status for status, _ in sent] == [200, 200, 200, 200]
    assert [body["result"].get("text", body["result"].get("caption")) for _, body in sent] == [
        "a",
        "b",
        "c",
        "d",
    ]
    assert all(body["result"]["reply_markup"] == keyboard for _, body in sent)
    document = sent[-1][1]["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "notes.txt",
        "text/plain",
        9,
    )


async def test_booleans_as_strings_and_json_encoded_lists(
    sandbox: SandboxServer, api: Api
) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    status, body = await api.form(
        "sendPoll",
        chat_id=str(ann["id"]),
        question="Pick",
        options=json.dumps(["one", {"text": "two"}]),
        is_anonymous="false",
        allows_multiple_answers="1",
        protect_content="true",
    )
    assert status == 200
    poll = body["result"]["poll"]
    assert (poll["is_anonymous"], poll["allows_multiple_answers"]) == (False, True)
    assert [o["text"] for o in poll["options"]] == ["one", "two"]
    assert body["result"]["has_protected_content"] is True


async def test_file_download_after_get_file(
    sandbox: SandboxServer, api: Api, http: aiohttp.ClientSession
) -> None:
    ann = sandbox.sim.create_user("Ann")
    sent = sandbox.sim.send_document(ann["id"], b"%PDF-1.4 fake", file_name="a.pdf")
    _, body = await api.json("getFile", file_id=sent["document"]["file_id"])
    path = body["result"]["file_path"]
    async with http.get(f"{sandbox.base_file_url}{sandbox.token}/{path}") as response:
        assert response.status == 200
        assert await response.read() == b"%PDF-1.4 fake"
    async with http.get(f"{sandbox.base_file_url}{sandbox.token}/documents/none") as response:
        assert response.status == 404


async def test_token_and_method_are_checked(sandbox: SandboxServer, http) -> None:
    async with http.get(f"{sandbox.base_url}123:wrong/getMe") as response:
        assert (response.status, await response.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
    async with http.get(f"{sandbox.base_url}{sandbox.token}/noSuchMethod") as response:
        assert (response.status, await response.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found"},
        )
    async with http.get(f"{sandbox.base_url}{sandbox.token}/GETME") as response:
        assert (await response.json())["result"]["username"] == "quiz_test_bot"


# --- getUpdates -------------------------------------------------------------------------------


async def test_offsets_limit_and_negative_offset(sandbox: SandboxServer, api: Api) -> None:
    ann = sandbox.sim.create_user("Ann")
    for n in range(5):
        sandbox.sim.send_text(ann["id"], f"m{n}")
    _, body = await api.json("getUpdates", limit=2)
    first = [u["message"]["text"] for u in body["result"]]
    next_offset = body["result"][-1]["update_id"] + 1
    _, body = await api.json("getUpdates", offset=next_offset)
    rest = [u["message"]["text"] for u in body["result"]]
    _, again = await api.json("getUpdates", offset=next_offset)
    _, last = await api.json("getUpdates", offset=-1)
    _, after = await api.json("getUpdates")
    assert first == ["m0", "m1"]
    assert rest == ["m2", "m3", "m4"]
    assert again["result"] == body["result"]
    assert [u["message"]["text"] for u in last["result"]] == ["m4"]
    assert [u["message"]["text"] for u in after["result"]] == ["m4"]


async def test_allowed_updates_are_remembered(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    ann = sim.create_user("Ann")
    await api.json("getUpdates", allowed_updates=["callback_query"])
    sim.send_text(ann["id"], "ignored")
    _, body = await api.json("getUpdates")
    assert body["result"] == []
    await api.json("getUpdates", allowed_updates=[])
    sim.send_text(ann["id"], "seen")
    _, body = await api.json("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["seen"]


async def test_long_poll_returns_when_an_update_arrives(sandbox: SandboxServer, api: Api) -> None:
    ann = sandbox.sim.create_user("Ann")
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, sandbox.sim.send_text, ann["id"], "wake up")
    started = loop.time()
    _, body = await api.form("getUpdates", timeout="30")
    assert loop.time() - started < 5
    assert [u["message"]["text"] for u in body["result"]] == ["wake up"]


async def test_empty_long_poll_is_held_for_its_timeout(api: Api) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    _, body = await api.json("getUpdates", timeout=1)
    assert loop.time() - started >= 0.9
    assert body == {"ok": True, "result": []}


async def test_second_poller_conflicts_and_hang_ups_are_tolerated(
    sandbox: SandboxServer, api: Api, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(api.json("getUpdates", timeout=10))
    await sandbox.sim.wait_until(lambda: sandbox.polling, timeout=5)
    second = asyncio.create_task(api.json("getUpdates", timeout=1))
    assert await first == (409, {"ok": False, "error_code": 409, "description": CONFLICT})
    assert (await second)[0] == 200
    # a client that hangs up mid-poll leaves nothing broken behind
    async with aiohttp.ClientSession() as other:
        gone = asyncio.create_task(other.post(f"{api.url}/getUpdates", json={"timeout": 10}))
        await sandbox.sim.wait_until(lambda: sandbox.polling, timeout=5)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
    ann = sandbox.sim.create_user("Ann")
    sandbox.sim.send_text(ann["id"], "still here")
    _, body = await api.json("getUpdates", timeout=1)
    assert [u["message"]["text"] for u in body["result"]] == ["still here"]


# --- Telegram's refusals ----------------------------------------------------------------------


async def test_message_text_limits(sandbox: SandboxServer, api: Api) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    chat = ann["id"]
    assert await api.refused("sendMessage", chat_id=chat, text="x" * 4097) == (
        "400 Bad Request: message is too long"
    )
    emoji = "\U0001f600" * 4096  # limits count characters, entity offsets UTF-16 units
    assert (await api.json("sendMessage", chat_id=chat, text=emoji))[0] == 200
    assert await api.refused("sendMessage", chat_id=chat, text=emoji + "!") == (
        "400 Bad Request: message is too long"
    )
    assert await api.refused("sendMessage", chat_id=chat, text="") == (
        "400 Bad Request: message text is empty"
    )
    assert await api.refused("sendMessage", chat_id=chat, text="  \n ") == (
        "400 Bad Request: message text is empty"
    )
    status, _ = await api.json(
        "sendMessage", chat_id=chat, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML"
    )
    assert status == 200


@pytest.mark.parametrize(
    ("text", "mode", "reason"),
    [
        ("<b>bold", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<blink>x</blink>", "HTML", 'Unsupported start tag "blink" at byte offset 0'),
        (
            "é <b>x</i>",
            "HTML",
            'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"',
        ),
        ("x</b>", "HTML", "Unexpected end tag at byte offset 1"),
        ("a <b", "HTML", "Unclosed start tag at byte offset 2"),
        (
            "1.5",
            "MarkdownV2",
            "Character '.' is reserved and must be escaped with the preceding '\\'",
        ),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("[link](http://x", "MarkdownV2", "Can't find end of TextUrl entity at byte offset 0"),
    ],
)
async def test_malformed_markup_is_refused(
    sandbox: SandboxServer, api: Api, text: str, mode: str, reason: str
) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    assert await api.refused("sendMessage", chat_id=ann["id"], text=text, parse_mode=mode) == (
        f"400 Bad Request: can't parse entities: {reason}"
    )


async def test_callback_data_is_limited_to_64_bytes(sandbox: SandboxServer, api: Api) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)

    def keyboard(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "b", "callback_data": data}]]}

    ok, _ = await api.json(
        "sendMessage", chat_id=ann["id"], text="t", reply_markup=keyboard("é" * 32)
    )
    assert ok == 200
    for data in ("é" * 33, "x" * 65, ""):
        assert await api.refused(
            "sendMessage", chat_id=ann["id"], text="t", reply_markup=keyboard(data)
        ) == ("400 Bad Request: BUTTON_DATA_INVALID")


async def test_who_can_be_written_to(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    stranger, blocker = sim.create_user("Stranger"), sim.create_user("Blocker", started=True)
    sim.block_bot(blocker["id"])
    assert await api.refused("sendMessage", chat_id=-100123, text="t") == (
        "400 Bad Request: chat not found"
    )
    assert await api.refused("sendMessage", chat_id="@nobody", text="t") == (
        "400 Bad Request: chat not found"
    )
    assert await api.refused("sendMessage", chat_id=stranger["id"], text="t") == (
        "403 Forbidden: bot can't initiate conversation with a user"
    )
    assert await api.refused("sendMessage", chat_id=blocker["id"], text="t") == (
        "403 Forbidden: bot was blocked by the user"
    )
    sim.send_text(blocker["id"], "/start")  # restarting unblocks
    assert (await api.json("sendMessage", chat_id=blocker["id"], text="t"))[0] == 200


async def test_poll_limits(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    ann = sim.create_user("Ann", started=True)
    channel = sim.create_channel("News", owner=ann["id"], username="news_chan")
    base = {
        "chat_id": ann["id"],
        "question": "Q?",
        "options": ["a", "b"],
        "type": "quiz",
        "correct_option_ids": [0],
    }

    async def refusal(**changes: Any) -> str:
        return await api.refused("sendPoll", **{**base, **changes})

    assert await refusal(question="q" * 301) == (
        "400 Bad Request: poll question length must not exceed 300"
    )
    assert await refusal(question="") == "400 Bad Request: text must be non-empty"
    assert (
        await refusal(options=[]) == "400 Bad Request: poll must have at least one answer option"
    )
    assert await refusal(options=["a"]) == "400 Bad Request: poll must have at least 2 option"
    assert await refusal(options=[str(n) for n in range(13)]) == (
        "400 Bad Request: poll can't have more than 12 options"
    )
    assert await refusal(options=["a", "b" * 101]) == (
        "400 Bad Request: poll options length must not exceed 100"
    )
    assert await refusal(options=["a", " "]) == "400 Bad Request: text must be non-empty"
    assert await refusal(explanation="e" * 201) == (
        "400 Bad Request: explanation length must not exceed 200"
    )
    assert await refusal(explanation="a\nb\nc\nd") == (
        "400 Bad Request: explanation can't contain more than 2 line feeds"
    )
    assert await refusal(open_period=4) == "400 Bad Request: wrong open period specified"
    assert await refusal(open_period=2_628_001) == "400 Bad Request: wrong open period specified"
    assert await refusal(correct_option_ids=[2]) == (
        "400 Bad Request: wrong correct option ID specified"
    )
    assert await refusal(chat_id=channel["id"], is_anonymous=False) == (
        "400 Bad Request: non-anonymous polls can't be sent to channel chats"
    )
    assert await refusal(chat_id="@news_chan", is_anonymous=False) == (
        "400 Bad Request: non-anonymous polls can't be sent to channel chats"
    )
    valid = {
        **base,
        "explanation": "e" * 200,
        "open_period": 5,
        "options": [str(n) for n in range(12)],
        "shuffle_options": True,
        "hide_results_until_closes": True,
        "allows_revoting": False,
    }
    status, body = await api.json("sendPoll", **valid)
    assert status == 200
    assert body["result"]["poll"]["open_period"] == 5
    status, _ = await api.json("sendPoll", **{**base, "chat_id": channel["id"]})
    assert status == 200


async def test_stop_poll_and_votes(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    tea, ann = sim.create_user("Tea"), sim.create_user("Ann")
    group = sim.create_group("G", owner=tea["id"], members=[ann["id"]])
    _, sent = await api.json(
        "sendPoll", chat_id=group["id"], question="Q", options=["a", "b"], is_anonymous=True
    )
    message = sent["result"]
    await api.json("getUpdates", offset=-1)
    await api.json("getUpdates", offset=sim.updates[-1]["update_id"] + 1)
    sim.vote(ann["id"], message["poll"]["id"], [1])
    _, stopped = await api.json("stopPoll", chat_id=group["id"], message_id=message["message_id"])
    assert stopped["result"]["is_closed"] is True
    assert [o["voter_count"] for o in stopped["result"]["options"]] == [0, 1]
    assert await api.refused(
        "stopPoll", chat_id=group["id"], message_id=message["message_id"]
    ) == ("400 Bad Request: poll has already been closed")
    _, updates = await api.json("getUpdates")
    kinds = [next(k for k in u if k != "update_id") for u in updates["result"]]
    assert kinds == ["poll", "poll"]  # anonymous: no poll_answer


async def test_admin_table_and_rights(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    tea, ann, bob = (sim.create_user(n) for n in ("Tea", "Ann", "Bob"))
    group = sim.create_group(
        "G", owner=tea["id"], members=[ann["id"], bob["id"]], admins=[ann["id"]]
    )
    _, member = await api.json("getChatMember", chat_id=group["id"], user_id=bob["id"])
    _, admins = await api.json("getChatAdministrators", chat_id=group["id"])
    sim.set_admins(group["id"], [bob["id"]])
    _, after = await api.json("getChatAdministrators", chat_id=group["id"])
    _, sent = await api.json("sendMessage", chat_id=group["id"], text="pin me")
    pin = await api.refused(
        "pinChatMessage", chat_id=group["id"], message_id=sent["result"]["message_id"]
    )
    assert member["result"] == {"status": "member", "user": bob}
    assert {(a["user"]["id"], a["status"]) for a in admins["result"]} == {
        (tea["id"], "creator"),
        (ann["id"], "administrator"),
    }
    assert {a["user"]["id"] for a in after["result"]} == {tea["id"], bob["id"]}
    assert pin == "400 Bad Request: not enough rights to manage pinned messages in the chat"
    assert await api.refused("getChatMember", chat_id=group["id"], user_id=1) == (
        "400 Bad Request: user not found"
    )


# --- flood limits and faults ------------------------------------------------------------------


async def test_rate_limits_are_off_by_default(sandbox: SandboxServer, api: Api) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    statuses = [(await api.json("sendMessage", chat_id=ann["id"], text="t"))[0] for _ in range(10)]
    assert statuses == [200] * 10


async def test_per_chat_burst_then_429_with_retry_after(
    sandbox: SandboxServer, http: aiohttp.ClientSession, api: Api
) -> None:
    sandbox.set_rate_limits(per_chat_burst=3)
    ann = sandbox.sim.create_user("Ann", started=True)
    statuses = [(await api.json("sendMessage", chat_id=ann["id"], text="t"))[0] for _ in range(3)]
    async with http.post(f"{api.url}/sendMessage", json={"chat_id": ann["id"], "text": "t"}) as r:
        status, headers, body = r.status, r.headers, await r.json()
    assert statuses == [200, 200, 200]
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert headers["Retry-After"] == "1"


async def test_group_minute_and_global_second_limits(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    sandbox.set_rate_limits(per_chat_burst=100, per_chat_per_second=100.0)
    tea = sim.create_user("Tea")
    group = sim.create_group("G", owner=tea["id"])
    for _ in range(20):
        assert (await api.json("sendMessage", chat_id=group["id"], text="t"))[0] == 200
    status, body = await api.json("sendMessage", chat_id=group["id"], text="t")
    assert status == 429
    assert 55 <= body["parameters"]["retry_after"] <= 60
    users = [sim.create_user(f"U{n}", started=True) for n in range(10)]
    statuses = [(await api.json("sendMessage", chat_id=u["id"], text="t"))[0] for u in users]
    assert statuses.count(429) == 0  # 30 overall: 20 + 10 went through
    status, body = await api.json("sendMessage", chat_id=users[0]["id"], text="t")
    assert (status, body["parameters"]["retry_after"]) == (429, 1)


async def test_faults_for_the_next_calls(sandbox: SandboxServer, api: Api) -> None:
    sandbox.inject_fault("error", count=2, status=500)
    sandbox.inject_fault("429", count=1, methods=["getMe"], retry_after=7)
    first = await api.json("getMe")
    second = await api.json("getMe")
    third = await api.json("getMe")
    fourth = await api.json("getMe")
    assert [s for s, _ in (first, second, third, fourth)] == [500, 500, 429, 200]
    assert first[1] == {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    assert third[1]["description"] == "Too Many Requests: retry after 7"
    sandbox.inject_fault("drop", methods=["getMe"])
    with pytest.raises(aiohttp.ClientError):
        await api.json("getMe")
    assert (await api.json("getMe"))[0] == 200


# --- markup -----------------------------------------------------------------------------------


def test_html_entities_count_utf16_units() -> None:
    text, entities = parse_html(
        '\U0001f600 <b>bold &amp; <i>it</i></b> <a href="https://e.x">l</a>'
    )
    assert text == "\U0001f600 bold & it l"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 10, "length": 2},
        {"type": "text_link", "offset": 13, "length": 1, "url": "https://e.x"},
    ]


def test_html_pre_with_language_and_spoiler() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>'
    )
    assert text == "x = 1s"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 5, "length": 1},
    ]


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown_v2("*b _i_* __u__ ~s~ ||sp|| `c` [l](http://x\\)y) 1\\.5")
    assert text == "b i u s sp c l 1.5"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 2, "length": 1},
        {"type": "underline", "offset": 4, "length": 1},
        {"type": "strikethrough", "offset": 6, "length": 1},
        {"type": "spoiler", "offset": 8, "length": 2},
        {"type": "code", "offset": 11, "length": 1},
        {"type": "text_link", "offset": 13, "length": 1, "url": "http://x)y"},
    ]


# --- the driver over HTTP and the CLI ---------------------------------------------------------


async def test_sim_http_driver(sandbox: SandboxServer, api: Api) -> None:
    async with SimClient(sandbox.url) as client:
        ann = await client.call("create_user", first_name="Ann")
        await client.call("send_text", user_id=ann["id"], text="/start")
        _, body = await api.json("getUpdates")
        await api.json("sendMessage", chat_id=ann["id"], text="welcome")
        reply = await client.call("wait_for_message", chat_id=ann["id"], text_contains="wel")
        transcript = await client.call("transcript", chat_id=ann["id"])
    assert body["result"][0]["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert reply["text"] == "welcome"
    assert [m["text"] for m in transcript] == ["welcome"]


def test_cli_reports_a_taken_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(["sandbox-api", "--port", str(port)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


async def test_service_messages_reach_the_bot_and_chatter_does_not(
    sandbox: SandboxServer, api: Api
) -> None:
    sim = sandbox.sim
    tea, cat = sim.create_user("Tea"), sim.create_user("Cat")
    group = sim.create_group("G", owner=tea["id"])
    await api.json("getUpdates", offset=-1)
    await api.json("getUpdates", offset=sim.updates[-1]["update_id"] + 1)
    joined = sim.join_group(group["id"], cat["id"])
    chatter = sim.send_text(cat["id"], "hi all", chat_id=group["id"])
    sim.leave_group(group["id"], cat["id"])
    _, body = await api.json("getUpdates")
    messages = [u["message"] for u in body["result"]]
    assert (joined["delivered"], chatter["delivered"]) == (True, False)
    assert [m["new_chat_members"][0]["id"] for m in messages if "new_chat_members" in m] == [
        cat["id"]
    ]
    assert [m["left_chat_member"]["id"] for m in messages if "left_chat_member" in m] == [
        cat["id"]
    ]
    assert len(messages) == 2


async def test_a_quiz_cannot_be_copied_or_forwarded(sandbox: SandboxServer, api: Api) -> None:
    sim = sandbox.sim
    tea = sim.create_user("Tea", started=True)
    group = sim.create_group("G", owner=tea["id"])
    _, sent = await api.json(
        "sendPoll",
        chat_id=tea["id"],
        question="Q",
        options=["a", "b"],
        type="quiz",
        correct_option_ids=[0],
    )
    source = {"chat_id": group["id"], "from_chat_id": tea["id"]}
    message_id = sent["result"]["message_id"]
    assert await api.refused("copyMessage", **source, message_id=message_id) == (
        "400 Bad Request: QUIZ_ANSWER_MISSING"
    )
    assert await api.refused("forwardMessage", **source, message_id=message_id) == (
        "400 Bad Request: QUIZ_ANSWER_MISSING"
    )
    assert await api.refused("forwardMessage", **source, message_id=999) == (
        "400 Bad Request: message to forward not found"
    )
