"""Request parameters read the way the Bot API server reads them.

Query string, form-encoded, JSON and multipart bodies all end up in one mapping. Values sent as
strings are converted on access: integers from their digits, booleans from "true"/"false"/"1"/"0",
arrays and objects from JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDict

from bot.sandbox.errors import bad_request


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent in a multipart part."""

    data: bytes
    filename: str
    content_type: str


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            values.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form: MultiDict[Any] = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    values[key] = Upload(
                        value.file.read(), value.filename or key, value.content_type
                    )
                else:
                    values[key] = value
    return Params(values)


_TRUE = {"true", "1", "yes", "on"}


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.present(name)

    def present(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, Upload):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            pass
        try:
            return int(float(str(value).strip()))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        return str(value).strip().lower() in _TRUE

    def obj(self, name: str, what: str | None = None) -> Any:
        """An array or object parameter, given natively (JSON body) or as JSON text."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None

    def upload_or_str(self, name: str) -> Upload | str | None:
        value = self.values.get(name)
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            attached = self.values.get(value.removeprefix("attach://"))
            if isinstance(attached, Upload):
                return attached
            raise bad_request(f"file attachment {value.removeprefix('attach://')} not found")
        return self.text(name)
