"""Stage 1: read an article from text, a file or a URL, and clean it.

Cleaning normalises typography and drops page furniture (datelines, "Latest news", breadcrumbs,
headlines and their repeats, bylines), keeping for every character of the clean text its index in
the text as read, so evidence can point back into the original.
"""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
from pathlib import Path

from questions.model import MAX_ARTICLE_CHARS, Article, ArticleError

MAX_FILE_BYTES = 20_000_000
MAX_URL_BYTES = 5_000_000
MAX_UNZIPPED_BYTES = 50_000_000  # a .docx is a zip: refuse one that would inflate past this
URL_TIMEOUT_S = 15

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

# One character in, one character out: offsets stay aligned.
_SAME_WIDTH = str.maketrans(
    {
        "\u00b4": "'",  # acute accent used as an apostrophe (as the seed article does)
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\t": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2212": "-",
    }
)
_DROPPED = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\r"}
_WIDE = {"\u2026": "...", "\u2014": " - "}

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DATE_LINE = re.compile(
    rf"^(?:(?:{_WEEKDAYS}),?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})"
    r"(?:[,\s]+\d{1,2}[:.]\d{2}(?:\s*(?:am|pm|gmt|utc|[a-z]{3}))?)?\.?$",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r"^(?:latest( news)?|breaking( news)?|top stories|news|home|main|menu|advertisement|"
    r"share( this( article| story)?)?|read more|related( articles| stories)?|comments?|"
    r"subscribe|sign up|log ?in|follow us|print|e-?mail|tweet|skip to (main )?content|"
    r"more from .{1,40}|(photo|image|picture|video|source|credit)s?:.*|copyright .*|"
    r"all rights reserved.*|(by|published|updated|posted)\b.{0,80})$",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile("\\s(?:\u00bb|\u203a|>|/|\\|)\\s")
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*(?:\s*[\[(][\w ]{1,30}[\])])?$")
_MD_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+(?=\S))")
_MD_LINK = re.compile(r"!?\[([^\]\n]+)\]\([^)\s]+(?:\s\"[^\"]*\")?\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*)(?=\S)([^*\n]+?)(?<=\S)\1")
_WORD = re.compile(r"[A-Za-z']+")
_REFERENCE = re.compile(
    r"\[(?:[a-z ]{0,20}needed|\d{1,3}|[a-z]|note \d+|page \d+|dubious[^\]]{0,20}"
    r"|update|needs update|when\?|where\?|who\?|which\?|by whom\?|according to whom\?)\]",
    re.IGNORECASE,
)
# fmt: off
_ENGLISH_MARKERS = frozenset({
    "the", "of", "and", "to", "in", "a", "is", "was", "for", "on", "that", "with", "by",
    "as", "at", "from", "his", "her", "it", "are", "were", "be", "has", "have", "had",
    "said", "after", "an", "which", "who", "not", "this", "their", "they", "but", "its",
    "he", "she", "will", "been",
})
# fmt: on


def load_article(path_or_url: str | Path) -> Article:
    """Read an article from a file (text, Markdown, HTML, PDF, DOCX) or an http(s) URL."""
    source = str(path_or_url)
    if re.match(r"^https?://", source, re.IGNORECASE):
        return _from_url(source)
    path = Path(source)
    if not path.exists():
        raise ArticleError(f"{source}: no such file")
    if path.is_dir():
        raise ArticleError(f"{source}: is a folder, not an article file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ArticleError(
            f"{source}: the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
        )
    data = path.read_bytes()
    return article_from_bytes(data, name=path.name, source=source)


def article_from_bytes(data: bytes, *, name: str, source: str | None = None) -> Article:
    """Decode an uploaded or read file by its name's suffix (then by its content)."""
    source = source or name
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise ArticleError(f"{source}: the file is empty")
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        return article_from_text(_pdf_text(data, source), source=source, wrapped=True)
    if suffix == ".docx" or (data.startswith(b"PK\x03\x04") and b"word/" in data[:4000]):
        return article_from_text(_docx_text(data, source), source=source)
    text = _decode(data, source)
    if suffix in HTML_SUFFIXES or _looks_like_html(text):
        return article_from_html(text, source=source)
    return article_from_text(text, source=source)


