"""A teacher's private-chat handlers: checking a draft (keep, drop, edit, more, publish),
listing, renaming and deleting quizzes, pushing a quiz to a group, and reports."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import partial

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import play, texts
from bot.handlers.common import (
    button_args,
    is_id,
    owned_question,
    owned_quiz,
    services,
    user_zone,
)
from bot.services import Context, StaleButton, UserError
from bot.timeparse import find_zone, parse_time
from questions import article_from_text, generate_quiz
from storage import StorageError
from storage.records import PendingReply, Question, Quiz

logger = logging.getLogger(__name__)

MORE_STEP = 5
PENDING_FOR = timedelta(hours=1)  # how long the bot waits for an edit or a time
MAX_QUESTION, MAX_OPTION, MAX_OPTIONS = 300, 100, 12  # Telegram's limits for a quiz poll


# -- checking a draft ------------------------------------------------------------------------


def _question_keyboard(question: Question) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Keep", callback_data=f"qk:{question.id}"),
                InlineKeyboardButton("🗑 Drop", callback_data=f"qd:{question.id}"),
                InlineKeyboardButton("✏️ Edit", callback_data=f"qe:{question.id}"),
            ]
        ]
    )


def _footer_keyboard(quiz: Quiz) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("More questions", callback_data=f"mo:{quiz.id}"),
                InlineKeyboardButton("📢 Publish", callback_data=f"pb:{quiz.id}"),
            ]
        ]
    )


async def _send_draft(context: Context, chat_id: int, quiz: Quiz, start: int = 0) -> None:
    for number, question in enumerate(quiz.questions[start:], start + 1):
        await context.bot.send_message(
            chat_id,
            texts.question_preview(number, question),
            reply_markup=_question_keyboard(question),
        )
    await context.bot.send_message(
        chat_id, texts.draft_footer(quiz), reply_markup=_footer_keyboard(quiz)
    )


async def on_check(update: Update, context: Context) -> None:
    """Show the draft, one question per message with keep/drop/edit buttons."""
    (quiz_id,) = button_args(update, "ed", 1)
    quiz = owned_quiz(context, quiz_id, update.effective_user.id)
    await update.callback_query.answer()
    await _send_draft(context, update.effective_user.id, quiz)


async def on_keep_or_drop(update: Update, context: Context) -> None:
    """Keep or drop one question of a draft."""
    data = update.callback_query.data or ""
    keep = data.startswith("qk:")
    (question_id,) = button_args(update, "qk" if keep else "qd", 1)
    quiz, question = owned_question(context, question_id, update.effective_user.id)
    question = services(context).store.set_question_enabled(question_id, keep)
    await update.callback_query.answer("Kept" if keep else "Dropped")
    number = [q.id for q in quiz.questions].index(question_id) + 1
    await update.callback_query.edit_message_text(
        texts.question_preview(number, question), reply_markup=_question_keyboard(question)
    )


async def on_edit(update: Update, context: Context) -> None:
    """Ask for the corrected question as a reply."""
    (question_id,) = button_args(update, "qe", 1)
    quiz, _ = owned_question(context, question_id, update.effective_user.id)
    number = [q.id for q in quiz.questions].index(question_id) + 1
    await update.callback_query.answer()
    services(context).store.set_pending_reply(
        update.effective_user.id, "edit", question_id=question_id, expires_in=PENDING_FOR
    )
    await context.bot.send_message(
        update.effective_user.id,
        texts.EDIT_PROMPT.format(number=number),
        reply_markup=ForceReply(selective=True),
    )


def parse_edit(text: str) -> tuple[str, list[str] | None, int | None]:
    """The question, and the options with the index of the one marked `*` (or None, None)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(texts.EDIT_BAD)
    question, rest = lines[0], lines[1:]
    if len(question) > MAX_QUESTION:
        raise UserError(texts.EDIT_TOO_LONG)
    if not rest:
        return question, None, None
    marked = [i for i, line in enumerate(rest) if line.startswith("*")]
    options = [line.lstrip("*").strip() for line in rest]
    if len(options) < 2 or len(marked) != 1 or not all(options):
        raise UserError(texts.EDIT_BAD)
    if len(options) > MAX_OPTIONS or any(len(o) > MAX_OPTION for o in options):
        raise UserError(texts.EDIT_TOO_LONG)
    return question, options, marked[0]


