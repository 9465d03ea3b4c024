"""Playing a run: sending questions as quiz polls, taking answers, moving on, finishing.

Everything a restart needs is in SQLite (run state and position, poll id -> question, answers);
the JobQueue only holds timers, and `resume` re-arms them from the store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Poll
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError, TimedOut

from bot import report, texts, transport
from bot.services import Context, PollInDoubt, Services
from bot.timeparse import zone_or_utc
from bot.transport import JSON
from storage import InvalidState, RunNotActive, StorageError, UnknownPoll
from storage.records import Answer, Question, Run
from storage.records import Poll as StoredPoll

logger = logging.getLogger(__name__)

GRACE = timedelta(seconds=2)  # answers in flight when a poll closes still count
SEND_POLL_TRIES = 3  # a sendPoll that times out is sent again (see `send_question`)
UNKNOWN_MESSAGE = 0  # the message id of a poll taken in by `adopt_poll`
RESUME_WAIT_S = 15.0  # at most this long for polls being sent before resuming a private run


def now() -> datetime:
    return datetime.now(UTC)


def _services(context: Context) -> Services:
    return context.bot_data.services


def _job_name(run_id: int) -> str:
    return f"run:{run_id}"


def _cancel_jobs(context: Context, run_id: int) -> None:
    for job in context.job_queue.get_jobs_by_name(_job_name(run_id)):
        job.schedule_removal()


# -- sending ---------------------------------------------------------------------------------


async def send_article(context: Context, chat_id: int, title: str, text: str) -> None:
    for part in texts.article_parts(title, text):
        await context.bot.send_message(chat_id, part)


async def send_question(
    context: Context, run: Run, index: int, chat_id: int, *, live: bool
) -> StoredPoll:
    """Send question `index` of the run as a quiz poll in `chat_id` and remember it (a vote
    that arrives before it is remembered waits, see `PollsInFlight`). A send that times out
    may have reached the chat all the same: it is noted in doubt and the question sent again,
    and the first vote on the copy (`adopt_poll`) makes it count as this question's too."""
    services = _services(context)
    store = services.store
    question = store.get_question(run.question_ids[index])
    seconds = run.seconds_per_question if live else None

    def closes(sent: datetime) -> datetime | None:
        return None if seconds is None else sent + timedelta(seconds=seconds) + GRACE

    with services.polls_in_flight.sending():
        for attempt in range(1, SEND_POLL_TRIES + 1):
            sent = now()
            try:
                message = await transport.post(
                    context.bot, "sendPoll", _quiz_poll(chat_id, question, seconds, live=live)
                )
                break
            except TimedOut:
                doubt = PollInDoubt(run.id, question.id, chat_id, sent, closes(sent))
                services.polls_in_doubt.add(doubt)
                if attempt == SEND_POLL_TRIES:
                    raise
                logger.info("sendPoll to %s timed out; sending it again", chat_id)
        sent = now()
        return store.register_poll(
            message["poll"]["id"],
            run_id=run.id,
            question_id=question.id,
            chat_id=chat_id,
            message_id=message["message_id"],
            sent_at=sent,
            closes_at=closes(sent),
        )


def _quiz_poll(chat_id: int, question: Question, seconds: int | None, *, live: bool) -> JSON:
    """sendPoll's data: `question` as a quiz poll, its options shuffled and its results hidden
    until it closes when the class plays live."""
    return {
        "chat_id": chat_id,
        "question": texts.esc(question.question),
        "question_parse_mode": ParseMode.HTML,
        "options": [
            {"text": texts.esc(option), "text_parse_mode": ParseMode.HTML}
            for option in question.options
        ],
        "type": Poll.QUIZ,
        "is_anonymous": False,
        "correct_option_ids": [question.answer_index],
        "explanation": texts.poll_explanation(question),
        "explanation_parse_mode": ParseMode.HTML,
        "open_period": seconds,
        "shuffle_options": live or None,
        "hide_results_until_closes": live or None,
        "allows_revoting": False,
    }


