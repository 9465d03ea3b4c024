"""Hostile input: odd and oversized uploads each get a clear reply (and the bot goes on
answering); malformed updates and forged callback data are refused and change nothing."""

from __future__ import annotations

import io
import zipfile

import docx
from bot_support import (
    JSON,
    bot_settings,
    callback_answer,
    forge_tap,
    play_link,
    running_bot,
    wait_polls,
    wait_text,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from reliability_support import stored_quiz

from questions import ArticleError, article_from_bytes
from storage import Store

PROGRESS = ("📖 Reading the article…", "✍️ Writing questions…")
STALE = "That button is out of date."


def docx_bomb(unpacked_mb: int = 300) -> bytes:
    """A real .docx whose document.xml inflates to `unpacked_mb` MB (a few hundred kB packed)."""
    base = io.BytesIO()
    docx.Document().save(base)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, source.read(item))
        with bomb.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/')
            xml.write(b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
            chunk = b"The bridge was approved. " * 40_000  # 1 MB
            for _ in range(unpacked_mb):
                xml.write(chunk)
            xml.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


SCRIPTS = (
    "<html><head><title>x</title><script>alert('a')</script></head><body>"
    + "<script>document.write('<b>' + 1 + '</b>')</script>" * 200
    + "<noscript><img src=x onerror=alert(1)></noscript></body></html>"
)
RTL = "\u202e" + "مرحبا بالعالم 🌍 شكرا. שלום עולם 🚀 תודה. " * 40
LONG = " ".join(["The council met again on Monday and approved the bridge."] * 5_000)

UPLOADS = [
    # (file name, content, what the reply must say)
    ("empty.txt", b"", "the file is empty"),
    ("big.txt", b"a" * 10_000_000, "I can read files up to 5.0 MB"),
    ("noise.bin", bytes(range(256)) * 64, "binary file, not text"),
    ("bomb.docx", None, "this Word file unpacks to"),
    ("scan.pdf", None, "this PDF has no text layer"),
    ("scripts.html", SCRIPTS.encode(), "found no article text in this page"),
    ("rtl.txt", RTL.encode(), "I could not find any question to ask about that text"),
    ("long.txt", LONG.encode(), "the limit is 200,000"),
]


async def test_hostile_uploads_each_get_a_clear_reply(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    replies: dict[str, str] = {}
    async with running_bot(bot_settings(sandbox, tmp_path)):
        for name, content, _ in UPLOADS:
            data = content
            if name == "bomb.docx":
                data = docx_bomb()
            elif name == "scan.pdf":
                data = blank_pdf()
            user = sim.create_user(f"<i>{name}</i>")
            sim.send_document(user["id"], data, file_name=name, mime_type="application/x-test")
            reply = await wait_text(
                sim, user["id"], lambda t: bool(t) and t not in PROGRESS, timeout=60
            )
            replies[name] = reply["text"]
        # The bot is still answering everyone.
        last = sim.create_user("Zed")
        sim.send_command(last["id"], "/help")
        help_text = await sim.wait_for_message(last["id"])
    for name, _, expected in UPLOADS:
        assert expected in replies[name], (name, replies[name])
        assert len(replies[name]) < 300, name
    assert help_text["text"].startswith("Students")
    with Store(tmp_path / "quizbot.db") as store:
        assert all(store.list_quizzes(u) == () for u in sim.users)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    data=st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.builds(
            lambda head, body: head + body,
            st.sampled_from(
                [b"%PDF-1.4\n", b"PK\x03\x04word/", b"<html><body><p>", b"\xef\xbb\xbf"]
            ),
            st.binary(max_size=2000),
        ),
    ),
    name=st.sampled_from(["a.txt", "a.md", "a.html", "a.pdf", "a.docx", "a", "a.exe"]),
)
def test_any_upload_is_an_article_or_a_clear_article_error(data: bytes, name: str) -> None:
    """Whatever arrives, reading it gives an article or an ArticleError with a message for the
    user (never another exception, which the bot would treat as a bug)."""
    try:
        article = article_from_bytes(data, name=name)
    except ArticleError as error:
        message = str(error)
    else:
        message = f"{name}: read"
        assert article.text.strip()
    assert message.startswith(f"{name}: ")
    assert len(message) < 300


