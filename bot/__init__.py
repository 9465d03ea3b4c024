"""The shells around the quiz generator: the command line, the Telegram bot, the sandbox."""
