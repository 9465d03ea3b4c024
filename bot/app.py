"""`build_application(settings)`: the one place every handler is registered."""

from __future__ import annotations

import asyncio
import html
import inspect
import logging
import re
import time
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommandScopeAllGroupChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    PollAnswerHandler,
    TypeHandler,
    filters,
)

from bot import play, texts
from bot.handlers import group, polls, student, teacher
from bot.services import BotData, Context, Services, UserError, freeze_heap
from bot.settings import Settings
from bot.transport import AiohttpRequest, HandledFirst
from questions import ArticleError
from storage import StorageError, Store

logger = logging.getLogger(__name__)

USER_ERRORS = (UserError, ArticleError, StorageError)

PRIVATE_COMMANDS = [
    ("start", "Start, or open a quiz"),
    ("help", "What I can do"),
    ("score", "Your results"),
    ("top", "Leaderboard"),
    ("review", "Missed questions due again"),
    ("stop", "Abandon the current quiz"),
    ("quizzes", "Your quizzes"),
    ("push", "Push a quiz to a group"),
    ("report", "Export a group run"),
    ("timezone", "Your time zone for dates and times"),
]
GROUP_COMMANDS = [
    ("results", "Last quiz's leaderboard (admins)"),
    ("top", "The group's leaderboard"),
    ("stop", "Stop the running quiz (admins)"),
    ("push", "Push a quiz here (admins)"),
]


def build_application(settings: Settings) -> Application:
    """The bot, ready to run: handlers, HTML defaults, rate limiter with retries, services
    opened in post_init and closed in post_shutdown."""

    async def post_init(app: Application) -> None:
        services = Services(settings=settings, store=Store(settings.db_path))
        services.bot_username = app.bot.username
        app.bot_data.open(services)
        await app.bot.set_my_commands(PRIVATE_COMMANDS)
        await app.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
        app.job_queue.run_once(play.resume, 0, name="resume")
        freeze_heap()
        logger.info("quizbot @%s ready, database %s", app.bot.username, settings.db_path)

    async def post_stop(app: Application) -> None:
        await app.bot_data.services.stop_background()  # while its requests can still end

    async def post_shutdown(app: Application) -> None:
        await app.bot_data.close()

    # Unthrottled (a local stand-in only) still retries 429s; a rate of 0 turns a limit off.
    unthrottled = {} if settings.throttle else {"overall_max_rate": 0, "group_max_rate": 0}
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(Retrying(max_retries=settings.max_retries, **unthrottled))
        .concurrent_updates(InOrderPerChat(CONCURRENT_UPDATES))
        .request(AiohttpRequest(CONNECTIONS))
        .context_types(ContextTypes(context=CallbackContext, bot_data=BotData))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if settings.base_url is not None:
        builder = builder.base_url(settings.base_url).base_file_url(settings.base_file_url)
    updates_request = HandledFirst()
    app = builder.get_updates_request(updates_request).build()
    updates_request.queue = app.update_queue
    register(app)
    return app


CONCURRENT_UPDATES = 64
CONNECTIONS = 4


