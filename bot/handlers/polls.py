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
from storage.records import Poll as StoredPoll

logger = logging.getLogger(__name__)

SEND_WAIT_S = 15.0  # how long a vote on an unknown poll waits for the polls being sent


async def on_poll_answer(update: Update, context: Context) -> None:
    """Record a vote once; a repeat, a retraction or a late vote changes nothing."""
    vote = update.poll_answer
    if vote.user is None:
        return
    store = services(context).store
    poll = await _sent_poll(context, vote.poll_id)
    if poll is None:
        poll = await play.adopt_poll(context, vote.poll_id, vote.user.id)
    if poll is None:
        logger.info("vote of %s on unknown poll %s ignored", vote.user.id, vote.poll_id)
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
        answer = await services(context).votes.record(poll.id, vote.user.id, vote.option_ids)
    except (PollClosed, RunNotActive, OptionOutOfRange, QuestionNotInQuiz, UnknownUser) as error:
        logger.info("vote of %s on poll %s not counted: %s", vote.user.id, poll.id, error)
        return
    await play.on_answer(context, poll, answer)


async def _sent_poll(context: Context, poll_id: str) -> StoredPoll | None:
    """The stored poll; for a poll not stored yet, once the polls being sent now are stored
    (a vote can overtake sendPoll's answer); None for a poll that is not ours."""
    found = services(context)
    try:
        return found.store.get_poll(poll_id)
    except UnknownPoll:
        if not await found.polls_in_flight.settled(SEND_WAIT_S):
            return None
    try:
        return found.store.get_poll(poll_id)
    except UnknownPoll:
        return None