def poll_answer(sim, user: JSON, poll_id: str, options: list[int]) -> None:
    sim.push_update(
        "poll_answer",
        {
            "poll_id": poll_id,
            "user": user,
            "option_ids": options,
            "option_persistent_ids": [str(i) for i in options],
        },
    )


async def test_forged_callbacks_and_malformed_updates_change_nothing(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea", started=True)
    ann = sim.create_user("Ann", started=True)
    eve = sim.create_user("Eve", started=True)
    quiz_id = stored_quiz(db, tea, n=3)
    draft_id = stored_quiz(db, tea, n=2, title="Draft", publish=False)
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_command(ann["id"], play_link(db, quiz_id))
        first = await wait_text(sim, ann["id"], lambda t: t == "", timeout=10)  # the poll
        with Store(db) as store:
            (ann_run,) = store.list_runs()
            draft_question = store.get_quiz(draft_id).questions[0].id
        sim.send_command(eve["id"], "/help")
        menu = await sim.wait_for_message(eve["id"])
        forged = [
            f"mi:{ann_run.id}",  # another user's run: her mistakes
            f"ed:{draft_id}",  # another teacher's draft, answer key included
            f"qe:{draft_question}",  # edit another quiz's question
            f"qk:{draft_question}",
            f"pl:{draft_id}",  # play someone else's unpublished quiz
            f"rp:{ann_run.id}",  # export a private run
            f"pl:{quiz_id}",  # a published quiz by its id, not its link
            "pl:999999",  # a quiz that does not exist
            "pl:1:2:3",
            "pl:-1",
            "pl:" + "9" * 60,
            "mi:",
        ]
        answers = [await callback_answer(sim, forge_tap(sim, eve["id"], menu, d)) for d in forged]
        # Votes that are not Ann's to give, or not valid: out of range, on her poll by Eve
        # (whom Telegram would never let vote there), retracted, an unknown poll.
        poll = first["poll"]
        poll_answer(sim, ann, poll["id"], [7])
        poll_answer(sim, ann, poll["id"], [])
        poll_answer(sim, eve, poll["id"], [0])
        poll_answer(sim, ann, "123456789", [0])
        sim.push_update(  # an anonymous admin's vote: no user
            "poll_answer",
            {
                "poll_id": poll["id"],
                "voter_chat": {"id": -100, "type": "supergroup", "title": "G"},
                "option_ids": [0],
                "option_persistent_ids": ["0"],
            },
        )
        game = {"id": "inline1", "from": eve, "chat_instance": "9", "game_short_name": "x"}
        sim.callback_queries["inline1"] = {"query": game, "answered": False}
        sim.push_update("callback_query", game)  # no message, no data
        sim.send_command(eve["id"], "/help")
        still = await sim.wait_for_message(eve["id"])
        # Ann's own, real vote still counts once.
        sim.vote(ann["id"], poll["id"], poll["correct_option_ids"])
        await wait_polls(sim, ann["id"], 2)
    assert answers[:7] == [STALE] * 7
    assert all(a in (STALE, "That quiz is not available.") for a in answers[7:]), answers
    assert still["text"].startswith("Students")
    assert not any("✅" in (m.get("text") or "") for m in sim.transcript(eve["id"]))
    with Store(db) as store:
        (run,) = store.list_runs()
        answers_stored = store.get_answers(run.id)
        assert [(a.user_id, a.chosen) for a in answers_stored] == [
            (ann["id"], tuple(poll["correct_option_ids"]))
        ]
        draft = store.get_quiz(draft_id)
        assert draft.status == "draft"
        assert all(q.enabled and not q.edited for q in draft.questions)
