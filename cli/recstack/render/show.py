"""Rendering of ``recstack show``: rich (a terminal, or plain text when not styled),
text, JSON Lines and Markdown (:data:`FORMATS`).

Every human format prints the same :class:`~recstack.render.show_view.View` (the
answer walked once into typed blocks), so a pull-request comment says exactly what
the terminal said:

- ``rich``: the view laid out once as styled spans (:func:`view_spans`); written as
  plain text directly when not styled (piped, no colour asked), else made into one
  rich ``Text`` per recording and printed once. rich is imported only then.
- ``text`` (the git textconv recipe): plain lines, never coloured, nothing truncated:
  the answer text, refusals, tool calls with their arguments, a recorded error, an
  embedding summary, a model list, a passthrough body; a recording with only text
  prints only its text. With several recordings, each is under a ``==> PATH <==`` line.
- ``json``: one object per recording (JSON Lines).
- ``markdown``: the view for a pull-request comment.

Recording text is shown inert in every format (:mod:`recstack.inert`): control
characters, bidi controls and lone surrogates appear as escapes such as ``\\x1b``,
never raw; JSON Lines carry them as ``\\uXXXX`` escapes. The rich view never reads
recording text as markup.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

from recstack.inert import inert, inert_json, inert_line
from recstack.output import Output
from recstack.render import markdown as md
from recstack.render.common import plural, run_notes

# Imported by the functions that use them: rich is slow to load, and the view (a dozen
# data classes) is only needed to show something, not for --help.
if TYPE_CHECKING:
    from rich.text import Text

    from recstack.reassembly.answer import Answer
    from recstack.render.show_view import Block, ModelTable, View
    from recstack.showing import ShowReport

Span = tuple[str, str]  # (inert text, rich style; "" for none)


# ---------------------------------------------------------------------------
# JSON Lines
# ---------------------------------------------------------------------------


def answer_dict(answer: Answer) -> dict[str, Any]:
    """The ``--format json`` object for one recording."""
    meta = answer.meta
    return {
        "path": meta.path,
        "test_id": meta.test_id,
        "endpoint": meta.endpoint,
        "model": meta.model,
        "provider": meta.provider,
        "streaming": meta.streaming,
        "chunks": meta.chunks,
        "status": meta.status,
        "kind": answer.kind,
        "family": meta.family,
        "choices": [asdict(c) for c in answer.choices],
        "usage": answer.usage,
        "error": asdict(answer.error) if answer.error else None,
        "embeddings": list(answer.embeddings) if answer.embeddings else None,
        "models": [m.get("id") for m in answer.models] if answer.models is not None else None,
        "notes": answer.notes,
    }


def json_line(answer: Answer) -> str:
    """One JSON object on one line; no raw control character, bidi control or surrogate.

    orjson refuses what JSON can still say (lone surrogates from a file or a file name,
    integers beyond 64 bits): those objects are written by :mod:`json` instead, with
    infinities as null as orjson writes them.
    """
    import orjson

    from recstack.jsonnumbers import dumps, dumps_text

    document = answer_dict(answer)
    try:
        line = dumps(document, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        try:
            line = dumps_text(
                _finite(document), ensure_ascii=False, separators=(",", ":"), default=str
            )
        except RecursionError:  # loading refuses such files: never seen
            note = "nested too deeply to write as JSON"
            line = dumps_text({"path": answer.meta.path, "notes": [note]}, ensure_ascii=False)
    return inert_json(line) + "\n"


def _finite(value: Any) -> Any:
    """``value`` with infinite and NaN floats as None (JSON has no word for them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def render_json(report: ShowReport, out: Output, *, full: bool = False) -> None:
    """One JSON object per recording (``full`` changes nothing: JSON is never cut)."""
    out.write("".join(json_line(shown.answer) for shown in report.shown if shown.answer))


# ---------------------------------------------------------------------------
# text: plain lines for a reviewer (git textconv)
# ---------------------------------------------------------------------------


def text_lines(blocks: list[Block]) -> list[str]:
    """What a reviewer needs of an answer, as inert lines (newlines inside kept)."""
    from recstack.render import show_view

    lines: list[str] = []
    for block in blocks:
        if isinstance(block, show_view.Heading):
            if block.many:
                lines.append(f"choice {block.index}")
        elif isinstance(block, (show_view.AnswerText, show_view.Body)):
            lines.append(inert(block.text))
        elif isinstance(block, show_view.Refusal):
            lines.append(inert(f"refusal: {block.text}"))
        elif isinstance(block, show_view.ToolCall):
            lines.append(f"tool call {block.index}: {inert_line(block.name)}")
            if block.arguments:
                lines.append(inert(block.arguments))
        elif isinstance(block, show_view.Error):
            lines.append(inert(f"error: {block.summary}"))
            if block.message:
                lines.append(inert(block.message))
        elif isinstance(block, show_view.Embeddings):
            lines.append(block.line())
        elif isinstance(block, show_view.ModelTable):
            lines.append(f"{plural(len(block.rows), 'model')}:" if block.rows else "models: none")
            lines += ["  " + inert_line(row[0]) for row in block.rows]
    return lines


def render_text(report: ShowReport, out: Output, *, full: bool = False) -> None:
    """Each recording's lines (one empty line when it has none); with several
    recordings, each under ``==> PATH <==``, a blank line between them. Nothing is
    ever cut (``full`` changes nothing)."""
    from recstack.render.show_view import answer_blocks

    shown = [s.answer for s in report.shown if s.answer is not None]
    parts = []
    for answer in shown:
        body = "\n".join(text_lines(answer_blocks(answer, full=True))) + "\n"
        if len(shown) > 1:
            body = f"==> {inert_line(answer.meta.path)} <==\n{body}"
        parts.append(body)
    out.write("\n".join(parts))


# ---------------------------------------------------------------------------
# rich: styled spans, written plain or through rich
# ---------------------------------------------------------------------------


class _Spans:
    """Styled text, built once and written either plain or as one rich ``Text``."""

    def __init__(self, width: int | None = None) -> None:
        self.spans: list[Span] = []
        self.width = width  # a terminal's columns, None when lines may be as long as they are

    def add(self, text: str, style: str = "") -> None:
        self.spans.append((text, style))

    def line(self, text: str, style: str = "") -> None:
        self.spans.append((text, style))
        self.spans.append(("\n", ""))

    def rows(self, rows: list[tuple[str, str, str]]) -> None:
        """Aligned ``key  value`` lines; continuation lines of a value are indented."""
        keys = [inert_line(key) for key, _, _ in rows]
        width = max(len(key) for key in keys) + 2
        indent = "\n" + " " * width
        for key, (_, value, style) in zip(keys, rows, strict=True):
            self.add(key.ljust(width), "bold")
            self.line(inert(value).replace("\n", indent), style)

    def table(self, table: ModelTable) -> None:
        """A model list as aligned columns: a title, the header, a rule, the rows; cut
        with ``…`` to the terminal's width when there is one."""
        if not table.rows:
            self.line("models: none")
            return
        header, *rows = lines = table_lines([table.columns, *table.rows], self.width)
        self.line(plural(len(rows), "model"))
        self.line(header, "bold")
        self.line("  " + "─" * (max(map(_cells, lines)) - 2), "dim")
        for row in rows:
            self.line(row)


def table_lines(rows: list[tuple[str, ...]], width: int | None = None) -> list[str]:
    """``rows`` as inert, aligned lines (two spaces before, three between columns); the
    widest columns narrowed, their cells cut with ``…``, to fit ``width`` columns."""
    rows = [tuple(inert_line(cell) for cell in row) for row in rows]
    widths = [max(_cells(row[i]) for row in rows) for i in range(len(rows[0]))]
    excess = 2 + sum(widths) + 3 * (len(widths) - 1) - (width or 0)
    while width is not None and excess > 0 and max(widths) > 1:
        widths[widths.index(max(widths))] -= 1
        excess -= 1

    def line(row: tuple[str, ...]) -> str:
        cells = (_fit(cell, size) for cell, size in zip(row, widths, strict=True))
        padded = (c + " " * (size - _cells(c)) for c, size in zip(cells, widths, strict=True))
        return ("  " + "   ".join(padded)).rstrip()

    return [line(row) for row in rows]


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, ending with ``…`` when cut."""
    if _cells(text) <= width:
        return text
    while text and _cells(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _cells(text: str) -> int:
    """Terminal columns of ``text`` (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(char) in "WF" else 1 for char in text)


def _block_spans(out: _Spans, block: Block) -> None:
    from recstack.render import show_view

    if isinstance(block, show_view.Heading):
        out.line(inert(block.text), "bold")
    elif isinstance(block, show_view.Reasoning):
        quoted = "\n".join("│ " + line for line in block.text.split("\n"))
        out.line(inert(quoted), "dim italic")
    elif isinstance(block, (show_view.AnswerText, show_view.Body)):
        out.line(inert(block.text))
    elif isinstance(block, show_view.Refusal):
        out.line(inert(f"refusal: {block.text}"), "red")
    elif isinstance(block, show_view.ToolCall):
        out.add(f"tool call {block.index}: ", "bold")
        out.add(inert_line(block.name), "bold magenta")
        if block.id:
            out.add(f"  ({inert_line(block.id)})", "dim")
        out.line("")
        out.line(inert(block.arguments), "green")
    elif isinstance(block, show_view.Embeddings):
        out.line(block.line())
    elif isinstance(block, show_view.ModelTable):
        out.table(block)
    elif isinstance(block, show_view.Error):
        out.line(inert(f"error: {block.summary}"), "bold red")
        if block.message:
            out.line(inert(block.message), "red")
    elif isinstance(block, show_view.Usage):
        out.line(inert(f"usage: {block.text}"), "cyan")
    elif isinstance(block, show_view.Note):
        out.line(inert(f"note: {block.text}"), "yellow")


def view_spans(view: View, width: int | None = None) -> list[Span]:
    """The rich view of one recording: title, header rows, request, answer, a blank line
    (tables fit to ``width`` columns, when given)."""
    out = _Spans(width)
    out.line(f"── {inert_line(view.title)}", "bold cyan")
    out.rows([(key, value, "red" if key == "exception" else "") for key, value in view.header])
    out.line("")
    out.line("Request", "bold underline")
    rows: list[tuple[str, str, str]] = []
    if view.params:
        rows.append(("params", " · ".join(view.params), ""))
    if view.tools:
        rows.append(("tools", ", ".join(view.tools), ""))
    for i, message in enumerate(view.messages):
        if view.skipped and i == 1:
            rows.append(("…", f"{view.skipped} more messages (--full shows all)", "dim"))
        rows.append((message.role, message.text, ""))
    out.rows(rows or [("—", "no messages", "dim")])
    out.line("")
    out.line("Answer", "bold underline")
    for block in view.blocks:
        _block_spans(out, block)
    out.line("")
    return out.spans


def _plain(spans: list[Span]) -> str:
    from recstack.render.wrap import expand_tabs

    return "".join(text for text, _ in expand_tabs(spans))  # tabs laid out as rich does


def _rich_text(spans: list[Span]) -> Text:
    """One rich Text of styled spans (made at once: appending span by span is slower)."""
    from rich.text import Span as Styled
    from rich.text import Text

    styled = []
    offset = 0
    for part, style in spans:
        if style:
            styled.append(Styled(offset, offset + len(part), style))
        offset += len(part)
    return Text("".join(part for part, _ in spans), spans=styled)


def render_rich(report: ShowReport, out: Output, *, full: bool = False) -> None:
    """The view of each recording, then what the run skipped (if anything)."""
    from recstack.render.show_view import build_view
    from recstack.render.wrap import expand_tabs, wrap_spans

    views = (build_view(shown, full=full) for shown in report.shown)
    notes = run_notes(report.skipped, report.vanished)
    if not out.styled:
        out.write("".join(_plain(view_spans(view)) for view in views))
        out.write("".join(note + "\n" for note in notes))
        return
    from rich.cells import cell_len
    from rich.text import Text

    console = out.console
    for view in views:  # one Text per recording, printed once, wrapped here (faster)
        width = console.width if out.terminal else None
        spans = expand_tabs(view_spans(view, width))
        if width is not None:
            spans = wrap_spans(spans, width, cell_len)
        console.print(_rich_text(spans), end="", soft_wrap=True)
    for note in notes:
        console.print(Text(note, style="dim"))


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line else line for line in text.split("\n"))