async def _finish_edit(update: Update, context: Context, question_id: int) -> None:
    user_id = update.effective_user.id
    quiz, _ = owned_question(context, question_id, user_id)
    question_text, options, answer_index = parse_edit(update.effective_message.text)
    try:
        question = services(context).store.edit_question(
            question_id, question=question_text, options=options, answer_index=answer_index
        )
    except StorageError as error:
        raise UserError(f"{texts.EDIT_BAD}\n({error})") from None
    number = [q.id for q in quiz.questions].index(question_id) + 1
    await update.effective_message.reply_text(
        texts.question_preview(number, question), reply_markup=_question_keyboard(question)
    )


async def on_more(update: Update, context: Context) -> None:
    """Generate more questions from the same article and add the new ones to the draft."""
    (quiz_id,) = button_args(update, "mo", 1)
    svc = services(context)
    user_id = update.effective_user.id
    quiz = owned_quiz(context, quiz_id, user_id)
    if user_id in svc.generating:
        raise UserError(texts.BUSY)
    await update.callback_query.answer(texts.WRITING)
    article = svc.store.get_article(quiz.article_id)
    svc.generating.add(user_id)
    try:
        generated = await asyncio.get_running_loop().run_in_executor(
            svc.executor,
            partial(
                generate_quiz,
                article_from_text(article.text, source=article.source),
                n=len(quiz.questions) + MORE_STEP,
            ),
        )
    finally:
        svc.generating.discard(user_id)
    before = len(quiz.questions)
    known = {q.key for q in quiz.questions}
    fresh = [q.to_dict() for q in generated.questions if q.id not in known][:MORE_STEP]
    quiz = svc.store.add_questions(quiz.id, fresh)
    if len(quiz.questions) == before:
        await context.bot.send_message(user_id, texts.MORE_NONE)
        return
    await context.bot.send_message(user_id, texts.more_added(len(quiz.questions) - before))
    await _send_draft(context, user_id, quiz, start=before)


async def on_publish(update: Update, context: Context) -> None:
    """Publish a draft so students can play it and it can be pushed to groups."""
    (quiz_id,) = button_args(update, "pb", 1)
    svc = services(context)
    quiz = owned_quiz(context, quiz_id, update.effective_user.id)
    if not any(q.enabled for q in quiz.questions):
        raise StaleButton("Keep at least one question first.")
    quiz = svc.store.publish_quiz(quiz.id, visibility="link")
    await update.callback_query.answer("Published")
    await context.bot.send_message(
        update.effective_user.id, texts.published(quiz, svc.deep_link(f"q{quiz.link_code}"))
    )


# -- the teacher's quizzes -------------------------------------------------------------------