async def adopt_poll(context: Context, poll_id: str, voter_id: int) -> StoredPoll | None:
    """A vote on a poll the bot has no record of: if it can be a poll in doubt (the voter's
    private chat's, or a group's the voter is in), store the poll as that question's, so the
    vote counts as one on the copy sent again would (and a vote on both counts once). None
    when it is no poll in doubt. Its message id is unknown (stored as 0): it is not stopped."""
    services = _services(context)
    for doubt in services.polls_in_doubt.candidates(voter_id):
        if doubt.chat_id != voter_id and not await _in_chat(context, doubt.chat_id, voter_id):
            continue
        with contextlib.suppress(UnknownPoll):
            return services.store.get_poll(poll_id)  # another vote on it took it meanwhile
        if not services.polls_in_doubt.claim(doubt):
            continue
        logger.info(
            "poll %s taken as question %s of run %s", poll_id, doubt.question_id, doubt.run_id
        )
        try:
            return services.store.register_poll(
                poll_id,
                run_id=doubt.run_id,
                question_id=doubt.question_id,
                chat_id=doubt.chat_id,
                message_id=UNKNOWN_MESSAGE,
                sent_at=doubt.sent_at,
                closes_at=doubt.closes_at,
            )
        except StorageError as error:  # the run has ended meanwhile
            logger.info("poll %s in doubt not taken: %s", poll_id, error)
            return None
    return None


async def _in_chat(context: Context, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status not in ("left", "kicked")


# -- answers ---------------------------------------------------------------------------------


async def on_answer(context: Context, poll: StoredPoll, answer: Answer) -> None:
    """A newly recorded answer: give feedback and move on as the run's kind needs."""
    run = _services(context).store.get_run(poll.run_id)
    if run.mode == "group" and run.kind == "live":
        takers, by_question = _takers(context, run)
        if answer.user_id != run.started_by:
            takers.add(answer.user_id)
            by_question.setdefault(answer.question_id, set()).add(answer.user_id)
        await check_everyone_answered(context, run)
        return
    if not answer.correct:
        question = _services(context).store.get_question(answer.question_id)
        await transport.post(
            context.bot, "sendMessage", transport.html_text(poll.chat_id, texts.evidence(question))
        )
    if run.kind == "assignment":
        await next_assignment_question(context, run, answer.user_id)
    else:
        await next_private_question(context, run, run.question_ids.index(answer.question_id))


# -- private runs ----------------------------------------------------------------------------


async def start_private(context: Context, user_id: int, quiz_id: int) -> Run:
    """Start a quiz for one user in their private chat: the article, then question 1."""
    store = _services(context).store
    stopped = stop_private(context, user_id)
    if stopped:
        await context.bot.send_message(user_id, texts.IN_PROGRESS_STOPPED)
    store.upsert_chat(user_id, type="private")
    run = store.create_run(quiz_id, chat_id=user_id, started_by=user_id)
    quiz = store.get_quiz(quiz_id)
    article = store.get_article(quiz.article_id)
    await send_article(context, user_id, quiz.title, article.text)
    await send_question(context, run, 0, user_id, live=False)
    return run


async def start_review(
    context: Context, user_id: int, quiz_id: int, question_ids: list[int]
) -> Run:
    """Replay some questions of a quiz (no article first): a spaced review."""
    store = _services(context).store
    if stop_private(context, user_id):
        await context.bot.send_message(user_id, texts.IN_PROGRESS_STOPPED)
    store.upsert_chat(user_id, type="private")
    run = store.create_run(quiz_id, chat_id=user_id, started_by=user_id, question_ids=question_ids)
    await send_question(context, run, 0, user_id, live=False)
    return run


def stop_private(context: Context, user_id: int) -> bool:
    """Abandon the user's running private runs; True if there was one."""
    store = _services(context).store
    runs = store.list_runs(chat_id=user_id, states=["running"])
    for run in runs:
        store.finish_run(run.id)
    return bool(runs)


async def next_private_question(context: Context, run: Run, answered_index: int) -> None:
    store = _services(context).store
    try:
        run = store.advance_run(run.id, expected_position=answered_index)
    except (InvalidState, RunNotActive):
        return  # already moved on
    await continue_private(context, run)


async def continue_private(context: Context, run: Run) -> None:
    """Send a private run's current question, or its result when none is left."""
    store = _services(context).store
    if run.position < len(run.question_ids):
        await send_question(context, run, run.position, run.chat_id, live=False)
        return
    run = store.finish_run(run.id)
    score = store.run_score(run.id, run.started_by)
    quiz = store.get_quiz(run.quiz_id, include_deleted=True)
    if list(run.question_ids) != [q.id for q in quiz.questions if q.enabled]:
        await context.bot.send_message(run.chat_id, texts.review_result(score))
        return
    taken = run.finished_at - run.started_at if run.finished_at and run.started_at else None
    rank, players = store.quiz_rank(run.quiz_id, run.started_by)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("🔎 Review mistakes", callback_data=f"mi:{run.id}")]]
    )
    await context.bot.send_message(
        run.chat_id,
        texts.private_result(
            score, int(taken.total_seconds() * 1000) if taken else 0, rank, players
        ),
        reply_markup=keyboard if score.correct < score.asked else None,
    )


