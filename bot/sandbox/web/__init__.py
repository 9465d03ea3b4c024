"""A Telegram-like chat page served by the stand-in: see `ChatPage`."""

from bot.sandbox.web.page import ChatPage, PageError

__all__ = ["ChatPage", "PageError"]
