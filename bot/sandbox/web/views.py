"""What the chat page shows: the stand-in's chats and messages as one person sees them.

Pure functions of the `Simulation`'s state; the page's JavaScript renders their JSON. Text stays
text here (with its entities); the page escapes it by building DOM nodes, never HTML strings.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.world import MEMBER_STATUSES, Chat, Simulation

JSON = dict[str, Any]

# Pictures the page shows in place; anything else (SVG with script, HTML) only downloads.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def display_name(user: JSON) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def file_url(file_id: str, *, download: bool = False) -> str:
    return f"/web/file/{file_id}" + ("?download=1" if download else "")


def chats_for(sim: Simulation, user_id: int) -> list[JSON]:
    """The chats `user_id` sees in their list: the private chat with the bot first (even before
    they have pressed Start), then the groups they are a member of, by title."""
    bot_name = display_name(sim.bot)
    private = sim.chats.get(user_id)
    chats = [
        {
            "id": user_id,
            "type": "private",
            "title": bot_name,
            "subtitle": "bot",
            "started": user_id in sim.started,
            "last": _last_line(sim, private) if private else "",
        }
    ]
    groups = [
        chat
        for chat in sim.chats.values()
        if chat.is_group and chat.members.get(user_id) in MEMBER_STATUSES
    ]
    for chat in sorted(groups, key=lambda c: (c.title or "").lower()):
        count = sum(1 for status in chat.members.values() if status in MEMBER_STATUSES)
        chats.append(
            {
                "id": chat.id,
                "type": chat.type,
                "title": chat.title or "",
                "subtitle": f"{count} members",
                "started": True,
                "last": _last_line(sim, chat),
                "role": chat.members.get(user_id),
            }
        )
    return chats


def _last_line(sim: Simulation, chat: Chat) -> str:
    ids = [mid for (cid, mid) in sim.messages if cid == chat.id]
    if not ids:
        return ""
    message = sim.messages[(chat.id, max(ids))]
    return summary(message)[:80]


def summary(message: JSON) -> str:
    """One line for the chat list."""
    if "text" in message:
        return message["text"].split("\n", 1)[0]
    if "poll" in message:
        return "📊 " + message["poll"]["question"]
    if "photo" in message:
        return "🖼 " + (message.get("caption") or "Photo")
    if "document" in message:
        return "📄 " + (message["document"].get("file_name") or "File")
    return ""


def messages_for(sim: Simulation, chat_id: int, viewer_id: int) -> list[JSON]:
    """Every message in the chat, oldest first, as `viewer_id` sees it."""
    return [
        message_view(sim, message, viewer_id)
        for (cid, _), message in sorted(sim.messages.items())
        if cid == chat_id
    ]


def message_view(sim: Simulation, message: JSON, viewer_id: int) -> JSON:
    sender = message.get("from")
    view: JSON = {
        "id": message["message_id"],
        "date": message["date"],
        "edited": "edit_date" in message,
        "from": None,
        "outgoing": bool(sender and sender["id"] == viewer_id),
    }
    if sender:
        view["from"] = {
            "id": sender["id"],
            "name": display_name(sender),
            "is_bot": sender.get("is_bot", False),
        }
    service = _service_text(sim, message)
    if service:
        view["service"] = service
        return view
    for key in ("text", "entities", "caption", "caption_entities"):
        if key in message:
            view[key] = message[key]
    reply = message.get("reply_to_message")
    if reply:
        view["reply_to"] = {
            "id": reply["message_id"],
            "name": display_name(reply.get("from") or {}),
            "text": summary(reply)[:100],
        }
    if "photo" in message:
        largest = max(message["photo"], key=lambda size: size["width"] * size["height"])
        view["photo"] = {
            "url": file_url(largest["file_id"]),
            "width": largest["width"],
            "height": largest["height"],
        }
    if "document" in message:
        document = message["document"]
        view["document"] = {
            "preview": document.get("mime_type") in INLINE_IMAGES,
            "name": document.get("file_name") or "file",
            "size": document.get("file_size", 0),
            "mime_type": document.get("mime_type") or "",
            "url": file_url(document["file_id"], download=True),
            "view_url": file_url(document["file_id"]),
        }
    if "poll" in message:
        view["poll"] = poll_view(sim, message["poll"]["id"], viewer_id)
    other = sim.reply_keyboards.get((message["chat"]["id"], message["message_id"])) or {}
    if other.get("force_reply"):
        view["force_reply"] = True  # the app opens a reply to this message
    markup = message.get("reply_markup") or {}
    if markup.get("inline_keyboard"):
        view["buttons"] = [
            [
                {key: button[key] for key in ("text", "callback_data", "url") if key in button}
                for button in row
            ]
            for row in markup["inline_keyboard"]
        ]
    return view


def poll_view(sim: Simulation, poll_id: str, viewer_id: int) -> JSON:
    """A poll as a member sees it: results and, for a quiz, the right answer and explanation
    only once they have voted or the poll is closed (as Telegram's apps do)."""
    state = sim.polls[poll_id]
    poll = state.poll
    chosen = state.votes.get(viewer_id)
    hidden = state.hide_results and not poll["is_closed"]  # hide_results_until_closes
    revealed = poll["is_closed"] or (chosen is not None and not hidden)
    view: JSON = {
        "id": poll_id,
        "type": poll["type"],
        "question": poll["question"],
        "question_entities": poll.get("question_entities", []),
        "anonymous": poll["is_anonymous"],
        "multiple": poll["allows_multiple_answers"],
        "closed": poll["is_closed"],
        "close_date": poll.get("close_date"),
        "total": poll["total_voter_count"],
        "chosen": chosen,
        "hidden": hidden,
        "options": [
            {
                "text": option["text"],
                "entities": option.get("text_entities", []),
                "votes": option["voter_count"] if revealed else None,
            }
            for option in poll["options"]
        ],
    }
    if poll["type"] == "quiz" and revealed:
        view["correct"] = poll.get("correct_option_ids", [])
        if "explanation" in poll:
            view["explanation"] = poll["explanation"]
            view["explanation_entities"] = poll.get("explanation_entities", [])
    return view


def _service_text(sim: Simulation, message: JSON) -> str | None:
    actor = display_name(message.get("from") or {})
    if "new_chat_members" in message:
        names = [display_name(user) for user in message["new_chat_members"]]
        if names == [actor]:
            return f"{actor} joined the group"
        return f"{actor} added {', '.join(names)}"
    if "left_chat_member" in message:
        return f"{display_name(message['left_chat_member'])} left the group"
    if "pinned_message" in message:
        return f"{actor} pinned a message"
    return None