# -- assignments -----------------------------------------------------------------------------


async def next_assignment_question(context: Context, run: Run, user_id: int) -> None:
    """Send the user the first question of the assignment they have not answered, or their
    result when none is left."""
    store = _services(context).store
    answered = {a.question_id for a in store.get_answers(run.id) if a.user_id == user_id}
    for index, question_id in enumerate(run.question_ids):
        if question_id not in answered:
            await send_question(context, run, index, user_id, live=False)
            return
    score = store.run_score(run.id, user_id)
    await context.bot.send_message(
        user_id, texts.ASSIGNMENT_DONE.format(correct=score.correct, asked=score.asked)
    )


async def start_assignment(context: Context, run: Run, user_id: int) -> None:
    store = _services(context).store
    store.upsert_chat(user_id, type="private")
    answered = any(a.user_id == user_id for a in store.get_answers(run.id))
    if not answered:
        quiz = store.get_quiz(run.quiz_id, include_deleted=True)
        article = store.get_article(quiz.article_id)
        await send_article(context, user_id, quiz.title, article.text)
    await next_assignment_question(context, run, user_id)


# -- group runs ------------------------------------------------------------------------------


async def start_group(context: Context, run: Run) -> None:
    """Post the header and the first question of a live group run."""
    store = _services(context).store
    quiz = store.get_quiz(run.quiz_id, include_deleted=True)
    link = _services(context).deep_link(f"r{run.link_code}")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("📖 Read the article", url=link)]])
    await context.bot.send_message(
        run.chat_id,
        texts.group_header(quiz.title, len(run.question_ids), run.seconds_per_question or 0),
        reply_markup=keyboard,
    )
    await send_group_question(context, run)


async def send_group_question(context: Context, run: Run) -> None:
    try:
        poll = await send_question(context, run, run.position, run.chat_id, live=True)
    except Forbidden as error:  # the bot was removed from the group: the run cannot go on
        logger.warning("run %s ended: cannot post in chat %s (%s)", run.id, run.chat_id, error)
        store = _services(context).store
        store.finish_run(run.id)
        store.results_done(run.id)  # cut off: no board, and no results to send
        return
    _arm_close(context, run, poll)


def _arm_close(context: Context, run: Run, poll: StoredPoll) -> None:
    _cancel_jobs(context, run.id)
    due = poll.closes_at or now()
    context.job_queue.run_once(
        _close_job,
        when=max(0.0, (due - now()).total_seconds()),
        data=(run.id, run.position),
        name=_job_name(run.id),
    )


async def _close_job(context: Context) -> None:
    """Time is up for a question of a group run."""
    run_id, position = context.job.data
    await advance_group(context, run_id, position)


async def check_everyone_answered(context: Context, run: Run) -> None:
    """Move on early when everyone taking part has answered the current question: those who
    answered an earlier question, or for the first one everyone in the group but the bot and
    the teacher who started it."""
    question_id = run.current_question_id
    if question_id is None:
        return
    takers, by_question = _takers(context, run)
    done = by_question.get(question_id, set())
    if not done or len(done) < len(takers):  # done is a subset of takers
        return
    if run.position == 0:
        members = await _services(context).member_count(context.bot, run.chat_id)
        if len(done) < members - 2:
            return
    await advance_group(context, run.id, run.position)


