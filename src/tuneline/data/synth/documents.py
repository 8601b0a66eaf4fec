"""A documents folder read as sections: Markdown split at its headings, HTML at its h1-h6
with the tags stripped, plain text as one section per file. A binary file or an empty
folder stops with a clear error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from tuneline.errors import DataError

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text", ".html": "html",
            ".htm": "html"}
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class Section:
    source: str  # the file, relative to the documents folder
    heading: str  # "Page title > Section > Subsection"; the file name where there is none
    text: str


def read_folder(folder: str | Path) -> list[Section]:
    """Every .md/.txt/.html file under `folder` (sorted), as sections."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError("the documents folder does not exist", where=str(root), fix="set docs: to a folder of .md, "
                                                                                  ".txt or .html files")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise DataError("no .md, .txt or .html documents in the folder", where=str(root),
                        fix="put the documentation there, or point docs: at the folder that holds it")
    sections = []
    for path in files:
        sections.extend(read_document(path, str(path.relative_to(root))))
    if not sections:
        raise DataError("every document in the folder is empty", where=str(root), fix="check the files")
    return sections


def read_text_file(path: Path) -> str:
    data = path.read_bytes()
    try:
        if b"\x00" in data:
            raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("not a text file (binary content in a document)", where=str(path),
                        fix="remove it from the documents folder, or export it as Markdown, text or HTML") from None


def read_document(path: Path, source: str) -> list[Section]:
    text = read_text_file(path)
    kind = SUFFIXES[path.suffix.lower()]
    if kind == "html":
        return html_sections(text, source)
    if kind == "markdown":
        return markdown_sections(text, source)
    return [Section(source, Path(source).stem, text.strip())] if text.strip() else []


def markdown_sections(text: str, source: str) -> list[Section]:
    """One section per heading; its heading path names its parents (fenced code is kept
    as text: a `#` inside a fence is not a heading)."""
    trail: list[tuple[int, str]] = []
    sections, body, fenced = [], [], False

    def flush():
        content = "\n".join(body).strip()
        if content:
            sections.append(Section(source, " > ".join(title for _, title in trail) or Path(source).stem, content))
        body.clear()

    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            trail = [(lvl, title) for lvl, title in trail if lvl < level] + [(level, match.group(2))]
        else:
            body.append(line)
    flush()
    return sections


class _HtmlText(HTMLParser):
    """Visible text as Markdown-ish lines: h1-h6 become `#` headings; script/style dropped."""

    BLOCKS = {"p", "div", "li", "tr", "br", "section", "article", "pre", "table", "ul", "ol"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data if self.parts and not self.parts[-1].endswith("# ") else data.strip())


def html_sections(text: str, source: str) -> list[Section]:
    parser = _HtmlText()
    parser.feed(text)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.parts).splitlines()]
    return markdown_sections("\n".join(lines), source)