async def quizzes(update: Update, context: Context) -> None:
    """List your quizzes with buttons to check or delete each."""
    svc = services(context)
    mine = svc.store.list_quizzes(update.effective_user.id)[:20]
    links = {q.id: svc.deep_link(f"q{q.link_code}") for q in mine if q.status == "published"}
    rows = [
        [
            InlineKeyboardButton(f"📝 #{q.id}", callback_data=f"ed:{q.id}"),
            InlineKeyboardButton(f"🗑 #{q.id}", callback_data=f"dl:{q.id}"),
        ]
        for q in mine
    ]
    await update.effective_message.reply_text(
        texts.quiz_list(mine, links), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


async def rename(update: Update, context: Context) -> None:
    """/rename ID NEW TITLE."""
    args = context.args or []
    if len(args) < 2 or not args[0].lstrip("#").isdigit() or not is_id(int(args[0].lstrip("#"))):
        raise UserError(texts.RENAME_USAGE)
    quiz = owned_quiz(context, int(args[0].lstrip("#")), update.effective_user.id)
    title = " ".join(args[1:])[:200]
    quiz = services(context).store.rename_quiz(quiz.id, title)
    await update.effective_message.reply_text(texts.renamed(quiz))


async def on_delete(update: Update, context: Context) -> None:
    """Delete one of your quizzes."""
    (quiz_id,) = button_args(update, "dl", 1)
    quiz = owned_quiz(context, quiz_id, update.effective_user.id)
    services(context).store.delete_quiz(quiz.id)
    await update.callback_query.answer("Deleted")
    await context.bot.send_message(update.effective_user.id, texts.deleted(quiz.title))


# -- push ------------------------------------------------------------------------------------


def _published(context: Context, quiz_id: int, user_id: int) -> Quiz:
    quiz = owned_quiz(context, quiz_id, user_id)
    if quiz.status != "published":
        raise StaleButton(texts.STALE)
    return quiz


async def _group_for(context: Context, chat_id: int, user_id: int) -> str:
    """The group's title, once it is checked that the bot is in it and the user is an admin."""
    try:
        chat = services(context).store.get_chat(chat_id)
    except StorageError:
        raise StaleButton(texts.STALE) from None
    if chat.type not in ("group", "supergroup") or not chat.is_member:
        raise StaleButton(texts.STALE)
    if not await services(context).is_admin(context.bot, chat_id, user_id, fresh=True):
        raise StaleButton(texts.NOT_ADMIN)
    return chat.title or str(chat_id)


async def push(update: Update, context: Context) -> None:
    """Pick one of your published quizzes to push to a group."""
    mine = [
        q
        for q in services(context).store.list_quizzes(update.effective_user.id)
        if q.status == "published"
    ][:20]
    if not mine:
        await update.effective_message.reply_text(texts.PUSH_NO_QUIZ)
        return
    rows = [[InlineKeyboardButton(q.title[:60], callback_data=f"pq:{q.id}")] for q in mine]
    await update.effective_message.reply_text(
        texts.PUSH_PICK_QUIZ, reply_markup=InlineKeyboardMarkup(rows)
    )


async def on_push_quiz(update: Update, context: Context) -> None:
    """A quiz is picked: offer the groups where you are an admin."""
    (quiz_id,) = button_args(update, "pq", 1)
    user_id = update.effective_user.id
    quiz = _published(context, quiz_id, user_id)
    svc = services(context)
    rows = []
    for chat in svc.store.list_chats():
        try:
            admin = await svc.is_admin(context.bot, chat.id, user_id)
        except TelegramError as error:  # e.g. the bot was removed while it was offline
            logger.info("cannot read the admins of chat %s: %s", chat.id, error)
            continue
        if admin:
            label = (chat.title or str(chat.id))[:60]
            rows.append([InlineKeyboardButton(label, callback_data=f"pg:{quiz.id}:{chat.id}")])
    await update.callback_query.answer()
    if not rows:
        await context.bot.send_message(user_id, texts.PUSH_NO_GROUP)
        return
    await context.bot.send_message(
        user_id, texts.PUSH_PICK_GROUP, reply_markup=InlineKeyboardMarkup(rows)
    )


async def on_push_group(update: Update, context: Context) -> None:
    """A group is picked: start now, schedule, or assignment."""
    quiz_id, chat_id = button_args(update, "pg", 2)
    user_id = update.effective_user.id
    quiz = _published(context, quiz_id, user_id)
    group = await _group_for(context, chat_id, user_id)
    ids = f"{quiz.id}:{chat_id}"
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("▶️ Start now", callback_data=f"pn:{ids}")],
            [InlineKeyboardButton("🗓 Schedule", callback_data=f"ps:{ids}")],
            [InlineKeyboardButton("📝 Assignment", callback_data=f"pa:{ids}")],
        ]
    )
    await update.callback_query.answer()
    await context.bot.send_message(
        user_id,
        texts.PUSH_PICK_MODE.format(title=texts.esc(quiz.title), group=texts.esc(group)),
        reply_markup=keyboard,
    )


async def on_push_mode(update: Update, context: Context) -> None:
    """Start now, or ask when (schedule) or for the deadline (assignment)."""
    data = update.callback_query.data or ""
    mode = data[:2]
    quiz_id, chat_id = button_args(update, mode, 2)
    user_id = update.effective_user.id
    quiz = _published(context, quiz_id, user_id)
    group = await _group_for(context, chat_id, user_id)
    await update.callback_query.answer()
    if mode == "pn":
        await _start_live(context, quiz, chat_id, user_id)
        await context.bot.send_message(user_id, texts.STARTED.format(group=texts.esc(group)))
        return
    services(context).store.set_pending_reply(
        user_id,
        "schedule" if mode == "ps" else "assign",
        quiz_id=quiz.id,
        chat_id=chat_id,
        expires_in=PENDING_FOR,
    )
    zone = user_zone(context, user_id)
    await context.bot.send_message(
        user_id,
        texts.ask_when(zone) if mode == "ps" else texts.ask_deadline(zone),
        reply_markup=ForceReply(selective=True),
    )