def _takers(context: Context, run: Run) -> tuple[set[int], dict[int, set[int]]]:
    """Who answered the run (the teacher who started it aside): anyone, and per question.
    Read from the store once per run and process, then kept up as answers are recorded."""
    known = _services(context).run_takers
    if run.id not in known:
        takers: set[int] = set()
        by_question: dict[int, set[int]] = {}
        for answer in _services(context).store.get_answers(run.id):
            if answer.user_id != run.started_by:
                takers.add(answer.user_id)
                by_question.setdefault(answer.question_id, set()).add(answer.user_id)
        known[run.id] = (takers, by_question)
    return known[run.id]


async def advance_group(context: Context, run_id: int, position: int) -> None:
    """Close question `position` and send the next, or finish. Safe to call twice."""
    store = _services(context).store
    try:
        run = store.advance_run(run_id, expected_position=position)
    except (InvalidState, RunNotActive):
        return
    _cancel_jobs(context, run_id)
    for poll in store.run_polls(run_id):
        if poll.question_id == run.question_ids[position] and poll.closed_at is None:
            store.close_poll(poll.id)
            await _stop_poll(context, poll)
    if run.position < len(run.question_ids):
        await send_group_question(context, run)
    else:
        await finish_group(context, run)


async def finish_group(context: Context, run: Run) -> None:
    """End a group run: leaderboard in the group, report to the teacher, then a result to
    each student privately, in the background (`start_results`)."""
    services = _services(context)
    store = services.store
    _cancel_jobs(context, run.id)
    services.run_takers.pop(run.id, None)
    run = store.finish_run(run.id)
    quiz = store.get_quiz(run.quiz_id, include_deleted=True)
    board = store.run_leaderboard(run.id)
    await context.bot.send_message(run.chat_id, texts.leaderboard(f"🏆 {quiz.title}", board))
    try:
        await send_report(context, run, run.started_by)
    except Forbidden:
        logger.info("could not send the report of run %s to its teacher", run.id)
    start_results(context, run.id)


def start_results(context: Context, run_id: int) -> None:
    """Send the students of a finished group run their results in the background: a class's
    worth of messages takes a while within Telegram's limits (30 a second), and the handler
    that finished the run must not hold up the updates behind it (nor getUpdates) meanwhile."""
    services = _services(context)
    if run_id in services.sending_results:
        return
    services.sending_results.add(run_id)
    task = asyncio.get_running_loop().create_task(
        send_results(context, run_id), name=f"results of run {run_id}"
    )
    services.background.add(task)

    def done(task: asyncio.Task[None]) -> None:
        services.background.discard(task)
        services.sending_results.discard(run_id)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sending the results of run %s failed", run_id, exc_info=task.exception())

    task.add_done_callback(done)


async def send_results(context: Context, run_id: int) -> None:
    """Each student on a finished group run's board not yet sent their result privately gets
    it (one who blocked the bot is skipped), each noted in the store as it goes: stopped or
    killed, the bot carries on after a restart with those still owed theirs."""
    store = _services(context).store
    run = store.get_run(run_id)
    quiz = store.get_quiz(run.quiz_id, include_deleted=True)
    group = store.get_chat(run.chat_id).title or "the group"
    failed = 0
    for user_id in store.results_owed(run_id):
        score = store.run_score(run_id, user_id)
        try:
            await send_private(context, user_id, texts.group_result_dm(quiz.title, group, score))
        except TelegramError as error:  # retried already: try again after a restart
            logger.warning("result of run %s not sent to %s: %s", run_id, user_id, error)
            failed += 1
            continue
        store.result_sent(run_id, user_id)
    if not failed:
        store.results_done(run_id)


async def send_private(context: Context, user_id: int, text: str) -> bool:
    """Message a user privately; a user who blocked the bot is marked and skipped."""
    try:
        await context.bot.send_message(user_id, text)
    except Forbidden as error:
        if "blocked" in error.message:
            with contextlib.suppress(StorageError):
                _services(context).store.set_user_blocked(user_id)
            _services(context).remembered.pop(user_id, None)  # unblocked when heard again
        return False
    return True


async def send_report(context: Context, run: Run, user_id: int) -> None:
    store = _services(context).store
    quiz = store.get_quiz(run.quiz_id, include_deleted=True)
    csv_bytes, png_bytes = report.build(store, run.id)
    try:
        zone = zone_or_utc(store.get_user(user_id).time_zone)
    except StorageError:
        zone = None  # the caption's time in UTC, then
    caption = texts.report_caption(quiz.title, run, zone)
    await context.bot.send_document(
        user_id, csv_bytes, filename=f"run-{run.id}.csv", caption=caption
    )
    await context.bot.send_document(user_id, png_bytes, filename=f"run-{run.id}.png")


