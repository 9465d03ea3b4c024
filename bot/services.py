"""What handlers share: the typed `bot_data` (settings, the store, generation bookkeeping),
opened in `post_init` and closed in `post_shutdown`, and the bot's own user-facing errors."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot
from telegram.ext import CallbackContext, ExtBot

from bot.settings import Settings
from questions import load_pipeline
from storage import Store
from storage.records import Answer

logger = logging.getLogger(__name__)


def freeze_heap() -> None:
    """Take the objects alive now out of the cyclic garbage collector's sight. The bot's
    modules, and the spaCy pipeline once loaded, are hundreds of thousands of objects that live
    as long as the process; each full collection walked them all, a pause of 80-100 ms that
    held up every vote waiting behind it. What is made later is collected as before."""
    gc.collect()
    gc.freeze()


def _load_pipeline() -> None:
    try:
        load_pipeline()
    except Exception:  # a pool whose initializer fails refuses all work: let the task fail
        logger.exception("the spaCy pipeline did not load")
        return
    freeze_heap()


class UserError(Exception):
    """Something the user asked for cannot be done; the message is written for them."""


class StaleButton(UserError):
    """A button whose data does not check out (old, someone else's, or forged)."""


class PollsInFlight:
    """sendPoll calls under way. Telegram shows a poll as soon as it accepts it, so a vote on
    it can reach the bot before sendPoll's answer does (and before the bot has stored which
    question the poll asks): such a vote waits for the sends under way when it came."""

    def __init__(self) -> None:
        self._sending: set[asyncio.Future[None]] = set()

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Around sending a poll and storing it."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sending.add(done)
        try:
            yield
        finally:
            self._sending.discard(done)
            done.set_result(None)

    async def settled(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait (at most `timeout` s) for the sends under way now, not later ones; False when
        there were none."""
        if not self._sending:
            return False
        await asyncio.wait(set(self._sending), timeout=timeout)
        return True


class Votes:
    """Votes written together: those handled in the same turn of the event loop (the votes
    of a getUpdates batch are handled at once) go into one transaction, one commit for them
    all rather than one each. A handler awaits its own vote's outcome, so a vote is stored
    before its update counts as handled, and is stamped when it is written."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting: list[tuple[tuple[str, int, Sequence[int]], asyncio.Future[Answer]]] = []

    async def record(self, poll_id: str, user_id: int, option_ids: Sequence[int]) -> Answer:
        """`Store.record_poll_answer`, with the other votes of this turn."""
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._write)
        outcome: asyncio.Future[Answer] = loop.create_future()
        self._waiting.append(((poll_id, user_id, option_ids), outcome))
        return await outcome

    def _write(self) -> None:
        waiting, self._waiting = self._waiting, []
        votes = [vote for vote, _ in waiting]
        outcomes: list[Answer | Exception]
        try:
            outcomes = list(self._store.record_poll_answers(votes))
        except Exception:  # not a refusal: each vote alone, so that only its own fails
            outcomes = []
            for vote in votes:
                try:
                    outcomes.append(self._store.record_poll_answer(*vote))
                except Exception as error:
                    outcomes.append(error)
        for (_, future), outcome in zip(waiting, outcomes, strict=True):
            if future.cancelled():
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


@dataclass(frozen=True, slots=True)
class PollInDoubt:
    """A question sent as a poll whose sendPoll timed out: Telegram may have shown it all the
    same (and the bot sent the question again)."""

    run_id: int
    question_id: int
    chat_id: int
    sent_at: datetime
    closes_at: datetime | None


class PollsInDoubt:
    """The latest polls in doubt. A vote on a poll the bot has no record of may be on one of
    them; `candidates` says which it could be, `claim` takes one as that poll's."""

    KEEP = 1000

    def __init__(self) -> None:
        self._polls: collections.deque[PollInDoubt] = collections.deque(maxlen=self.KEEP)

    def add(self, poll: PollInDoubt) -> None:
        self._polls.append(poll)

    def candidates(self, voter_id: int) -> list[PollInDoubt]:
        """The voter's own private chat's, then groups' (the voter may be in them)."""
        mine = [p for p in self._polls if p.chat_id == voter_id]
        return mine + [p for p in self._polls if p.chat_id < 0]

    def claim(self, poll: PollInDoubt) -> bool:
        """Take `poll` as found (False if another vote took it first)."""
        try:
            self._polls.remove(poll)
        except ValueError:
            return False
        return True


@dataclass
class Services:
    settings: Settings
    store: Store
    bot_username: str = ""
    generating: set[int] = field(default_factory=set)
    member_counts: dict[int, asyncio.Future[int]] = field(default_factory=dict)
    # Live group runs: who has answered at all, and each question (from the answers as they
    # are recorded; rebuilt from the store after a restart). Keeps each vote O(1).
    run_takers: dict[int, tuple[set[int], dict[int, set[int]]]] = field(default_factory=dict)
    polls_in_flight: PollsInFlight = field(default_factory=PollsInFlight)
    polls_in_doubt: PollsInDoubt = field(default_factory=PollsInDoubt)
    # Work the bot does beside its handlers (the results of a group run), cancelled when it
    # stops: what it had not done is in the store and carried on after a restart.
    background: set[asyncio.Task[None]] = field(default_factory=set)
    sending_results: set[int] = field(default_factory=set)  # run ids
    votes: Votes = field(init=False)
    # Users (and their private chats) stored lately, as stored: a vote from the same user
    # need not write them again (a write per update was a tenth of the bot's work under load).
    remembered: dict[int, tuple[tuple[object, ...], float]] = field(default_factory=dict)
    # Generation is CPU work: one worker thread keeps it off the event loop (and keeps the
    # spaCy pipeline on one thread). The thread loads the pipeline before its first task.
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="generate", initializer=_load_pipeline
        )
    )

    def __post_init__(self) -> None:
        self.votes = Votes(self.store)

    async def stop_background(self) -> None:
        """Cancel the work under way beside the handlers and wait for it to end."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.store.close()

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.bot_username}?start={payload}"

    def take_generation_slot(self, user_id: int) -> int | None:
        """None when the user may generate now (and the slot is taken), else how many they
        made in the last hour. Counted in SQLite, so a restart does not reset the limit."""
        return self.store.take_generation_slot(user_id, limit=self.settings.generations_per_hour)

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int, *, fresh: bool = False) -> bool:
        """Whether the user is the group's creator or an administrator: asked of Telegram when
        `fresh` (before any act on the group), else from a list cached briefly (menus)."""
        if fresh:
            member = await bot.get_chat_member(chat_id, user_id)
            return member.status in ("creator", "administrator")
        max_age = timedelta(seconds=self.settings.admin_cache_seconds)
        admins = self.store.chat_admins(chat_id, max_age=max_age)
        if admins is None:
            members = await bot.get_chat_administrators(chat_id)
            admins = tuple(m.user.id for m in members)
            self.store.set_chat_admins(chat_id, admins)
        return user_id in admins

    async def member_count(self, bot: Bot, chat_id: int) -> int:
        """The group's member count, asked of Telegram once however many votes want it at
        the same moment (thirty asks at once ran into the group's 20 a minute)."""
        asking = self.member_counts.get(chat_id)
        if asking is None:
            asking = asyncio.ensure_future(bot.get_chat_member_count(chat_id))
            self.member_counts[chat_id] = asking
        try:
            return await asyncio.shield(asking)
        except Exception:
            if self.member_counts.get(chat_id) is asking:
                del self.member_counts[chat_id]  # ask again next time
            raise


class BotData:
    """`context.bot_data`: holds the services between post_init and post_shutdown."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the bot's services are not open (post_init has not run)")
        return self._services

    def open(self, services: Services) -> None:
        self._services = services

    async def close(self) -> None:
        if self._services is not None:
            await self._services.stop_background()
            self._services.close()
            self._services = None


Context = CallbackContext[ExtBot[None], dict, dict, BotData]
