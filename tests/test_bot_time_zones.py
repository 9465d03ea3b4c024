"""A teacher's time zone: set with /timezone, kept in SQLite, used by /push to read and show
times."""

from __future__ import annotations

from datetime import UTC, datetime

from bot_support import bot_settings, first_report, push, running_bot, seed_quiz, wait_text

from storage import Store


async def test_push_reads_and_shows_times_in_the_teachers_zone(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea, pia = sim.create_user("Tea"), sim.create_user("Pia")
    seed_quiz(db, tea, n=2)
    settings = bot_settings(sandbox, tmp_path)
    async with running_bot(settings):
        sim.send_command(tea["id"], "/timezone")
        default = await wait_text(sim, tea["id"], lambda t: t.startswith("Your time zone"))
        sent = sim.send_command(tea["id"], "/timezone Mars/<Olympus>")
        unknown = await sim.wait_for_message(tea["id"], after=sent["message_id"])
        sent = sim.send_command(tea["id"], "/timezone europe/berlin")
        chosen = await sim.wait_for_message(tea["id"], after=sent["message_id"])
        menu = [
            c["command"]
            for key, cs in sim.commands.items()
            if key.startswith("default|")
            for c in cs
        ]
    async with running_bot(settings):  # the zone is kept across a restart
        group = sim.create_group("Class 7", owner=tea["id"], members=[pia["id"]])
        await push(sim, tea, "Class 7", "🗓")
        ask = await wait_text(sim, tea["id"], lambda t: t.startswith("When should it start?"))
        sim.send_text(tea["id"], "2099-07-01 09:00", reply_to=ask["message_id"])
        scheduled = await wait_text(sim, tea["id"], lambda t: "will start in Class 7" in t)
        await push(sim, tea, "Class 7", "📝")
        due = await wait_text(sim, tea["id"], lambda t: t.startswith("What is the deadline?"))
        sim.send_text(tea["id"], "2099-01-15 18:00", reply_to=due["message_id"])
        assigned = await wait_text(sim, tea["id"], lambda t: "is set for Class 7" in t)
        post = await wait_text(sim, group["id"], lambda t: t.startswith("📝 Assignment"))
        document = await first_report(sim, tea)
    assert "timezone" in menu  # the command is in the menu Telegram shows
    assert "Europe/Berlin (" in document["caption"]  # the report's time in her zone too
    assert default["text"].startswith("Your time zone is UTC: it is now ")
    assert unknown["text"] == (
        "I do not know the time zone Mars/<Olympus>. Send a name from the IANA list, like "
        "/timezone Europe/Berlin or /timezone America/New_York (or /timezone UTC)."
    )
    assert chosen["text"].startswith("Your time zone is now Europe/Berlin: it is now ")
    assert "Europe/Berlin (" in chosen["text"]
    assert "Send a time in Europe/Berlin like" in ask["text"]
    assert "Send a time in Europe/Berlin like" in due["text"]
    # Summer time (UTC+2) in July, winter time (UTC+1) in January.
    assert scheduled["text"].endswith("at 2099-07-01 09:00 Europe/Berlin (07:00 UTC).")
    assert assigned["text"].endswith("due 2099-01-15 18:00 Europe/Berlin (17:00 UTC).")
    assert "due 2099-01-15 18:00 Europe/Berlin (17:00 UTC)" in post["text"]
    with Store(db) as store:
        assert store.get_user(tea["id"]).time_zone == "Europe/Berlin"
        assignment, live = store.list_runs()
    assert live.scheduled_at == datetime(2099, 7, 1, 7, 0, tzinfo=UTC)
    assert assignment.deadline == datetime(2099, 1, 15, 17, 0, tzinfo=UTC)
