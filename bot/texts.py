"""Every message the bot sends, in one place. HTML parse mode: all user and article text goes
through `esc`."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from storage.records import HistoryRow, LeaderboardRow, Question, Quiz, Run, Score, Streak

MAX_MESSAGE = 4096
LETTERS = "ABCDEFGHIJKL"


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def duration(ms: int) -> str:
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s"


def when(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """`2026-05-04 09:00 UTC`; in another zone `2026-05-04 09:00 Europe/Berlin (07:00 UTC)`,
    with the UTC date too when it differs."""
    if moment is None:
        return "-"
    utc = moment.astimezone(UTC)
    if zone is None or zone.key == "UTC":
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    local = moment.astimezone(zone)
    same_day = local.date() == utc.date()
    in_utc = utc.strftime("%H:%M UTC" if same_day else "%Y-%m-%d %H:%M UTC")
    return f"{local.strftime('%Y-%m-%d %H:%M')} {esc(zone.key)} ({in_utc})"


# -- greetings and help ----------------------------------------------------------------------

START = (
    "Hi {name}! I turn news articles into reading quizzes.\n"
    "Send me an article (paste the text, a link, or a .txt/.md/.html/.pdf/.docx file) "
    "and I will quiz you on it. /help lists everything."
)

HELP = """<b>Students</b>
Send an article (text, link or file) to get a quiz on it.
/score - your results, overall and per quiz
/top - the leaderboard
/review - questions you missed, due again
/stop - abandon the quiz you are playing

<b>Teachers</b>
Send an article, then check the draft: keep, drop or edit questions, and publish.
/quizzes - your quizzes (check, rename, delete)
/rename ID TITLE - rename a quiz
/push - start a published quiz in one of your groups, schedule it, or set it as an assignment
/timezone NAME - the time zone /push reads your times in, e.g. /timezone Europe/Berlin
/report - export the results of your group runs (CSV and chart)

<b>In a group</b> (admins)
/results - the last quiz's leaderboard
/stop - stop the running quiz
/top - the group's leaderboard"""


def start(first_name: str) -> str:
    return START.format(name=esc(first_name))


# -- making a quiz ---------------------------------------------------------------------------

READING = "📖 Reading the article…"
WRITING = "✍️ Writing questions…"
BUSY = "I am still working on your last article; send the next one when it is done."
TOO_MANY = "You have made {n} quizzes in the last hour; please wait a little before the next."
NO_QUESTIONS = "I could not find any question to ask about that text; try a longer article."


def ready(quiz: Quiz) -> str:
    count = sum(q.enabled for q in quiz.questions)
    return f"✅ {count} questions ready: <b>{esc(quiz.title)}</b>"


def size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{round(n / 1000)} kB"


def too_big(n: int, limit: int) -> str:
    return f"That file is {size(n)}; I can read files up to {size(limit)}."


# -- the article -----------------------------------------------------------------------------


