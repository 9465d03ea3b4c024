import textwrap
from pathlib import Path

import docx
import pytest

from questions import ArticleError, article_from_text, load_article
from questions.ingest import article_from_html
from questions.model import MAX_ARTICLE_CHARS

SEEDS = Path(__file__).parent.parent / "seeds"
SEED = SEEDS / "moscow-ankara-airstrike.txt"
STORY = (
    "The council met on Monday in Leeds. It voted 7 to 4 to build a new bridge.\n\n"
    "Mayor Ann Kerr said the bridge would open in 2027. The work will cost 12 million pounds.\n"
)


def test_seed_furniture_is_removed_and_the_headline_kept_as_title():
    article = load_article(SEED)
    assert article.title == (
        "Moscow, Ankara to enhance coordination after Russian airstrike kills Turkish soldiers"
    )
    assert article.text.startswith("Moscow and Ankara agree that the outcome of the airstrike")
    assert article.text.endswith("to monitor the current ceasefire in Syria.")
    for furniture in ("Latest news", "Main", "30 March 2017", "11 February 2017", "\u00bb"):
        assert furniture not in article.text
    assert article.title not in article.text


def test_typography_is_normalised_and_offsets_point_into_the_file():
    raw = SEED.read_text(encoding="utf-8")
    article = load_article(SEED)
    assert "\u00b4" not in article.text
    at = article.text.index("Syria's")
    start, end = article.source_span(at, at + len("Syria's"))
    assert raw[start:end] == "Syria\u00b4s"
    sentence = "A joint Russian, Turkish, and Iranian group was set up in Astana"
    at = article.text.index(sentence)
    start, end = article.source_span(at, at + len(sentence))
    assert raw[start:end] == sentence


def test_curly_quotes_and_non_breaking_spaces():
    article = article_from_text(
        "\u201cWe won\u201d, said Ann\u00a0Kerr on Monday. " + STORY, source="t"
    )
    assert article.text.startswith('"We won", said Ann Kerr on Monday.')


def test_markdown_markup_is_dropped():
    article = article_from_text(
        "# Bridge vote\n\nThe **council** met on Monday in [Leeds](https://example.org). " + STORY,
        source="m.md",
    )
    assert article.title == "Bridge vote"
    assert article.text.startswith("The council met on Monday in Leeds.")


def test_html_page_is_extracted():
    html = (
        "<html><head><title>Bridge vote in Leeds</title></head><body>"
        "<nav>Home | News | Sport</nav><article><h1>Bridge vote in Leeds</h1>"
        + "".join(f"<p>{p}</p>" for p in STORY.split("\n\n"))
        + "</article><footer>Copyright 2026</footer></body></html>"
    )
    article = article_from_html(html, source="page.html")
    assert "It voted 7 to 4 to build a new bridge." in article.text
    assert "Copyright" not in article.text


def test_docx_file(tmp_path):
    document = docx.Document()
    document.add_heading("Bridge vote in Leeds", level=1)
    for paragraph in STORY.strip().split("\n\n"):
        document.add_paragraph(paragraph)
    path = tmp_path / "story.docx"
    document.save(path)
    article = load_article(path)
    assert article.title == "Bridge vote in Leeds"
    assert "Mayor Ann Kerr said the bridge would open in 2027." in article.text


def test_pdf_file(tmp_path):
    path = tmp_path / "story.pdf"
    wrapped = textwrap.wrap(STORY.replace("\n\n", " "), 50)  # lines cut mid-sentence, as in PDFs
    path.write_bytes(_tiny_pdf(["Bridge vote in Leeds", *wrapped]))
    article = load_article(path)
    assert article.title == "Bridge vote in Leeds"
    assert "It voted 7 to 4 to build a new bridge." in article.text
    assert "Mayor Ann Kerr said the bridge would open in 2027." in article.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x00\x01\x02PNG\x00" * 50, "binary"),
        (b"Latest news\nHome\n", "no article text"),
        (
            b"Der Hund ist gross und die Katze schlaeft auf dem Sofa im Haus. " * 20,
            "English",
        ),
    ],
)
def test_bad_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=message):
        load_article(path)


def test_missing_file_and_folder():
    with pytest.raises(ArticleError, match="no such file"):
        load_article("/nonexistent/article.txt")
    with pytest.raises(ArticleError, match="folder"):
        load_article(SEEDS)


def test_enormous_article_names_the_limit():
    with pytest.raises(ArticleError, match="200,000"):
        article_from_text("The cat sat on the mat. " * (MAX_ARTICLE_CHARS // 20))


def test_unreachable_url_is_a_clear_error():
    with pytest.raises(ArticleError, match="could not fetch"):
        load_article("http://127.0.0.1:9/article")


def _tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer, written by hand (one line of text per line)."""
    text = "BT /F1 11 Tf 50 780 Td 14 TL " + " ".join(
        "(" + line.replace("(", "").replace(")", "") + ") '" for line in lines
    )
    text += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def test_encyclopedia_markers_are_removed_and_offsets_still_point_into_the_text():
    raw = (
        "As of 2007[update], over 90 destinations were served[citation needed]. The airport "
        "opened in 1935.[12] It lies near Ponteland[when?] and handles five million people."
    )
    article = article_from_text(raw, source="wiki")
    for mark in ("[update]", "[when?]", "[12]", "needed"):
        assert mark not in article.text
    start = article.text.index("over 90")
    begin, end = article.source_span(start, start + len("over 90"))
    assert raw[begin:end] == "over 90"
