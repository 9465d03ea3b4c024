"""The shells around the quiz generator: command line, Telegram bot and the local Bot API sandbox."""