def article_parts(title: str, text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """The article as messages of at most `limit` characters (after HTML parsing), split at
    paragraph boundaries (at line, then word, boundaries only for an overlong paragraph)."""
    head = f"<b>{esc(title)}</b>"
    pieces: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if paragraph:
            pieces.extend(_fit(paragraph, limit))
    parts: list[str] = []
    current, size = head, len(title)
    for piece in pieces:
        if size + 2 + len(piece) <= limit:
            current, size = f"{current}\n\n{esc(piece)}", size + 2 + len(piece)
        else:
            parts.append(current)
            current, size = esc(piece), len(piece)
    parts.append(current)
    return parts


def _fit(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    out, current = [], ""
    for word in paragraph.split(" "):
        while len(word) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > limit:
            out.append(current)
            current = word
        else:
            current = candidate
    if current:
        out.append(current)
    return out


# -- playing ---------------------------------------------------------------------------------


def poll_explanation(question: Question) -> str:
    return esc(question.explanation)


def evidence(question: Question) -> str:
    return f"Where the text says so:\n<blockquote>{esc(question.evidence.text)}</blockquote>"


def private_result(score: Score, taken_ms: int, rank: int | None, players: int) -> str:
    lines = [
        f"🏁 Done! You got <b>{score.correct}/{score.asked}</b> right in {duration(taken_ms)}."
    ]
    if rank is not None:
        lines.append(f"Rank {rank} of {players} among everyone who played this quiz.")
    return "\n".join(lines)


ASSIGNMENT_DONE = "🏁 Assignment done: <b>{correct}/{asked}</b> right. Your teacher will see it."
NO_MISTAKES = "No mistakes to review. Well done!"


def mistakes(items: Sequence[tuple[Question, tuple[int, ...] | None]]) -> str:
    blocks = []
    for question, chosen in items:
        picked = ", ".join(esc(question.options[i]) for i in chosen) if chosen else "no answer"
        blocks.append(
            f"<b>{esc(question.question)}</b>\nYou answered: {picked}\n"
            f"<blockquote>{esc(question.evidence.text)}</blockquote>"
        )
    return "\n\n".join(blocks)


STOPPED = "Stopped. Send another article, or /score to see your results."
NOTHING_TO_STOP = "You are not playing a quiz right now."
IN_PROGRESS_STOPPED = "(Your unfinished quiz was stopped.)"


# -- scores ----------------------------------------------------------------------------------


def score(history: Sequence[HistoryRow], streak: Streak) -> str:
    if not history:
        return "No answers yet. Send me an article to get a quiz."
    correct = sum(h.correct for h in history)
    asked = sum(h.asked for h in history)
    lines = [
        f"<b>Overall</b>: {correct}/{asked} right ({100 * correct / max(asked, 1):.0f}%), "
        f"streak {streak.current} day(s), longest {streak.longest}.",
        "",
    ]
    lines.extend(f"{esc(h.quiz_title)}: {h.correct}/{h.asked}" for h in history)
    return "\n".join(lines)


def leaderboard(title: str, rows: Sequence[LeaderboardRow], limit: int = 50) -> str:
    if not rows:
        return f"<b>{esc(title)}</b>\nNobody has answered yet."
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = [f"<b>{esc(title)}</b>"]
    for row in rows[:limit]:
        mark = medals.get(row.rank, f"{row.rank}.")
        lines.append(
            f"{mark} {esc(row.name)}: {row.correct}/{row.asked} "
            f"({100 * row.accuracy:.0f}%), {duration(row.total_ms)}"
        )
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    return "\n".join(lines)


NO_RESULTS = "No quiz has been played here yet."
REVIEW_NONE = "Nothing to review today. Missed questions come back after 1, 3 and 7 days."


def review_intro(n: int, title: str) -> str:
    return f"🔁 {n} question(s) to review from <b>{esc(title)}</b>."


def review_result(score: Score) -> str:
    return (
        f"🔁 Review done: <b>{score.correct}/{score.asked}</b> right. Missed questions come "
        "back after 1, 3 and 7 days."
    )


# -- teacher: drafts -------------------------------------------------------------------------


def question_preview(number: int, question: Question) -> str:
    lines = [f"<b>{number}.</b> {esc(question.question)}"]
    for i, option in enumerate(question.options):
        mark = " ✅" if i == question.answer_index else ""
        lines.append(f"{LETTERS[i]}) {esc(option)}{mark}")
    state = []
    if not question.enabled:
        state.append("dropped")
    if question.edited:
        state.append("edited")
    if state:
        lines.append(f"<i>({', '.join(state)})</i>")
    return "\n".join(lines)


def draft_footer(quiz: Quiz) -> str:
    count = sum(q.enabled for q in quiz.questions)
    return (
        f"<b>{esc(quiz.title)}</b>: {count} of {len(quiz.questions)} questions kept "
        f"({quiz.status}). Publish when it looks right."
    )


EDIT_PROMPT = (
    "Reply with the corrected question {number}: the question on the first line, then one "
    "option per line with a * before the right one. Send only the first line to change the "
    "question alone."
)
EDIT_BAD = (
    "I could not read that: give the question, then at least two options, exactly one marked "
    "with *."
)
EDIT_TOO_LONG = (
    "That is too long for a Telegram quiz: the question can have up to 300 characters, and "
    "up to 12 options of at most 100 characters each."
)
MORE_NONE = "I found no further questions in this article."
PENDING_EXPIRED = (
    "I stopped waiting for that reply an hour after asking. Tap the button again "
    "(✏️ Edit, or the quiz in /push)."
)


def more_added(n: int) -> str:
    return f"Added {n} more question(s)."


def published(quiz: Quiz, link: str) -> str:
    return (
        f"📢 <b>{esc(quiz.title)}</b> is published.\n"
        f"Students can play it with this link: {esc(link)}\n"
        "Use /push to start it in one of your groups."
    )


def quiz_list(quizzes: Sequence[Quiz], links: Mapping[int, str]) -> str:
    """The quizzes, each published one with its students' link."""
    if not quizzes:
        return "You have no quizzes yet. Send me an article to make one."
    lines = ["<b>Your quizzes</b>"]
    for quiz in quizzes:
        count = sum(q.enabled for q in quiz.questions)
        lines.append(f"#{quiz.id} {esc(quiz.title)} ({quiz.status}, {count} questions)")
        if quiz.id in links:
            lines.append(f"    {esc(links[quiz.id])}")
    lines.append("\nRename with /rename ID NEW TITLE.")
    return "\n".join(lines)


RENAME_USAGE = "Use: /rename ID NEW TITLE (see /quizzes for the ids)."


def renamed(quiz: Quiz) -> str:
    return f"Renamed to <b>{esc(quiz.title)}</b>."


def deleted(title: str) -> str:
    return f"Deleted <b>{esc(title)}</b>. Its results stay in your reports."


# -- teacher: push ---------------------------------------------------------------------------

PUSH_PICK_QUIZ = "Which quiz?"
PUSH_NO_QUIZ = "You have no published quiz. Send me an article, check the draft and publish it."
PUSH_PICK_GROUP = "Which group?"
PUSH_NO_GROUP = (
    "You are not an admin of any group I am in. Add me to your class group, then try again."
)
PUSH_PICK_MODE = "<b>{title}</b> in <b>{group}</b>: start it now, schedule it, or set it as an "
PUSH_PICK_MODE += "assignment with a deadline?"
PUSH_IN_GROUP = "Send /push to me in a private chat to choose a quiz for this group."
NOT_ADMIN = "Only the group's admins can do that."


def _in_zone(zone: ZoneInfo) -> str:
    if zone.key == "UTC":
        return "a UTC time (/timezone sets yours)"
    return f"a time in {esc(zone.key)}"


def ask_when(zone: ZoneInfo) -> str:
    return (
        f"When should it start? Send {_in_zone(zone)} like <code>2026-05-04 09:30</code>, "
        "<code>tomorrow 09:00</code> or <code>in 20 min</code>."
    )


def ask_deadline(zone: ZoneInfo) -> str:
    return (
        f"What is the deadline? Send {_in_zone(zone)} like <code>2026-05-04 18:00</code>, "
        "<code>tomorrow 18:00</code> or <code>in 2 days</code>."
    )


BAD_TIME = (
    "I could not read that time; send e.g. <code>2026-05-04 09:30</code>, "
    "<code>tomorrow 09:00</code>, <code>18:00</code> or <code>in 2 h</code>."
)


def skipped_time(local: str, zone: str) -> str:
    return (
        f"{local} does not exist in {esc(zone)}: the clocks skip it that night. Send another time."
    )


PAST_TIME = "That time has passed; send a time in the future."
STARTED = "▶️ Started in <b>{group}</b>."


# -- time zones ------------------------------------------------------------------------------

ZONE_EXAMPLES = "<code>/timezone Europe/Berlin</code> or <code>/timezone America/New_York</code>"


def zone_is(zone: ZoneInfo, now: datetime, *, changed: bool) -> str:
    head = "Your time zone is now" if changed else "Your time zone is"
    local = f"it is now {when(now, zone)}"
    tail = "/push reads and shows times in it." if changed else f"Change it with {ZONE_EXAMPLES}."
    return f"{head} <b>{esc(zone.key)}</b>: {local}. {tail}"


def bad_zone(name: str) -> str:
    return (
        f"I do not know the time zone <b>{esc(name)}</b>. Send a name from the IANA list, "
        f"like {ZONE_EXAMPLES} (or <code>/timezone UTC</code>)."
    )


def scheduled(title: str, group: str, at: datetime, zone: ZoneInfo) -> str:
    return f"🗓 <b>{esc(title)}</b> will start in <b>{esc(group)}</b> at {when(at, zone)}."


def assignment_set(title: str, group: str, deadline: datetime, zone: ZoneInfo) -> str:
    return f"📝 <b>{esc(title)}</b> is set for <b>{esc(group)}</b>, due {when(deadline, zone)}."


def group_header(title: str, count: int, seconds: int) -> str:
    return (
        f"📚 <b>{esc(title)}</b>\n{count} questions, {seconds} s each. "
        "Answers stay hidden until each question closes; accuracy ranks, speed only breaks ties."
    )


def assignment_post(title: str, count: int, deadline: datetime, zone: ZoneInfo) -> str:
    return (
        f"📝 Assignment: <b>{esc(title)}</b>\n{count} questions, due {when(deadline, zone)}. "
        "Tap the button to answer in a private chat with me."
    )


def group_result_dm(title: str, group: str, score: Score) -> str:
    return f"<b>{esc(title)}</b> in {esc(group)}: you got {score.correct}/{score.asked} right."


def report_caption(title: str, run: Run, zone: ZoneInfo | None = None) -> str:
    return f"Report: <b>{esc(title)}</b> (run {run.id}, {when(run.started_at, zone)})"


REPORT_NONE = "You have not run a quiz in a group yet."
REPORT_PICK = "Which run?"
ASSIGNMENT_CLOSED = "That assignment is closed."
NOT_IN_GROUP = "That assignment is for members of its group."
STALE = "That button is out of date."
QUIZ_GONE = "That quiz is not available."
UNKNOWN_LINK = "I do not know that link: check that it was copied whole, or ask for it again."
OLD_LINK = (
    "That is an old quiz link, which no longer works. Ask your teacher for the new one "
    "(teachers find it in /quizzes)."
)