async def stop_group(context: Context, run: Run) -> None:
    """A teacher stops a group run early: close the open poll and finish."""
    store = _services(context).store
    for poll in store.run_polls(run.id):
        if poll.closed_at is None:
            await _stop_poll(context, poll)
    await finish_group(context, run)


async def _stop_poll(context: Context, poll: StoredPoll) -> None:
    """Close a poll in its chat; one taken in by `adopt_poll` has no message id to close."""
    if poll.message_id == UNKNOWN_MESSAGE:
        return
    with contextlib.suppress(TelegramError):  # closed already, or the bot was removed
        await context.bot.stop_poll(poll.chat_id, poll.message_id)


async def begin_scheduled(context: Context) -> None:
    """Job: a scheduled run's time has come."""
    (run_id,) = context.job.data
    store = _services(context).store
    try:
        run = store.start_run(run_id)
    except (InvalidState, StorageError):
        return
    await start_group(context, run)


async def close_assignment(context: Context) -> None:
    """Job: an assignment's deadline has passed."""
    (run_id,) = context.job.data
    run = _services(context).store.get_run(run_id)
    if run.state == "running":
        await finish_group(context, run)


def arm_schedule(context: Context, run: Run) -> None:
    at = run.scheduled_at or now()
    context.job_queue.run_once(
        begin_scheduled,
        when=max(0.0, (at - now()).total_seconds()),
        data=(run.id,),
        name=_job_name(run.id),
    )


def arm_deadline(context: Context, run: Run) -> None:
    at = run.deadline or now()
    context.job_queue.run_once(
        close_assignment,
        when=max(0.0, (at - now()).total_seconds()),
        data=(run.id,),
        name=_job_name(run.id),
    )


# -- restart ---------------------------------------------------------------------------------


async def resume(context: Context) -> None:
    """Job run once at start: carry on every run the store says is under way."""
    store = _services(context).store
    for run in store.runs_owing_results():
        start_results(context, run.id)
    for run in store.list_runs(states=["scheduled"]):
        arm_schedule(context, run)
    for run in reversed(store.list_runs(states=["running"], kinds=["assignment"])):
        if run.mode == "group":
            arm_deadline(context, run)
    for run in reversed(store.list_runs(states=["running"], kinds=["live"])):
        try:
            if run.mode == "group":
                await resume_group(context, run)
            else:
                await resume_private(context, run)
        except TelegramError:
            logger.exception("could not resume run %s", run.id)


async def resume_private(context: Context, run: Run) -> None:
    """A private run cut off between a vote and the next question: the answer is stored but
    the run did not move on, or moved on without its question reaching the student (or
    without the bot storing it). Carry on; a run waiting for the student's vote is left.
    Votes fetched again after the restart are handled meanwhile: look once their questions
    are sent."""
    services = _services(context)
    store = services.store
    await services.polls_in_flight.settled(RESUME_WAIT_S)
    run = store.get_run(run.id)
    if run.state != "running":
        return
    question_id = run.current_question_id
    if question_id is None:
        logger.info("finishing private run %s", run.id)
        await continue_private(context, run)
        return
    if not any(p.question_id == question_id for p in store.run_polls(run.id)):
        logger.info("resuming private run %s at question %s", run.id, run.position + 1)
        await continue_private(context, run)
    elif store.get_answer(run.id, question_id, run.started_by) is not None:
        logger.info("resuming private run %s after question %s", run.id, run.position + 1)
        await next_private_question(context, run, run.position)


async def resume_group(context: Context, run: Run) -> None:
    store = _services(context).store
    logger.info("resuming run %s at question %s", run.id, run.position + 1)
    if run.position >= len(run.question_ids):
        await finish_group(context, run)
        return
    polls = [p for p in store.run_polls(run.id) if p.question_id == run.current_question_id]
    if not polls:
        await send_group_question(context, run)
        return
    poll = polls[-1]
    if poll.closed_at is not None:
        await advance_group(context, run.id, run.position)
        return
    _arm_close(context, run, poll)
    await check_everyone_answered(context, run)