def article_from_html(html: str, *, source: str) -> Article:
    """Extract the main text of a web page with trafilatura, then clean it."""
    import trafilatura

    body = trafilatura.extract(html, include_comments=False, include_tables=False)
    if not body:
        raise ArticleError(f"{source}: found no article text in this page")
    metadata = trafilatura.extract_metadata(html)
    title = (metadata.title or "").strip() if metadata else ""
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    return article_from_text(text, source=source)


def article_from_text(text: str, *, source: str = "text", wrapped: bool = False) -> Article:
    """Clean raw article text. `wrapped` joins hard-wrapped lines (PDF extraction)."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise ArticleError(
            f"{source}: the article has {len(text):,} characters; "
            f"the limit is {MAX_ARTICLE_CHARS:,}"
        )
    if not text.strip():
        raise ArticleError(f"{source}: the article is empty")
    if "\x00" in text:
        raise ArticleError(f"{source}: this is a binary file, not text")
    chars, offsets = _normalise(text)
    lines = _split_lines(chars, offsets)
    if wrapped:
        lines = _unwrap(lines)
    title, body = _strip_furniture(lines)
    if not body:
        raise ArticleError(
            f"{source}: found no article text, only headings or page furniture "
            "(a paragraph must end with a full stop, question or exclamation mark)"
        )
    clean_chars: list[str] = []
    clean_offsets: list[int] = []
    for i, (line, line_offsets) in enumerate(body):
        if i:
            clean_chars.extend("\n\n")
            clean_offsets.extend([line_offsets[0]] * 2)
        clean_chars.extend(line)
        clean_offsets.extend(line_offsets)
    clean = "".join(clean_chars)
    _check_english(clean, source)
    return Article(
        title=title or _fallback_title(clean),
        text=clean,
        source=source,
        source_text=text,
        offsets=tuple(clean_offsets),
    )


def _normalise(text: str) -> tuple[list[str], list[int]]:
    """Typography to plain ASCII punctuation, one entry per output character."""
    chars: list[str] = []
    offsets: list[int] = []
    mapped = text.translate(_SAME_WIDTH)
    for i, ch in enumerate(mapped):
        if ch in _DROPPED:
            continue
        wide = _WIDE.get(text[i])
        if wide:
            chars.extend(wide)
            offsets.extend([i] * len(wide))
        elif ch.isspace() and ch != "\n":
            chars.append(" ")
            offsets.append(i)
        else:
            chars.append(ch)
            offsets.append(i)
    return chars, offsets


Line = tuple[str, list[int]]


def _split_lines(chars: list[str], offsets: list[int]) -> list[Line]:
    """Lines with Markdown markup removed and runs of spaces collapsed; blank lines kept as ""."""
    lines: list[Line] = []
    start = 0
    for end in [*(i for i, c in enumerate(chars) if c == "\n"), len(chars)]:
        lines.append(_clean_line(chars[start:end], offsets[start:end]))
        start = end + 1
    return lines


def _clean_line(chars: list[str], offsets: list[int]) -> Line:
    text = "".join(chars)
    keep = [True] * len(text)
    prefix = _MD_PREFIX.match(text)
    if prefix:
        for i in range(prefix.end()):
            keep[i] = False
    for match in _MD_LINK.finditer(text):
        for i in range(match.start(), match.end()):
            keep[i] = match.start(1) <= i < match.end(1)
    for match in _REFERENCE.finditer(text):
        for i in range(match.start(), match.end()):
            keep[i] = False
    for match in _MD_EMPHASIS.finditer(text):
        for i in (*range(match.start(), match.start(2)), *range(match.end(2), match.end())):
            keep[i] = False
    out_chars: list[str] = []
    out_offsets: list[int] = []
    for i, ch in enumerate(text):
        if not keep[i] or (ch == " " and (not out_chars or out_chars[-1] == " ")):
            continue
        out_chars.append(ch)
        out_offsets.append(offsets[i])
    while out_chars and out_chars[-1] == " ":
        out_chars.pop()
        out_offsets.pop()
    return "".join(out_chars), out_offsets


def _unwrap(lines: list[Line]) -> list[Line]:
    """Join a line that does not end a sentence with the next when that one continues it."""
    out: list[Line] = []
    for text, offsets in lines:
        if out and out[-1][0] and text and not _SENTENCE_END.search(out[-1][0]):
            prev_text, prev_offsets = out[-1]
            if text[0].islower() or text[0].isdigit() or not _is_heading(prev_text):
                out[-1] = (f"{prev_text} {text}", [*prev_offsets, prev_offsets[-1] + 1, *offsets])
                continue
        out.append((text, offsets))
    return out


def _is_heading(text: str) -> bool:
    return len(text.split()) <= 14 and not _SENTENCE_END.search(text)


def _is_furniture(text: str) -> bool:
    return bool(_DATE_LINE.match(text) or _FURNITURE.match(text))


def _strip_furniture(lines: list[Line]) -> tuple[str, list[Line]]:
    """The headline, and the paragraphs that are prose (a sentence's end, four words or more)."""
    title = ""
    body: list[Line] = []
    for text, offsets in lines:
        if not text or _is_furniture(text):
            continue
        if _BREADCRUMB.search(text) and not _SENTENCE_END.search(text):
            continue
        if _SENTENCE_END.search(text) and len(text.split()) >= 4:
            if text.casefold() != title.casefold():
                body.append((text, offsets))
        elif not title and not body and len(text.split()) >= 2:
            title = text
    return title, body


def _fallback_title(text: str) -> str:
    first = text.split("\n", 1)[0]
    words = first.split()
    return " ".join(words[:12]) + ("..." if len(words) > 12 else "")


def _check_english(text: str, source: str) -> None:
    words = _WORD.findall(text.lower())
    if len(words) < 12:
        return  # too short to judge; the sentence count decides later
    share = sum(w in _ENGLISH_MARKERS for w in words) / len(words)
    if share < 0.12:
        raise ArticleError(
            f"{source}: this does not look like English; quizbot reads English only"
        )


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{source}: this is a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8 or text[:8192].count("\ufffd") > 8:
        raise ArticleError(f"{source}: this is a binary file, not text")
    return text


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or bool(
        re.search(r"<(body|article|p|div)[\s>]", head)
    )


def _from_url(url: str) -> Article:
    request = urllib.request.Request(url, headers={"User-Agent": "quizbot/0.1 (+article reader)"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as response:
            data = response.read(MAX_URL_BYTES + 1)
            charset = response.headers.get_content_charset() or "utf-8"
            kind = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raise ArticleError(f"{url}: could not fetch the page (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ArticleError(f"{url}: could not fetch the page ({reason})") from None
    if len(data) > MAX_URL_BYTES:
        raise ArticleError(f"{url}: the page is larger than the {MAX_URL_BYTES:,}-byte limit")
    if kind == "application/pdf":
        return article_from_bytes(data, name="page.pdf", source=url)
    text = data.decode(charset, errors="replace")
    if kind == "text/plain":
        return article_from_text(text, source=url)
    return article_from_html(text, source=url)


def _pdf_text(data: bytes, source: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ArticleError(f"{source}: could not read this PDF ({exc})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ArticleError(f"{source}: this PDF has no text layer (scanned pages?)")
    return text


def _docx_text(data: bytes, source: str) -> str:
    import zipfile

    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
        if unzipped > MAX_UNZIPPED_BYTES:  # zipfile never inflates a member past its size
            raise ArticleError(
                f"{source}: this Word file unpacks to {unzipped:,} bytes; "
                f"the limit is {MAX_UNZIPPED_BYTES:,} bytes"
            )
        document = docx.Document(io.BytesIO(data))
    except ArticleError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArticleError(f"{source}: could not read this Word file ({exc})") from None
    return "\n\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())
