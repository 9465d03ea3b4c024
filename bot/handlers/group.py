"""Group handlers: membership, and the admins' /results, /stop and /push; /top for all."""

from __future__ import annotations

import contextlib

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import play, texts
from bot.handlers.common import require_admin, services
from bot.services import Context
from storage import StorageError

PRESENT = (
    ChatMember.OWNER,
    ChatMember.ADMINISTRATOR,
    ChatMember.MEMBER,
    ChatMember.RESTRICTED,
)


async def on_my_chat_member(update: Update, context: Context) -> None:
    """Remember a group the bot was added to or removed from; note a user blocking it."""
    change = update.my_chat_member
    chat = change.chat
    store = services(context).store
    present = change.new_chat_member.status in PRESENT
    if chat.type == "private":
        with contextlib.suppress(StorageError):
            store.set_user_blocked(chat.id, not present)
        services(context).remembered.pop(chat.id, None)
        return
    store.upsert_chat(chat.id, type=chat.type, title=chat.title, is_member=present)
    services(context).member_counts.pop(chat.id, None)


async def on_members_changed(update: Update, context: Context) -> None:
    """Someone joined or left: the member count used to end a question early is stale."""
    services(context).member_counts.pop(update.effective_chat.id, None)


def _known_group(update: Update, context: Context) -> int:
    chat = update.effective_chat
    services(context).store.upsert_chat(chat.id, type=chat.type, title=chat.title)
    return chat.id


async def results(update: Update, context: Context) -> None:
    """The last quiz's leaderboard in this group (admins only)."""
    chat_id = _known_group(update, context)
    await require_admin(context, chat_id, update.effective_user.id)
    store = services(context).store
    runs = store.list_runs(chat_id=chat_id, states=["running", "finished"], limit=1)
    if not runs:
        await update.effective_message.reply_text(texts.NO_RESULTS)
        return
    quiz = store.get_quiz(runs[0].quiz_id, include_deleted=True)
    await update.effective_message.reply_text(
        texts.leaderboard(f"🏆 {quiz.title}", store.run_leaderboard(runs[0].id))
    )


async def stop(update: Update, context: Context) -> None:
    """Stop the group's running quiz (admins only)."""
    chat_id = _known_group(update, context)
    await require_admin(context, chat_id, update.effective_user.id)
    runs = services(context).store.list_runs(chat_id=chat_id, states=["running"], kinds=["live"])
    if not runs:
        await update.effective_message.reply_text(texts.NOTHING_TO_STOP)
        return
    for run in runs:
        await play.stop_group(context, run)


async def push(update: Update, context: Context) -> None:
    """In a group, /push points an admin to the private chat; anyone else is refused."""
    chat_id = _known_group(update, context)
    await require_admin(context, chat_id, update.effective_user.id)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Open the chat", url=services(context).deep_link("push"))]]
    )
    await update.effective_message.reply_text(texts.PUSH_IN_GROUP, reply_markup=keyboard)


async def top(update: Update, context: Context) -> None:
    """The group's leaderboard over all its quizzes."""
    chat_id = _known_group(update, context)
    board = services(context).store.chat_leaderboard(chat_id)
    title = update.effective_chat.title or "this group"
    await update.effective_message.reply_text(texts.leaderboard(f"🏆 {title}", board))
