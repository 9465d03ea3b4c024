"""The Bot API methods: parameters in, result object out, refusals as `ApiError`."""

from __future__ import annotations

import asyncio
import copy
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.errors import CONFLICT, ApiError, bad_request, forbidden, too_many_requests
from bot.sandbox.limits import RateLimiter
from bot.sandbox.markup import format_text
from bot.sandbox.params import Params, Upload
from bot.sandbox.world import (
    ALL_UPDATES,
    DEFAULT_UPDATES,
    JSON,
    MEMBER_STATUSES,
    Chat,
    Poll,
    Simulation,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024

# Return type of each method, as the spec writes it (for the conformance recorder).
RETURNS: dict[str, str] = {
    "getMe": "User",
    "logOut": "Boolean",
    "close": "Boolean",
    "getUpdates": "Array of Update",
    "deleteWebhook": "Boolean",
    "setWebhook": "Boolean",
    "getWebhookInfo": "WebhookInfo",
    "setMyCommands": "Boolean",
    "getMyCommands": "Array of BotCommand",
    "deleteMyCommands": "Boolean",
    "setChatMenuButton": "Boolean",
    "getChatMenuButton": "MenuButton",
    "setMyDescription": "Boolean",
    "setMyShortDescription": "Boolean",
    "setMyName": "Boolean",
    "sendChatAction": "Boolean",
    "sendMessage": "Message",
    "editMessageText": "Message",
    "editMessageReplyMarkup": "Message",
    "deleteMessage": "Boolean",
    "deleteMessages": "Boolean",
    "answerCallbackQuery": "Boolean",
    "sendPoll": "Message",
    "stopPoll": "Poll",
    "sendDocument": "Message",
    "sendPhoto": "Message",
    "getFile": "File",
    "getChat": "ChatFullInfo",
    "getChatMember": "ChatMember",
    "getChatAdministrators": "Array of ChatMember",
    "getChatMemberCount": "Integer",
    "pinChatMessage": "Boolean",
    "forwardMessage": "Message",
    "copyMessage": "MessageId",
    "unpinChatMessage": "Boolean",
    "leaveChat": "Boolean",
}
_BY_LOWER = {name.lower(): name for name in RETURNS}

CALLBACK_GONE = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def canonical_method(name: str) -> str | None:
    """Telegram matches method names case-insensitively."""
    return _BY_LOWER.get(name.lower())


class BotApi:
    def __init__(self, sim: Simulation, limiter: RateLimiter) -> None:
        self.sim = sim
        self.limiter = limiter
        self.commands: dict[str, list[JSON]] = sim.commands
        self._poller: asyncio.Future[None] | None = None

    @property
    def polling(self) -> bool:
        return self._poller is not None and not self._poller.done()

    async def call(self, method: str, params: Params) -> Any:
        handler: Callable[[Params], Awaitable[Any] | Any] = getattr(self, f"m_{method}")
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    # --- helpers --------------------------------------------------------------------------

    def _chat(self, p: Params, name: str = "chat_id") -> Chat:
        ref = p.chat_id(name)
        if isinstance(ref, str):
            chat = next(
                (c for c in self.sim.chats.values() if c.username and f"@{c.username}" == ref),
                None,
            )
        else:
            chat = self.sim.chats.get(ref)
        if chat is None:
            if isinstance(ref, int) and ref in self.sim.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        self._check_access(chat)
        return chat

    def _check_access(self, chat: Chat) -> None:
        sim = self.sim
        if chat.type == "private":
            if chat.id in sim.blocked:
                raise forbidden("bot was blocked by the user")
            if chat.id not in sim.started:
                raise forbidden("bot can't initiate conversation with a user")
            return
        status = chat.members.get(sim.bot["id"], "left")
        kind = {"group": "group", "supergroup": "supergroup", "channel": "channel"}[chat.type]
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind} chat")
        if status not in MEMBER_STATUSES:
            raise forbidden(f"bot is not a member of the {kind} chat")

    def _check_can_post(self, chat: Chat) -> None:
        if chat.type == "channel" and chat.members.get(self.sim.bot["id"]) != "administrator":
            raise bad_request("need administrator rights in the channel chat")
        retry_after = self.limiter.check(chat.id, chat.is_group)
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def _bot_message(self, chat: Chat, p: Params) -> JSON:
        """A new message from the bot with the common send options applied."""
        reply = p.obj("reply_parameters", "reply parameters")
        reply_to = p.integer("reply_to_message_id")
        allow_missing = p.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            reply_to = reply.get("message_id", reply_to)
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        target = None
        if reply_to is not None:
            target = self.sim.messages.get((chat.id, int(reply_to)))
            if target is None and not allow_missing:
                raise bad_request("message to be replied not found")
        sender = None if chat.type == "channel" else self.sim.bot
        message = self.sim.new_message(chat, sender)
        if chat.type == "channel":
            message["sender_chat"] = chat.api()
        if target is not None:
            message["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        if p.flag("protect_content"):
            message["has_protected_content"] = True
        return message

    def _keyboard(self, p: Params) -> tuple[JSON | None, JSON | None]:
        """(inline keyboard for the message, any other reply markup)."""
        markup = p.obj("reply_markup", "reply keyboard markup")
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None, markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        clean_rows = []
        total = 0
        for row in rows:
            if len(row) > 8:
                raise bad_request("too many buttons in a row")
            clean_row = []
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                clean = {k: v for k, v in button.items() if v is not None}
                actions = [k for k in clean if k not in ("text", "style", "icon_custom_emoji_id")]
                if not actions:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if "callback_data" in clean:
                    data = clean["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in clean and not str(clean["url"]).strip():
                    raise bad_request("BUTTON_URL_INVALID")
                clean_row.append(clean)
                total += 1
            if clean_row:
                clean_rows.append(clean_row)
        if total > 100:
            raise bad_request("reply markup is too long")
        if not clean_rows:
            return None, None
        return {"inline_keyboard": clean_rows}, None

    def _record_sent(self, chat: Chat, message: JSON, other_markup: JSON | None) -> JSON:
        self.sim.bot_messages.setdefault(chat.id, []).append(message["message_id"])
        if other_markup is not None:
            self.sim.reply_keyboards[(chat.id, message["message_id"])] = other_markup
        self.sim.notify()
        return message

    def _text(
        self, p: Params, name: str, mode: str, entities: str, limit: int
    ) -> tuple[str, list]:
        raw = p.text(name) or ""
        given = p.obj(entities, "entities")
        text, ents = format_text(raw, p.text(mode), given if isinstance(given, list) else None)
        if len(text) > limit:  # limits count characters (code points)
            raise bad_request(
                "message is too long" if name == "text" else "message caption is too long"
            )
        for entity in ents:
            user = entity.get("user")
            if entity["type"] == "text_mention" and isinstance(user, dict):
                known = self.sim.users.get(user.get("id"))
                if known is None:
                    raise bad_request("can't parse entities: user not found")
                entity["user"] = dict(known)
        return text, ents

    def _message(self, p: Params, *, edit: bool = False) -> tuple[Chat, JSON]:
        if p.present("inline_message_id"):
            raise bad_request("inline messages are not supported by the sandbox")
        chat = self._chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self.sim.messages.get((chat.id, message_id))
        if message is None:
            raise bad_request("message to edit not found" if edit else "message not found")
        return chat, message

    # --- the bot itself -------------------------------------------------------------------

    def m_getMe(self, p: Params) -> JSON:
        return {
            **self.sim.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.sim.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def m_logOut(self, p: Params) -> bool:
        return True

    def m_close(self, p: Params) -> bool:
        return True

    def m_setWebhook(self, p: Params) -> bool:
        raise bad_request("webhooks are not supported by the sandbox; use getUpdates")

    def m_deleteWebhook(self, p: Params) -> bool:
        if p.flag("drop_pending_updates"):
            self.sim.updates.clear()
        return True

    def m_getWebhookInfo(self, p: Params) -> JSON:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.sim.updates),
        }

    def _scope_key(self, p: Params) -> str:
        scope = p.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        parts = [str(scope.get(k, "")) for k in ("type", "chat_id", "user_id")]
        return "|".join([*parts, p.text("language_code") or ""])

    def m_setMyCommands(self, p: Params) -> bool:
        commands = p.obj("commands", "commands")
        if not isinstance(commands, list):
            raise bad_request("commands parameter is required")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not 1 <= len(name) <= 32 or not all(c.isalnum() or c == "_" for c in name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not name.islower() and not name.replace("_", "").isdigit():
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            clean.append({"command": name, "description": description})
        self.commands[self._scope_key(p)] = clean
        return True

    def m_getMyCommands(self, p: Params) -> list[JSON]:
        return [dict(c) for c in self.commands.get(self._scope_key(p), [])]

    def m_deleteMyCommands(self, p: Params) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    def m_setChatMenuButton(self, p: Params) -> bool:
        return True

    def m_getChatMenuButton(self, p: Params) -> JSON:
        return {"type": "commands"}

    def m_setMyDescription(self, p: Params) -> bool:
        return True

    def m_setMyShortDescription(self, p: Params) -> bool:
        return True

    def m_setMyName(self, p: Params) -> bool:
        return True

    # --- updates --------------------------------------------------------------------------

    async def m_getUpdates(self, p: Params) -> list[JSON]:
        sim = self.sim
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = min(max(p.integer("timeout", 0) or 0, 0), 50)
        allowed = p.obj("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            chosen = frozenset(str(a) for a in allowed) & ALL_UPDATES
            sim.allowed_updates = chosen or DEFAULT_UPDATES
        if offset < 0:
            del sim.updates[: max(len(sim.updates) + offset, 0)]
        elif offset:
            sim.updates[:] = [u for u in sim.updates if u["update_id"] >= offset]

        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)  # the older request loses
        loop = asyncio.get_running_loop()
        mine: asyncio.Future[None] = loop.create_future()
        self._poller = mine
        deadline = loop.time() + timeout
        try:
            while True:
                sim.updates[:] = [u for u in sim.updates if self._allowed(u)]
                batch = sim.updates[:limit]
                if batch or mine.done():
                    break
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                change = asyncio.ensure_future(sim.changed.wait())
                await asyncio.wait(
                    {change, mine}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                change.cancel()
            if mine.done():
                raise ApiError(409, CONFLICT)
            return [dict(u) for u in batch]
        finally:
            if self._poller is mine:
                self._poller = None

    def _allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self.sim.allowed_updates

    # --- messages -------------------------------------------------------------------------

    def m_sendMessage(self, p: Params) -> JSON:
        chat = self._chat(p)
        if not p.present("text"):
            raise bad_request("message text is empty")
        text, entities = self._text(p, "text", "parse_mode", "entities", MAX_TEXT)
        if not text:
            raise bad_request("message text is empty")
        inline, other = self._keyboard(p)
        self._check_can_post(chat)
        message = self._bot_message(chat, p)
        message["text"] = text
        if entities:
            message["entities"] = entities
        link_preview = p.obj("link_preview_options")
        if isinstance(link_preview, dict) and link_preview.get("is_disabled"):
            message["link_preview_options"] = {"is_disabled": True}
        if inline:
            message["reply_markup"] = inline
        return self._record_sent(chat, message, other)

    def m_sendChatAction(self, p: Params) -> bool:
        self._chat(p)
        if not p.present("action"):
            raise bad_request("action is empty")
        return True

    def m_editMessageText(self, p: Params) -> JSON:
        chat, message = self._message(p, edit=True)
        if message.get("from", {}).get("id") != self.sim.bot["id"] and chat.type != "channel":
            raise bad_request("message can't be edited")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        if not p.present("text"):
            raise bad_request("message text is empty")
        text, entities = self._text(p, "text", "parse_mode", "entities", MAX_TEXT)
        if not text:
            raise bad_request("message text is empty")
        inline, _ = self._keyboard(p)
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and inline == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        message.pop("reply_markup", None)
        if inline:
            message["reply_markup"] = inline
        message["edit_date"] = self.sim.now()
        self.sim.notify()
        return message

    def m_editMessageReplyMarkup(self, p: Params) -> JSON:
        chat, message = self._message(p, edit=True)
        if message.get("from", {}).get("id") != self.sim.bot["id"] and chat.type != "channel":
            raise bad_request("message can't be edited")
        inline, _ = self._keyboard(p)
        if inline == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        message.pop("reply_markup", None)
        if inline:
            message["reply_markup"] = inline
        message["edit_date"] = self.sim.now()
        self.sim.notify()
        return message

    def m_deleteMessage(self, p: Params) -> bool:
        chat = self._chat(p)
        message_id = p.integer("message_id")
        message = self.sim.messages.get((chat.id, message_id or 0))
        if message is None:
            raise bad_request("message to delete not found")
        own = message.get("from", {}).get("id") == self.sim.bot["id"]
        if chat.is_group and not own and chat.members.get(self.sim.bot["id"]) != "administrator":
            raise bad_request("message can't be deleted")
        del self.sim.messages[(chat.id, message["message_id"])]
        self.sim.notify()
        return True

    def m_deleteMessages(self, p: Params) -> bool:
        chat = self._chat(p)
        ids = p.obj("message_ids", "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            self.sim.messages.pop((chat.id, int(message_id)), None)
        self.sim.notify()
        return True

    def m_answerCallbackQuery(self, p: Params) -> bool:
        query_id = p.text("callback_query_id")
        if not query_id:
            raise bad_request("callback_query_id is empty")
        entry = self.sim.callback_queries.get(query_id)
        if entry is None or entry["answered"]:
            raise bad_request(CALLBACK_GONE)
        text = p.text("text")
        if text and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        entry["answered"] = True
        self.sim.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": p.flag("show_alert"),
                "url": p.text("url"),
                "cache_time": p.integer("cache_time", 0),
            }
        )
        self.sim.notify()
        return True

    _CONTENT = ("text", "entities", "document", "photo", "caption", "caption_entities", "poll")

    def _source(self, p: Params, action: str) -> JSON:
        source_chat = self._chat(p, "from_chat_id")
        message_id = p.integer("message_id")
        source = self.sim.messages.get((source_chat.id, message_id or 0))
        if source is None:
            raise bad_request(f"message to {action} not found")
        if source.get("has_protected_content"):
            raise bad_request(f"message has protected content and can't be {action}ed")
        if source.get("poll", {}).get("type") == "quiz":
            raise bad_request("QUIZ_ANSWER_MISSING")
        if not any(key in source for key in self._CONTENT):
            raise bad_request(f"message can't be {action}ed")
        return source

    def m_forwardMessage(self, p: Params) -> JSON:
        chat = self._chat(p)
        source = self._source(p, "forward")
        self._check_can_post(chat)
        message = self._bot_message(chat, p)
        origin_chat = self.sim.chats[source["chat"]["id"]]
        if origin_chat.type == "channel":
            origin = {
                "type": "channel",
                "date": source["date"],
                "chat": origin_chat.api(),
                "message_id": source["message_id"],
            }
        else:
            sender = source.get("from", self.sim.bot)
            origin = {"type": "user", "date": source["date"], "sender_user": dict(sender)}
        message["forward_origin"] = origin
        for key in self._CONTENT:
            if key in source:
                message[key] = copy.deepcopy(source[key])
        return self._record_sent(chat, message, None)

    def m_copyMessage(self, p: Params) -> JSON:
        chat = self._chat(p)
        source = self._source(p, "copy")
        inline, other = self._keyboard(p)
        self._check_can_post(chat)
        message = self._bot_message(chat, p)
        for key in self._CONTENT:
            if key in source:
                message[key] = copy.deepcopy(source[key])
        if p.present("caption") and ("document" in source or "photo" in source):
            message.pop("caption", None)
            message.pop("caption_entities", None)
            self._caption(p, message)
        if "poll" in source:
            original = self.sim.polls[source["poll"]["id"]].poll
            poll = copy.deepcopy(original)
            poll.update(id=self.sim.next_poll_id(), total_voter_count=0, is_closed=False)
            for option in poll["options"]:
                option["voter_count"] = 0
            state = Poll(poll, chat.id, message["message_id"], sent_by_bot=True)
            self.sim.polls[poll["id"]] = state
            message["poll"] = self.sim.poll_object(state)
        if inline:
            message["reply_markup"] = inline
        self._record_sent(chat, message, other)
        return {"message_id": message["message_id"]}

    def m_pinChatMessage(self, p: Params) -> bool:
        chat = self._chat(p)
        message_id = p.integer("message_id")
        if message_id is None or (chat.id, message_id) not in self.sim.messages:
            raise bad_request("message to pin not found")
        if chat.type != "private" and chat.members.get(self.sim.bot["id"]) != "administrator":
            raise bad_request("not enough rights to manage pinned messages in the chat")
        chat.pinned = message_id
        self.sim.notify()
        return True

    def m_unpinChatMessage(self, p: Params) -> bool:
        chat = self._chat(p)
        if chat.type != "private" and chat.members.get(self.sim.bot["id"]) != "administrator":
            raise bad_request("not enough rights to manage pinned messages in the chat")
        chat.pinned = None
        return True

    # --- polls ----------------------------------------------------------------------------

    def m_sendPoll(self, p: Params) -> JSON:
        chat = self._chat(p)
        question, question_entities = format_text(
            p.text("question") or "", p.text("question_parse_mode"), None
        )
        if not question:
            raise bad_request("text must be non-empty")
        if len(question) > 300:
            raise bad_request("poll question length must not exceed 300")
        raw_options = p.obj("options", "options")
        if not isinstance(raw_options, list) or not raw_options:
            raise bad_request("poll must have at least one answer option")
        if len(raw_options) > 12:
            raise bad_request("poll can't have more than 12 options")
        kind = p.text("type") or "regular"
        if kind not in ("regular", "quiz"):
            raise bad_request("unsupported poll type specified")
        if kind == "quiz" and len(raw_options) < 2:
            raise bad_request("poll must have at least 2 option")
        options = []
        for index, raw in enumerate(raw_options):
            if isinstance(raw, dict):
                text, ents = format_text(
                    str(raw.get("text", "")), raw.get("text_parse_mode"), raw.get("text_entities")
                )
            else:
                text, ents = format_text(str(raw), None, None)
            if not text:
                raise bad_request("text must be non-empty")
            if len(text) > 100:
                raise bad_request("poll options length must not exceed 100")
            option: JSON = {"persistent_id": str(index), "text": text, "voter_count": 0}
            if ents:
                option["text_entities"] = ents
            options.append(option)
        is_anonymous = p.flag("is_anonymous", True)
        if chat.type == "channel" and not is_anonymous:
            raise bad_request("non-anonymous polls can't be sent to channel chats")
        correct = p.obj("correct_option_ids", "correct option identifiers")
        if correct is None and p.present("correct_option_id"):
            correct = [p.integer("correct_option_id")]
        if kind == "quiz":
            if not isinstance(correct, list) or not correct:
                raise bad_request("correct option ids must be specified for quizzes")
            if any(not isinstance(i, int) or not 0 <= i < len(options) for i in correct):
                raise bad_request("wrong correct option ID specified")
            if len(correct) > 1 and not p.flag("allows_multiple_answers"):
                raise bad_request("wrong correct option ID specified")
            correct = sorted(set(correct))
        elif correct:
            raise bad_request("correct option ids can be specified only for quizzes")
        explanation, explanation_entities = format_text(
            p.text("explanation") or "", p.text("explanation_parse_mode"), None
        )
        if explanation and kind != "quiz":
            raise bad_request("explanation can be specified only for quizzes")
        if len(explanation) > 200:
            raise bad_request("explanation length must not exceed 200")
        if explanation.count("\n") > 2:
            raise bad_request("explanation can't contain more than 2 line feeds")
        open_period = p.integer("open_period")
        close_date = p.integer("close_date")
        if open_period is not None and close_date is not None:
            raise bad_request("open_period and close_date can't be specified together")
        if open_period is not None and not 5 <= open_period <= 2_628_000:
            raise bad_request("wrong open period specified")
        if close_date is not None:
            span = close_date - self.sim.now()
            if not 5 <= span <= 2_628_000:
                raise bad_request("wrong close date specified")
            open_period = span
        description = p.text("description") or ""
        if len(description) > 1024:
            raise bad_request("poll description is too long")
        inline, other = self._keyboard(p)
        self._check_can_post(chat)

        poll_id = self.sim.next_poll_id()
        poll: JSON = {
            "id": poll_id,
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": p.flag("is_closed"),
            "is_anonymous": is_anonymous,
            "type": kind,
            "allows_multiple_answers": p.flag("allows_multiple_answers"),
            "allows_revoting": p.flag("allows_revoting", kind != "quiz"),
            "members_only": p.flag("members_only"),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if kind == "quiz":
            poll["correct_option_ids"] = correct
            if explanation:
                poll["explanation"] = explanation
                if explanation_entities:
                    poll["explanation_entities"] = explanation_entities
        if description:
            poll["description"] = description
        if open_period is not None:
            poll["open_period"] = open_period
            poll["close_date"] = self.sim.now() + open_period
        message = self._bot_message(chat, p)
        state = Poll(poll, chat.id, message["message_id"], sent_by_bot=True)
        state.hide_results = p.flag("hide_results_until_closes")
        self.sim.polls[poll_id] = state
        message["poll"] = self.sim.poll_object(state)
        if inline:
            message["reply_markup"] = inline
        if open_period is not None and not poll["is_closed"]:
            loop = asyncio.get_running_loop()
            state.timer = loop.call_later(open_period, self.sim.expire_poll, poll_id)
        return self._record_sent(chat, message, other)

    def m_stopPoll(self, p: Params) -> JSON:
        chat = self._chat(p)
        message_id = p.integer("message_id")
        message = self.sim.messages.get((chat.id, message_id or 0))
        if message is None or "poll" not in message:
            raise bad_request("message with poll to stop not found")
        if message.get("from", {}).get("id") != self.sim.bot["id"] and chat.type != "channel":
            raise bad_request("poll can't be stopped")
        state = self.sim.polls[message["poll"]["id"]]
        if state.poll["is_closed"]:
            raise bad_request("poll has already been closed")
        inline, _ = self._keyboard(p)
        if state.timer:
            state.timer.cancel()
        self.sim.close_poll(state, notify_bot=True)
        if inline:
            message["reply_markup"] = inline
        return self.sim.poll_object(state)

    # --- files ----------------------------------------------------------------------------

    def _input_file(self, p: Params, name: str, folder: str):
        source = p.upload_or_str(name)
        if source is None or source == "":
            raise bad_request(f"there is no {name} in the request")
        if isinstance(source, Upload):
            if not source.data:
                raise bad_request("file must be non-empty")
            if len(source.data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            return self.sim.store_file(source.data, folder, source.filename, source.content_type)
        if source.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = self.sim.files.get(source)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def _caption(self, p: Params, message: JSON) -> None:
        if p.present("caption"):
            caption, entities = self._text(
                p, "caption", "parse_mode", "caption_entities", MAX_CAPTION
            )
            if caption:
                message["caption"] = caption
                if entities:
                    message["caption_entities"] = entities

    def m_sendDocument(self, p: Params) -> JSON:
        chat = self._chat(p)
        inline, other = self._keyboard(p)
        stored = self._input_file(p, "document", "documents")
        self._check_can_post(chat)
        message = self._bot_message(chat, p)
        message["document"] = self.sim.document_object(stored)
        self._caption(p, message)
        if inline:
            message["reply_markup"] = inline
        return self._record_sent(chat, message, other)

    def m_sendPhoto(self, p: Params) -> JSON:
        chat = self._chat(p)
        inline, other = self._keyboard(p)
        stored = self._input_file(p, "photo", "photos")
        self._check_can_post(chat)
        width, height = _image_size(stored.data)
        message = self._bot_message(chat, p)
        message["photo"] = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data),
                "width": width,
                "height": height,
            }
        ]
        self._caption(p, message)
        if inline:
            message["reply_markup"] = inline
        return self._record_sent(chat, message, other)

    def m_getFile(self, p: Params) -> JSON:
        file_id = p.text("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        stored = self.sim.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        result: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if len(stored.data) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        result["file_path"] = stored.path
        return result

    # --- chats ----------------------------------------------------------------------------

    def m_getChat(self, p: Params) -> JSON:
        chat = self._chat_for_reading(p)
        info = {
            **chat.api(),
            "accent_color_id": chat.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.is_group:
            info["permissions"] = {
                "can_send_messages": True,
                "can_send_polls": True,
                "can_send_documents": True,
                "can_pin_messages": False,
            }
        if chat.pinned and (chat.id, chat.pinned) in self.sim.messages:
            info["pinned_message"] = self.sim.messages[(chat.id, chat.pinned)]
        return info

    def _chat_for_reading(self, p: Params) -> Chat:
        ref = p.chat_id()
        chat = self.sim.chats.get(ref) if isinstance(ref, int) else None
        if chat is None:
            return self._chat(p)
        if chat.type != "private":
            self._check_access(chat)
        return chat

    def m_getChatMember(self, p: Params) -> JSON:
        chat = self._chat_for_reading(p)
        user_id = p.integer("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id not in self.sim.users and user_id != self.sim.bot["id"]:
            raise bad_request("user not found")
        if chat.type == "private":
            if user_id not in (chat.id, self.sim.bot["id"]):
                raise bad_request("user not found")
            return self.sim.member_object(chat, user_id, "member")
        return self.sim.member_object(chat, user_id)

    def m_getChatAdministrators(self, p: Params) -> list[JSON]:
        chat = self._chat_for_reading(p)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self.sim.member_object(chat, user_id)
            for user_id, status in chat.members.items()
            if status in ("creator", "administrator")
        ]

    def m_getChatMemberCount(self, p: Params) -> int:
        chat = self._chat_for_reading(p)
        if chat.type == "private":
            return 2
        return sum(1 for status in chat.members.values() if status in MEMBER_STATUSES)

    def m_leaveChat(self, p: Params) -> bool:
        chat = self._chat(p)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        chat.members[self.sim.bot["id"]] = "left"
        return True


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, else a nominal 320x320."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 320, 320
