"""Formatted text: HTML and MarkdownV2 turned into plain text plus entities, as Telegram does.

Entity offsets and lengths count UTF-16 code units. Malformed markup raises `ApiError` with
Telegram's "can't parse entities: ..." wording.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    pos: int = 0  # UTF-16 position of the end of the text so far
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.pos += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.pos - start, **extra}
            )

    def result(self) -> tuple[str, list[Entity]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


# --- HTML -------------------------------------------------------------------------------------

_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_CHAR_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def _unescape_html(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        return html.unescape(match.group(0))

    return _CHAR_REF.sub(repl, text)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, str, int, dict[str, Any]]] = []
    i = 0
    n = len(source)
    while i < n:
        lt = source.find("<", i)
        if lt < 0:
            out.add(_unescape_html(source[i:]))
            break
        out.add(_unescape_html(source[i:lt]))
        gt = source.find(">", lt)
        if gt < 0:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, lt)}")
        inner = source[lt + 1 : gt]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, lt)}")
            open_name, kind, start, extra = stack.pop()
            if name != open_name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(source, lt)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close_html(out, stack, kind, start, extra)
        else:
            match = _TAG_NAME.match(inner)
            name = match.group(0).lower() if match else ""
            if name not in _HTML_SIMPLE:
                shown = name or inner.split(" ")[0]
                raise _parse_error(
                    f'Unsupported start tag "{shown}" at byte offset {_byte_offset(source, lt)}'
                )
            attrs = {
                key.lower(): _unescape_html(value.strip("\"'")) if value else ""
                for key, value in _ATTR.findall(inner[len(name) :])
            }
            kind = _HTML_SIMPLE[name]
            extra: dict[str, Any] = {}
            if name == "a":
                href = attrs.get("href", "")
                user = re.fullmatch(r"tg://user\?id=(\d+)", href)
                if user:
                    kind, extra = "text_mention", {"user_id": int(user.group(1))}
                elif href:
                    extra = {"url": href}
                else:
                    kind = ""  # an anchor without a link is plain text
            elif name == "span":
                if attrs.get("class") != "tg-spoiler":
                    raise _parse_error(
                        f'Tag "span" must have class "tg-spoiler" at byte offset '
                        f"{_byte_offset(source, lt)}"
                    )
            elif name == "tg-emoji":
                if "emoji-id" not in attrs:
                    raise _parse_error(
                        f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                        f"{_byte_offset(source, lt)}"
                    )
                extra = {"custom_emoji_id": attrs["emoji-id"]}
            elif name == "blockquote" and "expandable" in attrs:
                kind = "expandable_blockquote"
            elif name == "code" and stack and stack[-1][0] == "pre":
                language = attrs.get("class", "").removeprefix("language-")
                if language:
                    stack[-1][3]["language"] = language
            stack.append((name, kind, out.pos, extra))
        i = gt + 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(
    out: _Builder, stack: list[tuple[str, str, int, dict[str, Any]]], kind: str, start: int, extra
) -> None:
    if not kind:
        return
    if kind == "code" and stack and stack[-1][0] == "pre":
        return  # <pre><code class="language-x"> is one pre entity
    if kind == "text_mention":
        extra = {"user": {"id": extra["user_id"], "is_bot": False, "first_name": "User"}}
    out.entity(kind, start, **extra)


# --- MarkdownV2 -------------------------------------------------------------------------------

_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, int, int, dict[str, Any]]] = []  # type, utf16 start, index, extra
    quote_start: int | None = None
    i = 0
    n = len(source)
    at_line_start = True
    while i < n:
        ch = source[i]
        if at_line_start:
            at_line_start = False
            if ch == ">":
                if quote_start is None:
                    quote_start = out.pos
                i += 1
                continue
            if quote_start is not None:
                _end_quote(out, quote_start)
                quote_start = None
        if ch == "\\" and i + 1 < n and 0 < ord(source[i + 1]) < 127:
            out.add(source[i + 1])
            i += 2
            continue
        if ch == "\n":
            out.add(ch)
            at_line_start = True
            i += 1
            continue
        if stack and stack[-1][0] in ("code", "pre"):
            kind, start, _, extra = stack[-1]
            closer = "```" if kind == "pre" else "`"
            if source.startswith(closer, i):
                stack.pop()
                out.entity(kind, start, **extra)
                i += len(closer)
            else:
                out.add(ch)
                i += 1
            continue
        if source.startswith("```", i):
            i += 3
            newline = source.find("\n", i)
            language = ""
            if newline >= 0 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", source[i:newline]):
                language = source[i:newline]
                i = newline + 1
            stack.append(("pre", out.pos, i - 3, {"language": language} if language else {}))
            continue
        token, kind = _md_token(source, i)
        if kind:
            open_index = next((k for k in range(len(stack)) if stack[k][0] == kind), None)
            if open_index is not None and kind != "text_link":
                if open_index != len(stack) - 1:
                    inner_kind, _, inner_begin, _ = stack[-1]
                    raise _parse_error(
                        f"Can't find end of {_MD_NAMES[inner_kind]} entity at byte offset "
                        f"{_byte_offset(source, inner_begin)}"
                    )
                _, start, _, _ = stack.pop()
                out.entity(kind, start)
            elif kind == "text_link_open":
                stack.append(("text_link", out.pos, i, {}))
            elif kind == "text_link_close":
                if not stack or stack[-1][0] != "text_link":
                    raise _reserved(ch)
                _, start, begin, _ = stack.pop()
                match = re.match(r"\]\(((?:[^)\\]|\\.)*)\)", source[i:])
                if not match:
                    raise _parse_error(
                        f"Can't find end of TextUrl entity at byte offset "
                        f"{_byte_offset(source, begin)}"
                    )
                url = re.sub(r"\\(.)", r"\1", match.group(1))
                out.entity("text_link", start, url=url)
                i += len(match.group(0))
                continue
            else:
                stack.append((kind, out.pos, i, {}))
            i += len(token)
            continue
        if ch in _RESERVED:
            raise _reserved(ch)
        out.add(ch)
        i += 1
    if quote_start is not None:
        _end_quote(out, quote_start)
    if stack:
        kind, _, begin, _ = stack[-1]
        raise _parse_error(
            f"Can't find end of {_MD_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(source, begin)}"
        )
    return out.result()


def _reserved(ch: str) -> ApiError:
    return _parse_error(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def _end_quote(out: _Builder, start: int) -> None:
    # the quote ends before the line feed that closes it
    end = out.pos - 1 if out.parts and out.parts[-1] == "\n" else out.pos
    if end > start:
        out.entities.append({"type": "blockquote", "offset": start, "length": end - start})


def _md_token(source: str, i: int) -> tuple[str, str]:
    if source.startswith("__", i):
        return "__", "underline"
    if source.startswith("||", i):
        return "||", "spoiler"
    ch = source[i]
    return {
        "*": ("*", "bold"),
        "_": ("_", "italic"),
        "~": ("~", "strikethrough"),
        "`": ("`", "code"),
        "[": ("[", "text_link_open"),
        "]": ("]", "text_link_close"),
    }.get(ch, ("", ""))


# --- legacy Markdown --------------------------------------------------------------------------


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    i = 0
    n = len(source)
    pairs = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "*_`[":
            out.add(source[i + 1])
            i += 2
        elif source.startswith("```", i):
            end = source.find("```", i + 3)
            if end < 0:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.pos
            out.add(source[i + 3 : end])
            out.entity("pre", start)
            i = end + 3
        elif ch in pairs:
            end = source.find(ch, i + 1)
            if end < 0:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.pos
            out.add(source[i + 1 : end])
            out.entity(pairs[ch], start)
            i = end + 1
        elif ch == "[":
            match = re.match(r"\[([^\]]*)\]\(([^)]*)\)", source[i:])
            if not match:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.pos
            out.add(match.group(1))
            out.entity("text_link", start, url=match.group(2))
            i += len(match.group(0))
        else:
            out.add(ch)
            i += 1
    return out.result()


# --- entry point ------------------------------------------------------------------------------


def format_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Plain text and entities for `text` as sent with `parse_mode` or explicit `entities`."""
    mode = (parse_mode or "").lower()
    if entities:
        result_text, result_entities = text, [dict(e) for e in entities]
    elif mode == "html":
        result_text, result_entities = parse_html(text)
    elif mode == "markdownv2":
        result_text, result_entities = parse_markdown_v2(text)
    elif mode == "markdown":
        result_text, result_entities = parse_markdown(text)
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        result_text, result_entities = text, []
    return _strip(result_text, result_entities)


def _strip(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram drops leading and trailing white space; entities follow the text."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    stripped = stripped_left.rstrip()
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_URL = re.compile(r"https?://[^\s<>\"]+")


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram finds by itself in a user's plain text."""
    found: list[Entity] = []
    for kind, pattern in (
        ("bot_command", _COMMAND),
        ("mention", _MENTION),
        ("hashtag", _HASHTAG),
        ("url", _URL),
    ):
        for match in pattern.finditer(text):
            if kind == "bot_command" and match.start() and not text[match.start() - 1].isspace():
                continue
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    return sorted(found, key=lambda e: e["offset"])
