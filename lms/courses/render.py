"""Lesson Markdown to safe HTML, once, at sync or import time.

Understands what our own courses and Carpentries Workbench lessons use: YAML front matter, pandoc fenced
divs (``::: challenge`` ... ``:::``, nested), pandoc image attributes (``![](fig/a.svg){alt='...'}``),
fenced code with a language (highlighted with Pygments) and ``output``/``error`` blocks, and our
knowledge checks (a fenced ``check`` block holding YAML; see courses/README.md). The result is
sanitised with nh3 against an allow-list, then given heading anchors.
"""

from __future__ import annotations

import html
import posixpath
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

import markdown
import nh3
import yaml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound


class ContentError(ValueError):
    """Course source that cannot be loaded; the message names the file and what is wrong."""


# -- the allow-list -------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p",
    "pre", "section", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    "abbr": {"title"},
    "aside": {"class", "aria-label"},
    "section": {"class", "aria-label"},
    "div": {"class"},
    "span": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "details": {"class"},
    "p": {"class"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def sanitize(fragment: str) -> str:
    return nh3.clean(
        fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


# -- front matter ---------------------------------------------------------------------------------

_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?", re.S)


def split_front_matter(text: str, name: str = "lesson") -> tuple[dict[str, Any], str]:
    match = _FRONT_RE.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{name}: the front matter is not valid YAML ({error})") from None
    if not isinstance(meta, dict):
        raise ContentError(f"{name}: the front matter must be a mapping of keys to values")
    return meta, text[match.end():]


# -- knowledge checks -----------------------------------------------------------------------------

@dataclass
class CheckSpec:
    key: str
    kind: str
    prompt_html: str
    choices: list[str]
    answer: dict[str, Any]
    explanation_html: str


def normalise_text_answer(text: str) -> str:
    """Case, surrounding and repeated spaces do not matter in a short answer."""
    return " ".join(str(text).casefold().split())


def _inline(text: str) -> str:
    """Markdown for one line (a choice): rendered and sanitised, without the paragraph around it."""
    rendered = sanitize(markdown.markdown(str(text)))
    return re.sub(r"^<p>(.*)</p>$", r"\1", rendered.strip(), flags=re.S)


def parse_check(source: str, where: str) -> CheckSpec:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise ContentError(f"{where}: a check block is not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise ContentError(f"{where}: a check block must be YAML keys (id, kind, question ...)")
    key = str(data.get("id") or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", key):
        raise ContentError(f"{where}: each check needs an `id` of lower-case letters, digits and dashes")
    where = f"{where}, check {key!r}"
    kind = data.get("kind", "single")
    if kind not in ("single", "multiple", "text"):
        raise ContentError(f"{where}: `kind` must be single, multiple or text")
    question = data.get("question")
    if not question:
        raise ContentError(f"{where}: `question` is missing")
    explanation = data.get("explanation")
    if not explanation:
        raise ContentError(f"{where}: `explanation` is missing (it is shown after an answer)")
    choices: list[str] = []
    if kind == "text":
        accepted = data.get("answers")
        if isinstance(accepted, str):
            accepted = [accepted]
        if not accepted or not all(isinstance(a, (str, int, float)) for a in accepted):
            raise ContentError(f"{where}: a text check needs `answers`, a list of accepted answers")
        answer = {"accepted": sorted({normalise_text_answer(a) for a in accepted})}
    else:
        raw_choices = data.get("choices")
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            raise ContentError(f"{where}: `choices` must list at least two answers")
        choices = [_inline(choice) for choice in raw_choices]
        correct = data.get("correct")
        correct = [correct] if isinstance(correct, int) else correct
        if (
            not isinstance(correct, list) or not correct
            or not all(isinstance(n, int) and 1 <= n <= len(choices) for n in correct)
        ):
            raise ContentError(f"{where}: `correct` must name choices by number, 1 to {len(choices)}")
        if kind == "single" and len(correct) != 1:
            raise ContentError(f"{where}: a single-choice check has exactly one correct choice")
        answer = {"correct": sorted({n - 1 for n in correct})}
    return CheckSpec(
        key=key, kind=kind, prompt_html=sanitize(markdown.markdown(str(question))), choices=choices,
        answer=answer, explanation_html=sanitize(markdown.markdown(str(explanation))),
    )


# -- the block structure: fenced divs and fenced code ---------------------------------------------

_CODE_FENCE_RE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s{]*)[^`]*$")
_DIV_OPEN_RE = re.compile(r"^ {0,3}:{3,}[ \t]*(?P<attrs>\{[^}]*\}|[A-Za-z][\w-]*)[ \t]*:*[ \t]*$")
_DIV_CLOSE_RE = re.compile(r"^ {0,3}:{3,}[ \t]*$")
_REFERENCE_RE = re.compile(r"^ {0,3}\[[^\[\]]+\]:[ \t]*\S+")


@dataclass
class _Div:
    cls: str
    children: list[Any] = field(default_factory=list)  # str (Markdown text) or _Div


def _div_class(attrs: str) -> str:
    if attrs.startswith("{"):
        found = re.search(r"\.([A-Za-z][\w-]*)", attrs)
        return found.group(1).lower() if found else ""
    return attrs.lower()


# -- inline clean-ups the Python-Markdown dialect does not know -----------------------------------

_IMAGE_ATTR_RE = re.compile(r"!\[(?P<text>(?:[^\]\\]|\\.)*)\]\((?P<src>[^)\s]+)(?:\s+\"(?P<title>[^\"]*)\")?\)\{(?P<attrs>[^}]*)\}")
_LINK_ATTR_RE = re.compile(r"(\[(?:[^\]\\]|\\.)*\]\([^)]*\))\{[^}\n]*\}")
_ATTR_RE = re.compile(r"""([\w-]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^\s'"]+))""")
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|'\"])")


def _image_with_attributes(match: re.Match) -> str:
    attrs = {m.group(1): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR_RE.finditer(match.group("attrs"))}
    alt = attrs.get("alt") or match.group("text")
    alt = _MD_ESCAPE_RE.sub(r"\1", alt)
    parts = [f'src="{html.escape(match.group("src"))}"', f'alt="{html.escape(alt)}"']
    if match.group("title"):
        parts.append(f'title="{html.escape(match.group("title"))}"')
    for name in ("width", "height"):
        if re.fullmatch(r"\d{1,4}", attrs.get(name, "")):
            parts.append(f'{name}="{attrs[name]}"')
    return "<img " + " ".join(parts) + ">"


def _clean_inline_syntax(text: str) -> str:
    text = _IMAGE_ATTR_RE.sub(_image_with_attributes, text)
    return _LINK_ATTR_RE.sub(r"\1", text)


# -- code blocks ----------------------------------------------------------------------------------

CODE_LABELS = {"output": "Output", "error": "Error", "warning": "Warning", "source": "Source"}
_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


def render_code(code: str, info: str) -> str:
    language = info.strip().lower()
    if language in ("text", "txt", "plain", "plaintext"):
        language = ""
    if language in CODE_LABELS or not language:
        lexer = TextLexer()
        label = CODE_LABELS.get(language, "")
        kind = language or "plain"
    else:
        try:
            lexer = get_lexer_by_name(language)
        except ClassNotFound:
            lexer = TextLexer()
        label, kind = language, "code"
    head = f'<p class="code-label">{html.escape(label)}</p>' if label else ""
    return f'<div class="code code-{html.escape(kind)}">{head}{highlight(code, lexer, _FORMATTER)}</div>'


# -- the renderer ---------------------------------------------------------------------------------

BOX_LABELS = {
    "objectives": "Objectives", "questions": "Questions", "keypoints": "Key points", "checklist": "Checklist",
    "testimonial": "Testimonial", "discussion": "Discussion", "challenge": "Exercise", "prereq": "Prerequisites",
    "caution": "Caution", "warning": "Warning", "tip": "Tip", "callout": "",
}
DETAILS_CLASSES = {"solution": "Show the solution", "spoiler": "Show more", "hint": "Show a hint"}
HIDDEN_CLASSES = {"instructor"}  # teaching notes: never shown to partners, so never stored


@dataclass
class RenderedLesson:
    html: str
    headings: list[list[Any]]  # [level, id, text, inside a box]
    checks: list[CheckSpec]
    words: list[str]
    assets: set[str]  # figure paths the lesson uses, relative to the lesson file's folder


def wrap_tables(fragment: str) -> str:
    """Each table in its own keyboard-focusable scroll box, so words stay whole on narrow screens, and
    code blocks focusable (after sanitising: these attributes are ours, never the author's)."""
    count = 0

    def box(match: re.Match) -> str:
        nonlocal count
        count += 1
        return (f'<div class="table-scroll" tabindex="0" role="region" aria-label="Table {count} (scrolls sideways)">'
                f"{match.group(0)}</div>")

    fragment = re.sub(r"<table\b.*?</table>", box, fragment, flags=re.S)
    # Code scrolls sideways too (.code pre): a keyboard user must be able to reach and scroll it.
    return re.sub(r"<pre(?=[\s>])", '<pre tabindex="0"', fragment)


class LessonRenderer:
    """Render one lesson's Markdown body. `lesson_href(name)` maps "02-filedir.md" to a lesson URL or None."""

    def __init__(self, where: str, lesson_href: Callable[[str], str | None] | None = None):
        self.where = where
        self.lesson_href = lesson_href or (lambda name: None)
        self.nonce = secrets.token_hex(6)
        self.code_blocks: list[str] = []
        self.checks: list[CheckSpec] = []
        self.assets: set[str] = set()
        # Link reference definitions ("[Arguments]: https://..."), usually at the end of a file: every
        # Markdown chunk (one per fenced div) needs them, or "[text][Arguments]" shows up as raw brackets.
        self.references: list[str] = []

    # parse ----------------------------------------------------------------------------------------
    def _parse(self, body: str) -> _Div:
        root = _Div("")
        stack = [root]
        text: list[str] = []

        def flush() -> None:
            if text:
                stack[-1].children.append("\n".join(text))
                text.clear()

        lines = body.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            fence = _CODE_FENCE_RE.match(line)
            if fence:
                indent, marker, info = len(fence.group("indent")), fence.group("fence"), fence.group("info")
                code_lines = []
                i += 1
                while i < len(lines):
                    closing = lines[i].strip()
                    if closing.startswith(marker[0] * len(marker)) and set(closing) == {marker[0]}:
                        break
                    current = lines[i]
                    # Fences indented inside a list item: strip that indent from the code too.
                    code_lines.append(current[indent:] if current[:indent].strip() == "" else current.lstrip())
                    i += 1
                i += 1
                code = "\n".join(code_lines) + "\n"
                if info.lower() == "check":
                    self.checks.append(parse_check(code, self.where))
                else:
                    self.code_blocks.append(render_code(code, info))
                    text.extend(["", f"CODEBLOCK{self.nonce}N{len(self.code_blocks) - 1}E", ""])
                continue
            if _DIV_CLOSE_RE.match(line):
                flush()
                if len(stack) > 1:
                    stack.pop()
                i += 1
                continue
            opening = _DIV_OPEN_RE.match(line)
            if opening:
                flush()
                div = _Div(_div_class(opening.group("attrs")))
                stack[-1].children.append(div)
                stack.append(div)
                i += 1
                continue
            if _REFERENCE_RE.match(line):
                self.references.append(line.strip())
            text.append(line)
            i += 1
        flush()
        return root

    # render ---------------------------------------------------------------------------------------
    def _markdown(self, text: str) -> str:
        converter = markdown.Markdown(extensions=["tables", "sane_lists", "smarty"], output_format="html")
        if self.references:
            text = text + "\n\n" + "\n".join(self.references) + "\n"
        rendered = converter.convert(_clean_inline_syntax(text))
        placeholder = re.compile(rf"(?:<p>\s*)?CODEBLOCK{self.nonce}N(\d+)E(?:\s*</p>)?")
        return placeholder.sub(lambda m: self.code_blocks[int(m.group(1))], rendered)

    def _render_children(self, div: _Div) -> str:
        parts = []
        for child in div.children:
            parts.append(self._markdown(child) if isinstance(child, str) else self._render_div(child))
        return "\n".join(parts)

    def _render_div(self, div: _Div) -> str:
        if div.cls in HIDDEN_CLASSES:
            return ""
        inner = self._render_children(div)
        if div.cls in DETAILS_CLASSES:
            summary = DETAILS_CLASSES[div.cls]
            first = re.match(r"\s*<h[1-6][^>]*>(.*?)</h[1-6]>", inner, re.S)
            if first:
                summary = re.sub(r"<[^>]+>", "", first.group(1)).strip() or summary
                if summary.lower() in ("solution", "solutions"):
                    summary = "Show the solution"
                inner = inner[first.end():]
            return (
                f'<details class="{div.cls}"><summary>{html.escape(html.unescape(summary))}</summary>'
                f'<div class="details-body">{inner}</div></details>'
            )
        if div.cls in BOX_LABELS:
            label = BOX_LABELS[div.cls]
            tag = "section" if div.cls in ("challenge", "discussion") else "aside"
            aria = f' aria-label="{label}"' if label else ""
            head = f'<p class="box-label">{label}</p>' if label else ""
            return f'<{tag} class="box box-{div.cls}"{aria}>{head}{inner}</{tag}>'
        return f'<div class="box">{inner}</div>'  # a class we do not know: a plain box, never raw text

    def render(self, body: str) -> RenderedLesson:
        raw = self._render_children(self._parse(body))
        clean = sanitize(raw)
        clean = wrap_tables(clean)
        clean = self._rewrite_urls(clean)
        clean, headings = add_heading_anchors(clean)
        words = re.sub(r"<[^>]+>", " ", clean)
        return RenderedLesson(
            html=clean, headings=headings, checks=self.checks, words=html.unescape(words).split(),
            assets=self.assets,
        )

    # links and figures ----------------------------------------------------------------------------
    def _rewrite_urls(self, fragment: str) -> str:
        def image(match: re.Match) -> str:
            src = html.unescape(match.group(1))
            if _is_relative(src):
                path = posixpath.normpath(src.split("#", 1)[0].split("?", 1)[0])
                if path.startswith("..") or path.startswith("/"):
                    return match.group(0)
                self.assets.add(path)
                return f'src="media/{html.escape(path)}"'
            return match.group(0)

        def link(match: re.Match) -> str:
            href, rest, text = html.unescape(match.group(1)), match.group(2), match.group(3)
            if not _is_relative(href):
                return match.group(0)
            target, _, fragment_id = href.partition("#")
            if target.endswith(".md"):
                url = self.lesson_href(posixpath.basename(target))
                if url:
                    url += f"#{fragment_id}" if fragment_id else ""
                    return f'<a href="{html.escape(url)}"{rest}>{text}</a>'
            return f'<span class="dead-link">{text}</span>'  # a page outside this course: keep the words

        def remote_image(match: re.Match) -> str:
            # The portal makes no calls elsewhere at run time: a remote picture becomes a link to it.
            tag = match.group(0)
            src = re.search(r'src="([^"]*)"', tag)
            if not src or _is_relative(html.unescape(src.group(1))):
                return tag
            alt = re.search(r'alt="([^"]*)"', tag)
            return f'<a href="{src.group(1)}" rel="noopener noreferrer">{alt.group(1) if alt and alt.group(1) else "Image"}</a>'

        fragment = re.sub(r"<img [^>]*>", remote_image, fragment)
        # Only real <img> tags: src="..." written in a code sample is text and stays as the author wrote it.
        fragment = re.sub(r"<img [^>]*>", lambda tag: re.sub(r'src="([^"]*)"', image, tag.group(0)), fragment)
        return re.sub(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', link, fragment, flags=re.S)


def _is_relative(url: str) -> bool:
    return bool(url) and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not url.startswith(("/", "#"))


_RESERVED_IDS = {"main", "content", "checks", "lesson", "progress"}


def slugify(text: str) -> str:
    slug = re.sub(r"[^\w]+", "-", text.casefold(), flags=re.U).strip("-_")
    return slug[:60].strip("-") or "section"


_HEADING_OR_BOX_RE = re.compile(r"<(/?)(?:aside|section|details)\b[^>]*>|<h([1-6])>(.*?)</h\2>", re.S)


def add_heading_anchors(fragment: str) -> tuple[str, list[list[Any]]]:
    """Give every heading an id and a self-link; return the headings as [level, id, text, in_box]."""
    used: set[str] = set()
    headings: list[list[Any]] = []
    depth = 0

    def anchor(match: re.Match) -> str:
        nonlocal depth
        if match.group(2) is None:  # a box opens or closes: headings inside boxes stay out of the outline
            depth += -1 if match.group(1) else 1
            return match.group(0)
        level, inner = int(match.group(2)), match.group(3)
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split())
        base = slugify(text)
        slug, n = base, 2
        while slug in used or slug in _RESERVED_IDS:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        headings.append([level, slug, text, depth > 0])
        return (
            f'<h{level} id="{slug}">{inner} <a class="anchor" href="#{slug}" '
            f'aria-label="Link to this section">#</a></h{level}>'
        )

    return _HEADING_OR_BOX_RE.sub(anchor, fragment), headings


def pygments_css() -> str:
    """The stylesheet for highlighted code (written to static/pygments.css by `flask courses css`)."""
    return _FORMATTER.get_style_defs(".highlight")
