"""Telegram's flood limits and the faults a test can order up."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class RateLimits:
    """Telegram's documented limits; `enabled` is off unless a test turns it on."""

    enabled: bool = False
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    global_per_second: int = 30


@dataclass
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take one token; 0 when granted, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self, limits: RateLimits, clock=time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, deque[float]] = {}
        self._global: deque[float] = deque()

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """None if a message to `chat_id` may go now, else the retry_after in seconds."""
        if not self.limits.enabled:
            return None
        now = self.clock()
        waits = []
        self._trim(self._global, now, 1.0)
        if len(self._global) >= self.limits.global_per_second:
            waits.append(self._global[0] + 1.0 - now)
        if is_group:
            sent = self._groups.setdefault(chat_id, deque())
            self._trim(sent, now, 60.0)
            if len(sent) >= self.limits.per_group_per_minute:
                waits.append(sent[0] + 60.0 - now)
        bucket = self._chats.get(chat_id)
        if bucket is None:
            burst = float(self.limits.per_chat_burst)
            bucket = self._chats[chat_id] = _Bucket(
                self.limits.per_chat_per_second, burst, burst, now
            )
        if waits:
            return max(1, math.ceil(max(waits)))
        wait = bucket.take(now)
        if wait:
            return max(1, math.ceil(wait))
        self._global.append(now)
        if is_group:
            self._groups[chat_id].append(now)
        return None

    @staticmethod
    def _trim(sent: deque[float], now: float, window: float) -> None:
        while sent and sent[0] <= now - window:
            sent.popleft()


FAULT_KINDS = ("delay", "late", "drop", "error", "429")


@dataclass
class Fault:
    """A misbehaviour for the next `count` calls (of `methods`, or of any method; to one of
    `chats`, or to any chat)."""

    kind: str
    count: int = 1
    methods: frozenset[str] | None = None
    chats: frozenset[int] | None = None
    delay: float = 0.0
    status: int = 500
    retry_after: int = 1
    hits: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        if self.methods is not None:
            self.methods = frozenset(m.lower() for m in self.methods)

    def matches(self, method: str, chat_id: object = None) -> bool:
        if self.chats is not None and str(chat_id) not in {str(c) for c in self.chats}:
            return False
        return self.methods is None or method.lower() in self.methods