def _markdown_block(block: Block) -> list[str]:
    from recstack.render import show_view

    if isinstance(block, show_view.Heading):
        return [f"_{md.text(block.text)}_", ""]
    if isinstance(block, show_view.Reasoning):
        return [
            "<details><summary>reasoning</summary>",
            "",
            md.fence(block.text),
            "",
            "</details>",
            "",
        ]
    if isinstance(block, show_view.AnswerText):
        return [md.fence(block.text), ""]
    if isinstance(block, show_view.Refusal):
        return [f"**refusal:** {md.text(block.text)}", ""]
    if isinstance(block, show_view.ToolCall):
        ident = f" ({md.code(block.id)})" if block.id else ""
        lang = "json" if block.is_json else ""
        return [
            f"**tool call {block.index}:** {md.code(block.name)}{ident}",
            "",
            md.fence(block.arguments, lang),
            "",
        ]
    if isinstance(block, show_view.Embeddings):
        return [block.line(), ""]
    if isinstance(block, show_view.ModelTable):
        return _markdown_models(block)
    if isinstance(block, show_view.Body):
        return [md.fence(block.text, "json"), ""]
    if isinstance(block, show_view.Error):
        message = ["", md.fence(block.message)] if block.message else []
        return [f"**error:** {md.text(block.summary)}", *message, ""]
    if isinstance(block, show_view.Usage):
        return [f"usage: {md.code(block.text)}", ""]
    return [f"> note: {md.text(block.text)}"]