async def timezone(update: Update, context: Context) -> None:
    """/timezone [NAME]: show or set the time zone /push reads and shows your times in."""
    user_id = update.effective_user.id
    args = context.args or []
    if not args:
        zone, changed = user_zone(context, user_id), False
    else:
        zone, changed = find_zone(" ".join(args)), True
        services(context).store.set_time_zone(user_id, zone.key)
    await update.effective_message.reply_text(texts.zone_is(zone, play.now(), changed=changed))


async def _start_live(context: Context, quiz: Quiz, chat_id: int, user_id: int) -> None:
    svc = services(context)
    run = svc.store.create_run(
        quiz.id,
        chat_id=chat_id,
        started_by=user_id,
        seconds_per_question=svc.settings.seconds_per_question,
    )
    await play.start_group(context, run)


async def _finish_push(update: Update, context: Context, pending: PendingReply) -> None:
    mode, quiz_id, chat_id = pending.kind, pending.quiz_id, pending.chat_id
    user_id = update.effective_user.id
    svc = services(context)
    zone = user_zone(context, user_id)
    moment = parse_time(update.effective_message.text, play.now(), zone)
    quiz = _published(context, quiz_id, user_id)
    group = await _group_for(context, chat_id, user_id)
    if mode == "schedule":
        run = svc.store.create_run(
            quiz.id,
            chat_id=chat_id,
            started_by=user_id,
            seconds_per_question=svc.settings.seconds_per_question,
            scheduled_at=moment,
        )
        if run.state == "running":
            await play.start_group(context, run)
        else:
            play.arm_schedule(context, run)
        await update.effective_message.reply_text(texts.scheduled(quiz.title, group, moment, zone))
        return
    run = svc.store.create_run(
        quiz.id, chat_id=chat_id, started_by=user_id, kind="assignment", deadline=moment
    )
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("✍️ Start", url=svc.deep_link(f"a{run.link_code}"))]]
    )
    await context.bot.send_message(
        chat_id,
        texts.assignment_post(quiz.title, len(run.question_ids), moment, zone),
        reply_markup=keyboard,
    )
    play.arm_deadline(context, run)
    await update.effective_message.reply_text(
        texts.assignment_set(quiz.title, group, moment, zone)
    )


async def handle_pending(update: Update, context: Context) -> bool:
    """A text that answers a question the bot asked (an edit, a time). True if it was. One
    try: after a reply that cannot be read, the teacher taps the button again. Kept in
    SQLite, so a reply after a restart still counts; after PENDING_FOR it has expired, and
    a reply to the bot's question then says so (other texts are read as articles)."""
    pending = services(context).store.take_pending_reply(update.effective_user.id)
    if pending is None:
        return False
    if pending.expired(play.now()):
        if update.effective_message.reply_to_message is None:
            return False
        raise UserError(texts.PENDING_EXPIRED)
    if pending.kind == "edit":
        await _finish_edit(update, context, pending.question_id)
    else:
        await _finish_push(update, context, pending)
    return True


# -- reports ---------------------------------------------------------------------------------


async def report(update: Update, context: Context) -> None:
    """List your group runs to export."""
    store = services(context).store
    runs = [
        r
        for r in store.list_runs(started_by=update.effective_user.id, limit=50)
        if r.mode == "group"
    ][:10]
    if not runs:
        await update.effective_message.reply_text(texts.REPORT_NONE)
        return
    rows = []
    for run in runs:
        title = store.get_quiz(run.quiz_id, include_deleted=True).title
        label = f"#{run.id} {title[:40]} ({run.state})"
        rows.append([InlineKeyboardButton(label, callback_data=f"rp:{run.id}")])
    await update.effective_message.reply_text(
        texts.REPORT_PICK, reply_markup=InlineKeyboardMarkup(rows)
    )


async def on_report(update: Update, context: Context) -> None:
    """Send one run's CSV and chart."""
    (run_id,) = button_args(update, "rp", 1)
    user_id = update.effective_user.id
    try:
        run = services(context).store.get_run(run_id)
    except StorageError:
        raise StaleButton(texts.STALE) from None
    if run.mode != "group":
        raise StaleButton(texts.STALE)
    if run.started_by != user_id and not await services(context).is_admin(
        context.bot, run.chat_id, user_id, fresh=True
    ):
        raise StaleButton(texts.NOT_ADMIN)
    await update.callback_query.answer()
    await play.send_report(context, run, user_id)
