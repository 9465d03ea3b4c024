"""The stand-in's state (users, chats, messages, polls, files, the update queue) and the driver
API tests use to act as Telegram users."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.sandbox.markup import detect_entities

T = TypeVar("T")
JSON = dict[str, Any]

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted")
DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "inline_query",
        "chosen_inline_result",
    }
)
ALL_UPDATES = DEFAULT_UPDATES | {"chat_member", "message_reaction", "message_reaction_count"}


RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


class SimulationError(Exception):
    """A driver call that Telegram's own clients would not allow (voting twice, ...)."""


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    username: str | None = None
    user: JSON | None = None  # the other side of a private chat
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    next_message_id: int = 1
    pinned: int | None = None

    def api(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user:
            chat["first_name"] = self.user["first_name"]
            for key in ("last_name", "username"):
                if key in self.user:
                    chat[key] = self.user[key]
        else:
            chat["title"] = self.title
            if self.username:
                chat["username"] = self.username
        return chat

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass
class Poll:
    poll: JSON
    chat_id: int
    message_id: int
    sent_by_bot: bool
    hide_results: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    path: str
    file_name: str | None = None
    mime_type: str | None = None


class Simulation:
    """Everything the stand-in knows, and the actions a test takes as Telegram users."""

    def __init__(self, token: str, *, bot_username: str = "quizbot_sandbox_bot") -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.bot: JSON = {
            "id": int(head) if head.isdigit() else 7_000_000_001,
            "is_bot": True,
            "first_name": "Quiz Bot",
            "username": bot_username,
        }
        self.privacy_mode = True
        self.users: dict[int, JSON] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.bot_messages: dict[int, list[int]] = {}
        self.last_user_message: dict[int, int] = {}
        self.reply_keyboards: dict[tuple[int, int], JSON] = {}
        self.polls: dict[str, Poll] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, JSON] = {}
        self.callback_answers: list[JSON] = []
        self.commands: dict[str, list[JSON]] = {}
        self.updates: list[JSON] = []
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self._update_ids = itertools.count(secrets.randbelow(10**6) + 10**8)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(400_000_001)
        self._supergroup_ids = itertools.count(1_000_000_001)
        self._poll_ids = itertools.count(5_000_000_000_000_000_001)
        self._file_serial = itertools.count(1)
        self._changed = asyncio.Event()

    # --- change notification --------------------------------------------------------------

    def notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    @property
    def changed(self) -> asyncio.Event:
        """Set at the next change of state."""
        return self._changed

    async def wait_change(self, seconds: float) -> None:
        """Return at the next change of state, or after `seconds`."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def wait_until(self, condition: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until `condition()` is truthy (checked on every change) and return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            await self.wait_change(min(remaining, 0.05))

    # --- updates --------------------------------------------------------------------------

    def push_update(self, kind: str, payload: JSON) -> None:
        """Queue an update for the bot, unless the bot's allowed_updates leave its kind out
        (Telegram does not keep those either)."""
        if kind in self.allowed_updates:
            snapshot = copy.deepcopy(payload)  # later edits do not rewrite queued updates
            self.updates.append({"update_id": next(self._update_ids), kind: snapshot})
        self.notify()

    def now(self) -> int:
        return int(time.time())

    # --- people and chats -----------------------------------------------------------------

    def create_user(
        self,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_premium: bool = False,
        started: bool = False,
    ) -> JSON:
        """A Telegram user; `started=True` as if they had already pressed Start."""
        user: JSON = {"id": next(self._user_ids), "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        if is_premium:
            user["is_premium"] = True
        self.users[user["id"]] = user
        if started:
            self._private_chat(user["id"])
            self.started.add(user["id"])
        return dict(user)

    def _user(self, user_id: int) -> JSON:
        try:
            return self.users[user_id]
        except KeyError:
            raise SimulationError(f"no user {user_id}") from None

    def _chat(self, chat_id: int) -> Chat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise SimulationError(f"no chat {chat_id}") from None

    def _private_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            user = self._user(user_id)
            chat = self.chats[user_id] = Chat(user_id, "private", user=user)
            chat.members = {user_id: "member", self.bot["id"]: "member"}
        return chat

    def create_group(
        self,
        title: str,
        *,
        owner: int,
        members: Sequence[int] = (),
        admins: Sequence[int] = (),
        supergroup: bool = True,
        username: str | None = None,
        with_bot: bool = True,
        bot_admin: bool = False,
    ) -> JSON:
        """A group (or supergroup); with_bot adds the bot as `owner` would (my_chat_member)."""
        self._user(owner)
        if supergroup:
            chat_id = -(1_000_000_000_000 + next(self._supergroup_ids))
            kind = "supergroup"
        else:
            chat_id, kind = -next(self._group_ids), "group"
        chat = self.chats[chat_id] = Chat(chat_id, kind, title=title, username=username)
        chat.members[owner] = "creator"
        for user_id in members:
            self._user(user_id)
            chat.members.setdefault(user_id, "member")
        for user_id in admins:
            self._user(user_id)
            chat.members[user_id] = "administrator"
        if with_bot:
            self.add_bot(chat_id, by=owner, as_admin=bot_admin)
        return chat.api()

    def create_channel(
        self, title: str, *, owner: int, username: str | None = None, bot_admin: bool = True
    ) -> JSON:
        """A channel; the bot joins as an administrator unless bot_admin=False."""
        self._user(owner)
        chat_id = -(1_000_000_000_000 + next(self._supergroup_ids))
        chat = self.chats[chat_id] = Chat(chat_id, "channel", title=title, username=username)
        chat.members[owner] = "creator"
        if bot_admin:
            self.add_bot(chat_id, by=owner, as_admin=True)
        return chat.api()

    def add_member(self, chat_id: int, user_id: int) -> None:
        """Put a user in a group quietly (no service message)."""
        self._user(user_id)
        self._chat(chat_id).members[user_id] = "member"

    def join_group(self, chat_id: int, user_id: int) -> JSON:
        """The user joins a group: a `new_chat_members` service message."""
        chat = self._chat(chat_id)
        user = self._user(user_id)
        chat.members[user_id] = "member"
        message = self.new_message(chat, user)
        message["new_chat_members"] = [dict(user)]
        delivered = self._deliver(chat, message, service=True)
        return {**copy.deepcopy(message), "delivered": delivered}

    def leave_group(self, chat_id: int, user_id: int) -> JSON:
        """The user leaves a group: a `left_chat_member` service message."""
        chat = self._chat(chat_id)
        user = self._user(user_id)
        chat.members[user_id] = "left"
        message = self.new_message(chat, user)
        message["left_chat_member"] = dict(user)
        delivered = self._deliver(chat, message, service=True)
        return {**copy.deepcopy(message), "delivered": delivered}

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Set a user's status in a group directly: member, restricted, left or kicked."""
        if status not in ("member", "restricted", "left", "kicked"):
            raise SimulationError("status must be member, restricted, left or kicked")
        self._user(user_id)
        self._chat(chat_id).members[user_id] = status
        self.notify()

    def set_admins(self, chat_id: int, user_ids: Sequence[int]) -> None:
        """Make exactly these users administrators (the creator stays creator)."""
        chat = self._chat(chat_id)
        for user_id, status in list(chat.members.items()):
            if status == "administrator" and user_id != self.bot["id"]:
                chat.members[user_id] = "member"
        for user_id in user_ids:
            self._user(user_id)
            if chat.members.get(user_id) != "creator":
                chat.members[user_id] = "administrator"
        self.notify()

    def add_bot(self, chat_id: int, *, by: int, as_admin: bool = False) -> None:
        """`by` adds the bot to a group or channel: my_chat_member, then a service message."""
        chat = self._chat(chat_id)
        old = chat.members.get(self.bot["id"], "left")
        new = "administrator" if as_admin else "member"
        chat.members[self.bot["id"]] = new
        self._bot_member_changed(chat, by, old, new)
        if chat.is_group:
            message = self.new_message(chat, self._user(by))
            message["new_chat_members"] = [dict(self.bot)]
            self._deliver(chat, message, service=True)

    def remove_bot(self, chat_id: int, *, by: int) -> None:
        """`by` removes the bot from a group: my_chat_member with status left."""
        chat = self._chat(chat_id)
        old = chat.members.get(self.bot["id"], "left")
        chat.members[self.bot["id"]] = "left"
        self._bot_member_changed(chat, by, old, "left")

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: my_chat_member (kicked); sends now fail with 403."""
        chat = self._private_chat(user_id)
        self.blocked.add(user_id)
        self._bot_member_changed(chat, user_id, "member", "kicked")

    def unblock_bot(self, user_id: int) -> None:
        chat = self._private_chat(user_id)
        self.blocked.discard(user_id)
        self._bot_member_changed(chat, user_id, "kicked", "member")

    def _bot_member_changed(self, chat: Chat, by: int, old: str, new: str) -> None:
        self.push_update(
            "my_chat_member",
            {
                "chat": chat.api(),
                "from": dict(self._user(by)),
                "date": self.now(),
                "old_chat_member": self.member_object(chat, self.bot["id"], old),
                "new_chat_member": self.member_object(chat, self.bot["id"], new),
            },
        )

    def member_object(self, chat: Chat, user_id: int, status: str | None = None) -> JSON:
        status = status or chat.members.get(user_id, "left")
        user = dict(self.bot) if user_id == self.bot["id"] else dict(self._user(user_id))
        member: JSON = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            is_bot = user_id == self.bot["id"]
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": not is_bot,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
            if chat.type == "channel":
                member.update({"can_post_messages": True, "can_edit_messages": True})
            else:
                member["can_pin_messages"] = True
                if chat.type == "supergroup":
                    member["can_manage_topics"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member["is_member"] = True
            for right in RESTRICTED_RIGHTS:
                member[right] = right != "can_send_messages"
            member["until_date"] = 0
        return member

    # --- what users do --------------------------------------------------------------------

    def next_poll_id(self) -> str:
        return str(next(self._poll_ids))

    def new_message(self, chat: Chat, sender: JSON | None) -> JSON:
        """A new message in `chat`, stored; the caller fills in its content."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSON = {"message_id": message_id, "date": self.now(), "chat": chat.api()}
        if sender is not None:
            message["from"] = dict(sender)
        self.messages[(chat.id, message_id)] = message
        return message

    def _user_message(self, user_id: int, chat_id: int | None, reply_to: int | None) -> JSON:
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:
            chat = self._private_chat(user_id)
            self.started.add(user_id)
            if user_id in self.blocked:
                self.unblock_bot(user_id)
        else:
            chat = self._chat(chat_id)
            if chat.type == "channel":
                raise SimulationError("users do not post in channels here")
            if chat.members.get(user_id) not in MEMBER_STATUSES:
                raise SimulationError(f"user {user_id} is not a member of chat {chat_id}")
        message = self.new_message(chat, user)
        if reply_to is not None:
            target = self.messages.get((chat.id, reply_to))
            if target is None:
                raise SimulationError(f"no message {reply_to} in chat {chat.id}")
            message["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        self.last_user_message[chat.id] = message["message_id"]
        return message

    def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        """The user writes `text` (commands get bot_command entities). Private chat by default.

        Returns the message as Telegram stored it, with `delivered` saying whether the bot
        receives it (privacy mode hides ordinary group chatter)."""
        message = self._user_message(user_id, chat_id, reply_to)
        message["text"] = text
        entities = detect_entities(text)
        if entities:
            message["entities"] = entities
        delivered = self._deliver(self.chats[message["chat"]["id"]], message)
        return {**copy.deepcopy(message), "delivered": delivered}

    def send_command(
        self, user_id: int, command: str, *, chat_id: int | None = None, mention: bool = False
    ) -> JSON:
        """Shorthand: `/command` (mention=True writes `/command@botname`)."""
        text = command if command.startswith("/") else f"/{command}"
        if mention:
            head, _, tail = text.partition(" ")
            text = f"{head}@{self.bot['username']}" + (f" {tail}" if tail else "")
        return self.send_text(user_id, text, chat_id=chat_id)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        *,
        file_name: str = "document.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """The user sends a file; the bot can getFile and download it."""
        message = self._user_message(user_id, chat_id, reply_to)
        stored = self.store_file(data, "documents", file_name, mime_type)
        message["document"] = self.document_object(stored)
        if caption:
            message["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                message["caption_entities"] = entities
        delivered = self._deliver(self.chats[message["chat"]["id"]], message)
        return {**copy.deepcopy(message), "delivered": delivered}

    def _deliver(self, chat: Chat, message: JSON, *, service: bool = False) -> bool:
        """Queue `message` for the bot if the bot would see it; True if it does."""
        if chat.type == "private":
            if message["chat"]["id"] in self.blocked:
                return False
        elif chat.members.get(self.bot["id"]) not in MEMBER_STATUSES or (
            self.privacy_mode
            and chat.members.get(self.bot["id"]) != "administrator"
            and not (service or self._meant_for_bot(message))
        ):
            return False
        self.push_update("channel_post" if chat.type == "channel" else "message", message)
        return True

    def _meant_for_bot(self, message: JSON) -> bool:
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot["id"]:
            return True
        text = message.get("text") or message.get("caption") or ""
        entities = message.get("entities") or message.get("caption_entities") or []
        first = entities[0] if entities else None
        if not first or first["type"] != "bot_command" or first["offset"] != 0:
            return False
        command = text[: first["length"]]
        _, at, name = command.partition("@")
        return not at or name.lower() == self.bot["username"].lower()

    def tap_button(
        self, user_id: int, message: JSON, data: str | None = None, *, text: str | None = None
    ) -> str:
        """The user taps the inline button with this callback data (or label); returns the
        callback query id."""
        user = self._user(user_id)
        chat_id = message["chat"]["id"]
        current = self.messages.get((chat_id, message["message_id"]))
        if current is None:
            raise SimulationError("the message is gone")
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        button = next(
            (
                b
                for row in rows
                for b in row
                if "callback_data" in b
                and (b["callback_data"] == data if data is not None else b["text"] == text)
            ),
            None,
        )
        if button is None:
            raise SimulationError(f"no button {data or text!r} under message")
        query_id = str(secrets.randbits(62))
        query = {
            "id": query_id,
            "from": dict(user),
            "message": current,
            "chat_instance": str(abs(chat_id) * 7919 % 10**18),
            "data": button["callback_data"],
        }
        self.callback_queries[query_id] = {"query": query, "answered": False}
        self.push_update("callback_query", query)
        return query_id

    def vote(self, user_id: int, poll_id: str, option_ids: Sequence[int]) -> None:
        """The user votes (an empty list retracts, where the poll allows revoting)."""
        user = self._user(user_id)
        state = self.polls.get(poll_id)
        if state is None:
            raise SimulationError(f"no poll {poll_id}")
        poll = state.poll
        chat = self.chats[state.chat_id]
        if chat.type != "private" and chat.members.get(user_id) not in MEMBER_STATUSES:
            raise SimulationError(f"user {user_id} is not in the poll's chat")
        if poll["is_closed"]:
            raise SimulationError("the poll is closed")
        count = len(poll["options"])
        if any(not 0 <= i < count for i in option_ids) or len(set(option_ids)) != len(option_ids):
            raise SimulationError("invalid option ids")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise SimulationError("the poll takes one answer")
        previous = state.votes.get(user_id)
        if previous is not None and not poll["allows_revoting"]:
            raise SimulationError("the poll does not allow changing the vote")
        if previous is None and not option_ids:
            raise SimulationError("nothing to retract")
        for i in previous or []:
            poll["options"][i]["voter_count"] -= 1
        for i in option_ids:
            poll["options"][i]["voter_count"] += 1
        if option_ids:
            state.votes[user_id] = sorted(option_ids)
        else:
            state.votes.pop(user_id, None)
        poll["total_voter_count"] = len(state.votes)
        if state.sent_by_bot and not poll["is_anonymous"]:
            self.push_update(
                "poll_answer",
                {
                    "poll_id": poll_id,
                    "user": dict(user),
                    "option_ids": sorted(option_ids),
                    "option_persistent_ids": [
                        poll["options"][i]["persistent_id"] for i in sorted(option_ids)
                    ],
                },
            )
        if state.sent_by_bot and "poll" in self.allowed_updates:  # a copy only if wanted
            self.push_update("poll", self.poll_object(state))
        else:
            self.notify()

    def expire_poll(self, poll_id: str) -> None:
        """Run out a poll's open_period now (a `poll` update with is_closed)."""
        state = self.polls[poll_id]
        if state.timer:
            state.timer.cancel()
            state.timer = None
        self.close_poll(state, notify_bot=True)

    def close_poll(self, state: Poll, *, notify_bot: bool) -> None:
        if state.poll["is_closed"]:
            return
        state.poll["is_closed"] = True
        state.timer = None
        message = self.messages.get((state.chat_id, state.message_id))
        if message and "poll" in message:
            message["poll"] = self.poll_object(state)
        if notify_bot and state.sent_by_bot:
            self.push_update("poll", self.poll_object(state))
        else:
            self.notify()

    def poll_object(self, state: Poll) -> JSON:
        poll = {**state.poll, "options": [dict(o) for o in state.poll["options"]]}
        return poll

    # --- what the bot did -----------------------------------------------------------------

    def transcript(self, chat_id: int) -> list[JSON]:
        """Everything the bot sent to the chat and has not deleted, oldest first, as it is now
        (edits applied, polls with their current counts)."""
        return [
            copy.deepcopy(self.messages[(chat_id, mid)])
            for mid in self.bot_messages.get(chat_id, [])
            if (chat_id, mid) in self.messages
        ]

    def history(self, chat_id: int) -> list[JSON]:
        """Every message in the chat still there, from users and from the bot, oldest first."""
        return [
            copy.deepcopy(message)
            for (chat, _), message in sorted(self.messages.items())
            if chat == chat_id
        ]

    def reply_keyboard(self, chat_id: int, message_id: int) -> JSON | None:
        """The reply keyboard (or ReplyKeyboardRemove / ForceReply) sent with a message."""
        return copy.deepcopy(self.reply_keyboards.get((chat_id, message_id)))

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[JSON], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        after: int | None = None,
    ) -> JSON:
        """The first bot message in the chat after message id `after` (default: the last
        message a simulated user sent there) that satisfies `predicate`."""
        since = self.last_user_message.get(chat_id, 0) if after is None else after

        def found() -> JSON | None:
            for message in self.transcript(chat_id):
                if message["message_id"] > since and (predicate is None or predicate(message)):
                    return message
            return None

        return await self.wait_until(found, timeout)

    def store_file(
        self, data: bytes, folder: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        serial = next(self._file_serial)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        prefix = {"documents": "BQACAgIAAxkBAAI", "photos": "AgACAgIAAxkBAAI"}.get(folder, "CQAC")
        stored = StoredFile(
            file_id=f"{prefix}{serial:06d}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{serial:04d}{secrets.token_urlsafe(6)}",
            data=data,
            path=f"{folder}/file_{serial}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.path] = stored
        return stored

    def document_object(self, stored: StoredFile) -> JSON:
        document: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        document["file_size"] = len(stored.data)
        return document

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file the bot sent (or a user sent)."""
        return self.files[file_id].data