def _markdown_models(table: ModelTable) -> list[str]:
    if not table.rows:
        return ["models: none", ""]
    out = [f"{plural(len(table.rows), 'model')}:", ""]
    out.append("| " + " | ".join(map(md.text, table.columns)) + " |")
    out.append("|" + "---|" * len(table.columns))
    out += ["| " + " | ".join(map(md.text, row)) + " |" for row in table.rows]
    return [*out, ""]


def markdown(view: View) -> str:
    """A pull-request view: recording text fenced, in code spans, or escaped."""
    out = [f"### {md.code(view.title)}", "", "| | |", "|---|---|"]
    out += [f"| {key} | {md.code_cell(value)} |" for key, value in view.header]
    out += ["", "**Request**", ""]
    if view.params:
        out.append("- params: " + " · ".join(md.code(p) for p in view.params))
    if view.tools:
        out.append("- tools: " + ", ".join(md.code(t) for t in view.tools))
    for i, message in enumerate(view.messages):
        if view.skipped and i == 1:
            out.append(f"- … {view.skipped} more messages")
        out.append(f"- **{md.text(message.role)}**:")
        out += ["", _indent(md.fence(message.text)), ""]
    if out[-1] != "":
        out.append("")
    out += ["**Answer**", ""]
    for block in view.blocks:
        out += _markdown_block(block)
    return inert("\n".join(out).rstrip("\n") + "\n\n")


def render_markdown(report: ShowReport, out: Output, *, full: bool = False) -> None:
    from recstack.render.show_view import build_view

    views = "".join(markdown(build_view(shown, full=full)) for shown in report.shown)
    notes = "".join(f"_{md.text(note)}_\n" for note in run_notes(report.skipped, report.vanished))
    out.write(views + notes)


class Renderer(Protocol):
    def __call__(self, report: ShowReport, out: Output, *, full: bool = False) -> None: ...


FORMATS: dict[str, Renderer] = {
    "rich": render_rich,
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
