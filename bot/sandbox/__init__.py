"""A local Telegram Bot API stand-in that python-telegram-bot cannot tell from the real one.

`SandboxServer` answers `/bot<TOKEN>/<method>` and `/file/bot<TOKEN>/<path>`; its `sim`
(a `Simulation`) creates users and chats and acts for them. See README.md in this folder.
"""

from bot.sandbox.errors import ApiError
from bot.sandbox.limits import RateLimits
from bot.sandbox.server import DEFAULT_TOKEN, SandboxServer
from bot.sandbox.sim_http import SimClient
from bot.sandbox.world import Simulation, SimulationError

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "RateLimits",
    "SandboxServer",
    "SimClient",
    "Simulation",
    "SimulationError",
]