class InOrderPerChat(BaseUpdateProcessor):
    """Updates of different chats are handled at once, one chat's in the order they came. A
    vote is keyed by its voter: a private chat's id is its user's, so a student's votes,
    commands and taps in their private chat keep their order, while 200 students playing
    privately no longer wait for each other's next question. The update queue counts an
    update as handled only once this has finished with it, so `HandledFirst` still confirms
    nothing unhandled."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        before = self._last.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = done
        try:
            if before is not None:
                try:
                    await before
                except BaseException:
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()  # never started: shutting down
                    raise
            await coroutine
        finally:
            done.set_result(None)
            if self._last.get(key) is done:
                del self._last[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def update_key(update: object) -> int:
    """What an update must keep its order within: the voter for a vote, else the chat, else
    the user; 0 for anything else (those keep their order among themselves)."""
    if not isinstance(update, Update):
        return 0
    if update.poll_answer is not None:
        vote = update.poll_answer
        voter = vote.user or vote.voter_chat
        return voter.id if voter is not None else 0
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class Retrying(AIORateLimiter):
    """Telegram's flood limits with 429s retried (AIORateLimiter), and also a request lost to
    the network or a 5xx answer (a dropped connection, Bad Gateway) retried after a short wait,
    so a flaky moment does not lose a question. getUpdates is left to the updater's own retry,
    and a sendPoll that timed out to `play.send_question`; a 4xx answer is final."""

    BACKOFF_S = 0.25
    MAX_WAIT_S = 4.0

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                if endpoint == "getUpdates" or attempt >= self._max_retries:
                    raise
                if endpoint == "sendPoll" and isinstance(error, TimedOut):
                    raise  # it may have been shown: `play.send_question` sends it again
                attempt += 1
                logger.info("%s failed (%s); retry %s", endpoint, error, attempt)
                await asyncio.sleep(min(self.MAX_WAIT_S, self.BACKOFF_S * 2**attempt))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    app.add_handler(TypeHandler(Update, remember), group=-1)
    app.add_handlers(
        [
            # First: most updates under load are votes, and each handler before it would be
            # asked about every vote.
            PollAnswerHandler(polls.on_poll_answer),
            CommandHandler("start", student.start, private),
            CommandHandler("help", student.help_command),
            CommandHandler("score", student.score, private),
            CommandHandler("top", student.top, private),
            CommandHandler("top", group.top, groups),
            CommandHandler("review", student.review, private),
            CommandHandler("stop", student.stop, private),
            CommandHandler("stop", group.stop, groups),
            CommandHandler("quizzes", teacher.quizzes, private),
            CommandHandler("rename", teacher.rename, private),
            CommandHandler("push", teacher.push, private),
            CommandHandler("timezone", teacher.timezone, private),
            CommandHandler("push", group.push, groups),
            CommandHandler("report", teacher.report, private),
            CommandHandler("results", group.results, groups),
            MessageHandler(
                private & filters.TEXT & ~filters.COMMAND, student.on_text, block=False
            ),
            MessageHandler(private & filters.Document.ALL, student.on_document, block=False),
            MessageHandler(
                groups
                & (filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER),
                group.on_members_changed,
            ),
            ChatMemberHandler(group.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            CallbackQueryHandler(student.on_play, pattern=r"^pl:"),
            CallbackQueryHandler(student.on_mistakes, pattern=r"^mi:"),
            CallbackQueryHandler(teacher.on_check, pattern=r"^ed:"),
            CallbackQueryHandler(teacher.on_keep_or_drop, pattern=r"^q[kd]:"),
            CallbackQueryHandler(teacher.on_edit, pattern=r"^qe:"),
            CallbackQueryHandler(teacher.on_more, pattern=r"^mo:", block=False),
            CallbackQueryHandler(teacher.on_publish, pattern=r"^pb:"),
            CallbackQueryHandler(teacher.on_delete, pattern=r"^dl:"),
            CallbackQueryHandler(teacher.on_push_quiz, pattern=r"^pq:"),
            CallbackQueryHandler(teacher.on_push_group, pattern=r"^pg:"),
            CallbackQueryHandler(teacher.on_push_mode, pattern=r"^p[nsa]:"),
            CallbackQueryHandler(teacher.on_report, pattern=r"^rp:"),
            CallbackQueryHandler(stale_button),
        ]
    )
    app.add_error_handler(on_error)


REMEMBER_S = 600.0  # a user seen again, unchanged, is written again after this long


async def remember(update: Update, context: Context) -> None:
    """Record every user the bot hears from (before any other handler)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.bot_data.services
    chat = update.effective_chat
    private = chat is not None and chat.type == "private"
    seen = (user.first_name, user.last_name, user.username, user.language_code, private)
    last = services.remembered.get(user.id)
    now = time.monotonic()
    if last is not None and last[0] == seen and now - last[1] < REMEMBER_S:
        return
    store = services.store
    store.upsert_user(
        user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=user.language_code,
    )
    if private:
        store.upsert_chat(chat.id, type="private")
    services.remembered[user.id] = (seen, now)


async def stale_button(update: Update, context: Context) -> None:
    """A button no handler knows: say so and change nothing."""
    await update.callback_query.answer(texts.STALE)


async def on_error(update: object, context: Context) -> None:
    """Tell the user about errors they caused; log bugs with the update's context."""
    error = context.error
    if isinstance(update, Update) and isinstance(error, USER_ERRORS):
        text = str(error) if isinstance(error, UserError) else texts.esc(error)
        await _tell_user(update, text)
        return
    where = _describe(update)
    if isinstance(error, Forbidden):
        logger.info("refused by Telegram (%s): %s", where, error)
        return
    logger.error("error while handling %s", where, exc_info=error)


async def _tell_user(update: Update, text: str) -> None:
    try:
        if update.callback_query is not None:
            plain = re.sub(r"<[^>]+>", "", html.unescape(text))
            await update.callback_query.answer(plain[:200], show_alert=len(plain) > 60)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as error:
        logger.info("could not tell the user about an error: %s", error)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return "a job" if update is None else type(update).__name__
    kind = next(
        (
            name
            for name in ("message", "callback_query", "poll_answer", "my_chat_member", "poll")
            if getattr(update, name) is not None
        ),
        "update",
    )
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    return f"{kind} {update.update_id} (chat {chat}, user {user})"
