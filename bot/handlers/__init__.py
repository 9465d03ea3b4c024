"""Telegram handlers: read the update, call `questions`/`storage`/`bot.play`, render a reply."""
