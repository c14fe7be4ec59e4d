"""EdnSyntaxError: where (source, line, column, byte offset), why, and the offending text."""

from __future__ import annotations

from collections.abc import Callable


def position(text: str, pos: int) -> tuple[int, int, int]:
    """(line, column, byte offset) of character index `pos` in `text`; line/column 1-based."""
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    if text.isascii():
        offset = pos
    else:
        offset = len(text[:pos].encode("utf-8", "surrogatepass"))
    return line, column, offset


def snippet(text: str, pos: int, width: int = 100) -> str:
    """The line holding `pos` (clipped to `width` characters) and a caret under its column.

    Looks only `width` characters either side, so it stays cheap on one-line megabyte files.
    """
    pos = max(0, min(pos, len(text)))
    lo_bound = max(0, pos - width // 2)
    nl = text.rfind("\n", lo_bound, pos)
    lo = nl + 1 if nl >= 0 else lo_bound
    hi_bound = min(len(text), lo + width)
    nl = text.find("\n", pos, hi_bound)
    hi = nl if nl >= 0 else hi_bound
    prefix = "..." if lo > 0 and text[lo - 1] != "\n" else ""
    suffix = "..." if hi < len(text) and text[hi] != "\n" else ""
    line = prefix + text[lo:hi].replace("\t", " ").replace("\r", " ") + suffix
    return line + "\n" + " " * (len(prefix) + pos - lo) + "^"


def excerpt(text: str, pos: int, limit: int = 60) -> str:
    """The offending text at `pos`: up to the end of the line, at most `limit` characters."""
    end = text.find("\n", pos, pos + limit + 1)
    if end == -1:
        end = min(len(text), pos + limit + 1)
    piece = text[pos : min(end, pos + limit)]
    return piece + ("..." if end > pos + limit else "")


class EdnSyntaxError(ValueError):
    """Invalid EDN: .source .line .column .offset (UTF-8 bytes) .reason .text .snippet."""

    def __init__(
        self,
        reason: str,
        *,
        source: str = "<string>",
        line: int = 1,
        column: int = 1,
        offset: int = 0,
        text: str = "",
        snippet: str = "",
        pos: int = 0,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column
        self.offset = offset
        self.text = text
        self.snippet = snippet
        self.pos = pos  # character index (handy for callers holding the str)
        super().__init__(self._message())

    def _message(self) -> str:
        msg = f"{self.source}:{self.line}:{self.column}: {self.reason}"
        if self.text:
            msg += f": {self.text!r}"
        if self.snippet:
            msg += "\n" + self.snippet
        return msg

    def __reduce__(self) -> tuple:
        return (_rebuild, (self.reason, dict(self.__dict__)))

    @classmethod
    def at(
        cls,
        doc: str,
        pos: int,
        reason: str,
        source: str = "<string>",
        bad: str | None = None,
        locate: Callable[[int], tuple[int, int, int]] | None = None,
    ) -> EdnSyntaxError:
        """Build the error for character index `pos` of document `doc`."""
        line, column, offset = locate(pos) if locate is not None else position(doc, pos)
        if bad is None:
            bad = excerpt(doc, pos)
        return cls(
            reason,
            source=source,
            line=line,
            column=column,
            offset=offset,
            text=bad,
            snippet=snippet(doc, pos),
            pos=pos,
        )


def _rebuild(reason: str, state: dict) -> EdnSyntaxError:
    state = dict(state)
    state.pop("reason", None)
    return EdnSyntaxError(reason, **state)
