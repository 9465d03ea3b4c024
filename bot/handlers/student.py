"""Private-chat handlers for everyone: start, help, making a quiz from an article, playing,
scores, review and stop."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import play, texts
from bot.handlers import teacher
from bot.handlers.common import button_args, owned_quiz, services
from bot.services import Context, UserError
from questions import (
    Article,
    ArticleError,
    article_from_bytes,
    article_from_text,
    generate_quiz,
    load_article,
)
from questions import Quiz as GeneratedQuiz
from storage import StorageError

logger = logging.getLogger(__name__)

URL = re.compile(r"https?://\S+")
LINK_CODE = re.compile(r"[A-Za-z0-9_-]{1,63}")  # what Telegram allows in a `start` parameter
REVIEW_BATCH = 5
START_OFFERS = 3  # the user's latest quizzes, offered under the greeting


async def start(update: Update, context: Context) -> None:
    """Greet and offer the user's latest quizzes, or open what a deep link names: a quiz
    (q<code>), an assignment (a<code>), the article of a group run (r<code>) or /push."""
    user = update.effective_user
    payload = context.args[0] if context.args else ""
    if payload == "push":
        await teacher.push(update, context)
        return
    if payload:
        await _deep_link(context, user.id, payload)
        return
    recent = services(context).store.list_quizzes(user.id)[:START_OFFERS]
    rows = [
        [InlineKeyboardButton(f"▶️ {q.title[:50]}", callback_data=f"pl:{q.id}")] for q in recent
    ]
    await update.effective_message.reply_text(
        texts.start(user.first_name), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


async def _deep_link(context: Context, user_id: int, payload: str) -> None:
    """Open a deep link's payload: a kind letter, then the random code of a quiz or run.
    Codes are looked up, never ids, so a link cannot be guessed from another."""
    store = services(context).store
    kind, code = payload[:1], payload[1:]
    if kind not in ("q", "a", "r") or not LINK_CODE.fullmatch(code):
        raise UserError(texts.UNKNOWN_LINK)
    if code.isdigit():  # q12, a7: links of an older version, by sequential id
        raise UserError(texts.OLD_LINK)
    try:
        if kind == "q":
            quiz = store.quiz_by_link(code)
        else:
            run = store.run_by_link(code)
    except StorageError:
        raise UserError(texts.UNKNOWN_LINK) from None
    if kind == "q":
        if quiz.owner_id != user_id and quiz.status != "published":
            raise UserError(texts.QUIZ_GONE)
        await play.start_private(context, user_id, quiz.id)
    elif kind == "r":
        quiz = store.get_quiz(run.quiz_id, include_deleted=True)
        article = store.get_article(quiz.article_id)
        await play.send_article(context, user_id, quiz.title, article.text)
    else:
        if run.kind != "assignment" or run.state != "running":
            raise UserError(texts.ASSIGNMENT_CLOSED)
        member = await context.bot.get_chat_member(run.chat_id, user_id)
        if member.status not in ("creator", "administrator", "member", "restricted"):
            raise UserError(texts.NOT_IN_GROUP)
        await play.start_assignment(context, run, user_id)


async def help_command(update: Update, context: Context) -> None:
    """List the commands."""
    await update.effective_message.reply_text(texts.HELP)


async def on_text(update: Update, context: Context) -> None:
    """Pasted text or a link: a pending answer to a question of ours, or an article."""
    message = update.effective_message
    if await teacher.handle_pending(update, context):
        return
    text = message.text.strip()
    if URL.fullmatch(text):
        loader = partial(load_article, text)
    else:
        loader = partial(article_from_text, text, source="message")
    await _make_quiz(update, context, loader)


async def on_document(update: Update, context: Context) -> None:
    """An uploaded file: read it as an article and make a quiz."""
    document = update.effective_message.document
    limit = services(context).settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        raise UserError(texts.too_big(document.file_size, limit))
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    if len(data) > limit:
        raise UserError(texts.too_big(len(data), limit))
    name = document.file_name or "upload.txt"
    await _make_quiz(update, context, partial(article_from_bytes, data, name=name))


async def _make_quiz(update: Update, context: Context, loader: Callable[[], Article]) -> None:
    """Read and generate off the event loop, one at a time per user, editing one progress
    message as it goes."""
    svc = services(context)
    user = update.effective_user
    if user.id in svc.generating:
        raise UserError(texts.BUSY)
    made = svc.take_generation_slot(user.id)
    if made is not None:
        raise UserError(texts.TOO_MANY.format(n=made))
    svc.generating.add(user.id)
    progress = await update.effective_message.reply_text(texts.READING)
    loop = asyncio.get_running_loop()
    try:
        article = await loop.run_in_executor(svc.executor, loader)
        await progress.edit_text(texts.WRITING)
        n = svc.settings.questions_per_quiz
        generated: GeneratedQuiz = await loop.run_in_executor(
            svc.executor, partial(generate_quiz, article, n=n)
        )
    except ArticleError as error:
        await progress.edit_text(texts.esc(error))
        return
    finally:
        svc.generating.discard(user.id)
    if not generated.questions:
        await progress.edit_text(texts.NO_QUESTIONS)
        return
    store = svc.store
    saved = store.save_article(
        user.id, title=generated.title, text=article.text, source=article.source
    )
    quiz = store.save_quiz(
        saved.id, title=generated.title, questions=[q.to_dict() for q in generated.questions]
    )
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("▶️ Play", callback_data=f"pl:{quiz.id}")],
            [InlineKeyboardButton("📝 Check and publish", callback_data=f"ed:{quiz.id}")],
        ]
    )
    await progress.edit_text(texts.ready(quiz), reply_markup=keyboard)


async def on_play(update: Update, context: Context) -> None:
    """The Play button: start the quiz in this private chat."""
    (quiz_id,) = button_args(update, "pl", 1)
    user_id = update.effective_user.id
    quiz = owned_quiz(context, quiz_id, user_id)  # others' quizzes open only by their link
    await update.callback_query.answer()
    await play.start_private(context, user_id, quiz.id)


async def on_mistakes(update: Update, context: Context) -> None:
    """The Review mistakes button: each missed question with the evidence."""
    (run_id,) = button_args(update, "mi", 1)
    user_id = update.effective_user.id
    store = services(context).store
    run = store.get_run(run_id)
    answers = {a.question_id: a for a in store.get_answers(run_id) if a.user_id == user_id}
    if run.chat_id != user_id and not answers:
        raise UserError(texts.STALE)
    await update.callback_query.answer()
    missed = []
    for question_id in run.question_ids:
        answer = answers.get(question_id)
        if answer is None or not answer.correct:
            missed.append((store.get_question(question_id), answer.chosen if answer else None))
    if not missed:
        await context.bot.send_message(user_id, texts.NO_MISTAKES)
        return
    for start in range(0, len(missed), 5):
        await context.bot.send_message(user_id, texts.mistakes(missed[start : start + 5]))


async def score(update: Update, context: Context) -> None:
    """Your results, overall and per quiz."""
    store = services(context).store
    user_id = update.effective_user.id
    history = store.user_history(user_id)
    await update.effective_message.reply_text(texts.score(history, store.user_streak(user_id)))


async def top(update: Update, context: Context) -> None:
    """The leaderboard of the last quiz you played."""
    store = services(context).store
    history = store.user_history(update.effective_user.id, limit=1)
    if not history:
        await update.effective_message.reply_text(texts.NO_RESULTS)
        return
    board = store.quiz_leaderboard(history[0].quiz_id)
    await update.effective_message.reply_text(
        texts.leaderboard(f"🏆 {history[0].quiz_title}", board)
    )


async def stop(update: Update, context: Context) -> None:
    """Abandon the quiz you are playing."""
    stopped = play.stop_private(context, update.effective_user.id)
    await update.effective_message.reply_text(texts.STOPPED if stopped else texts.NOTHING_TO_STOP)


async def review(update: Update, context: Context) -> None:
    """Play the missed questions that are due again (from one quiz at a time)."""
    user_id = update.effective_user.id
    due = services(context).store.reviews_due(user_id)
    if not due:
        await update.effective_message.reply_text(texts.REVIEW_NONE)
        return
    quiz_id = due[0].quiz_id
    ids = [r.question_id for r in due if r.quiz_id == quiz_id][:REVIEW_BATCH]
    quiz = services(context).store.get_quiz(quiz_id)
    await update.effective_message.reply_text(texts.review_intro(len(ids), quiz.title))
    await play.start_review(context, user_id, quiz_id, ids)
