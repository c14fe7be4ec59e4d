"""EdnSyntaxError: where (source, line, column, byte offset), why, and the offending text."""

from __future__ import annotations


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
    """The line holding `pos` (clipped to `width` characters) and a caret under its column."""
    pos = max(0, min(pos, len(text)))
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end == -1:
        end = len(text)
    col = pos - start
    lo = max(start, pos - width // 2) if end - start > width else start
    hi = min(end, lo + width)
    prefix = "..." if lo > start else ""
    suffix = "..." if hi < end else ""
    line = prefix + text[lo:hi].replace("\t", " ").replace("\r", " ") + suffix
    return line + "\n" + " " * (len(prefix) + col - (lo - start)) + "^"


def excerpt(text: str, pos: int, limit: int = 60) -> str:
    """The offending text at `pos`: up to the end of the line, at most `limit` characters."""
    end = text.find("\n", pos)
    if end == -1:
        end = len(text)
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
        cls, doc: str, pos: int, reason: str, source: str = "<string>", bad: str | None = None
    ) -> EdnSyntaxError:
        """Build the error for character index `pos` of document `doc`."""
        line, column, offset = position(doc, pos)
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
