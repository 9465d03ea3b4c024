"""Votes on the bot's quiz polls: recorded once, then the run moves on."""

from __future__ import annotations

import logging

from telegram import Update

from bot import play
from bot.handlers.common import services
from bot.services import Context
from storage import (
    OptionOutOfRange,
    PollClosed,
    QuestionNotInQuiz,
    RunNotActive,
    UnknownPoll,
    UnknownUser,
)

logger = logging.getLogger(__name__)


async def on_poll_answer(update: Update, context: Context) -> None:
    """Record a vote once; a repeat, a retraction or a late vote changes nothing."""
    vote = update.poll_answer
    if vote.user is None:
        return
    store = services(context).store
    try:
        poll = store.get_poll(vote.poll_id)
    except UnknownPoll:
        return  # not one of ours
    if poll.chat_id > 0 and poll.chat_id != vote.user.id:
        logger.info(
            "vote of %s on %s's private poll %s ignored", vote.user.id, poll.chat_id, poll.id
        )
        return  # a private chat's poll is for that user alone
    if store.get_answer(poll.run_id, poll.question_id, vote.user.id) is not None:
        logger.info("repeated vote of %s on poll %s ignored", vote.user.id, poll.id)
        return
    try:
        answer = store.record_poll_answer(poll.id, vote.user.id, vote.option_ids)
    except (PollClosed, RunNotActive, OptionOutOfRange, QuestionNotInQuiz, UnknownUser) as error:
        logger.info("vote of %s on poll %s not counted: %s", vote.user.id, poll.id, error)
        return
    await play.on_answer(context, poll, answer)
