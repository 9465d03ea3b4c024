"""Small helpers the handlers share: the services, checked callback data, ownership checks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update

from bot import texts
from bot.services import Context, Services, StaleButton, UserError
from bot.timeparse import zone_or_utc
from storage import StorageError
from storage.records import Question, Quiz


def services(context: Context) -> Services:
    return context.bot_data.services


def button_args(update: Update, prefix: str, count: int) -> tuple[int, ...]:
    """The integers after `prefix:` in the tapped button's data; anything else is stale."""
    data = update.callback_query.data or ""
    head, _, rest = data.partition(":")
    parts = rest.split(":") if rest else []
    if head != prefix or len(parts) != count:
        raise StaleButton(texts.STALE)
    try:
        numbers = tuple(int(p) for p in parts)
    except ValueError:
        raise StaleButton(texts.STALE) from None
    if not all(is_id(n) for n in numbers):  # a forged 60-digit id is no row of ours
        raise StaleButton(texts.STALE)
    return numbers


def is_id(number: int) -> bool:
    """Whether `number` fits an SQLite integer (larger ones cannot name a row)."""
    return -(2**63) <= number < 2**63


def owned_quiz(context: Context, quiz_id: int, user_id: int) -> Quiz:
    try:
        quiz = services(context).store.get_quiz(quiz_id)
    except StorageError:
        raise StaleButton(texts.QUIZ_GONE) from None
    if quiz.owner_id != user_id:
        raise StaleButton(texts.STALE)
    return quiz


def owned_question(context: Context, question_id: int, user_id: int) -> tuple[Quiz, Question]:
    try:
        question = services(context).store.get_question(question_id)
    except StorageError:
        raise StaleButton(texts.STALE) from None
    quiz = owned_quiz(context, question.quiz_id, user_id)
    return quiz, question


def user_zone(context: Context, user_id: int) -> ZoneInfo:
    """The user's time zone (UTC until they set one with /timezone)."""
    try:
        return zone_or_utc(services(context).store.get_user(user_id).time_zone)
    except StorageError:
        return ZoneInfo("UTC")


async def require_admin(context: Context, chat_id: int, user_id: int) -> None:
    if not await services(context).is_admin(context.bot, chat_id, user_id, fresh=True):
        raise UserError(texts.NOT_ADMIN)
