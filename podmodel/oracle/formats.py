"""Input layer of the trace oracle: a streaming reader for every Pod trace format.

A *trace* is a sequence of observations of Kubernetes Pods, oldest first. This module turns
whatever a user recorded into a stream of :class:`Observation` objects, each holding one Pod
(camelCase API JSON, as a dict) and where it came from, without ever reading the input whole:
memory stays bounded by the largest single object.

Accepted formats (:data:`FORMATS`):

``json-array``
    A JSON array of Pods (or of watch events, Lists or audit events), decoded element by element.
``jsonl``
    JSON Lines: one JSON object per line (blank lines allowed).
``json-stream``
    JSON objects back to back, as ``kubectl get pods -w -o json`` prints them.
``watch``
    Watch events ``{"type": "ADDED", "object": {...}}`` in any JSON framing above, or in YAML
    (``BOOKMARK`` events are skipped; an ``ERROR`` event is an input error).
``list``
    ``kind: List`` or ``PodList`` objects with ``items``, possibly several.
``yaml``
    Multi-document YAML; a document may be a Pod, a List, a watch event or a sequence of them.
``audit``
    Kubernetes audit logs (``audit.k8s.io/v1`` ``Event`` objects, usually JSON Lines; an audit
    ``EventList`` works too): the ``responseObject`` of each event whose response is a Pod.

``format="auto"`` (the default) reads JSON when the first non-blank character is ``{`` or ``[``
and YAML otherwise, then recognises each object by its shape, so framings and contents may be
mixed. A gzip-compressed input and a UTF-8 or UTF-16 byte order mark are handled transparently.

Every malformed input raises :class:`InputError`, whose message starts with the location:
``trace.json:12:5 (byte 301): truncated JSON: expected ',' or '}' after an object member``.
"""

from __future__ import annotations

import bisect
import codecs
import gzip
import io
import json
import os
import re
import struct
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import yaml

__all__ = [
    "FORMATS",
    "InputError",
    "Location",
    "Observation",
    "detect_format",
    "iter_observations",
    "load_documents",
    "nothing_to_check",
    "parse_only",
]

#: Names accepted by the ``format`` argument of :func:`iter_observations` (besides ``"auto"``).
FORMATS: tuple[str, ...] = ("json-array", "jsonl", "json-stream", "watch", "list", "yaml", "audit")

_JSON_FRAMINGS = frozenset({"json-array", "jsonl", "json-stream"})
_CHUNK = 1 << 16  # characters (or bytes) asked from the source per read
_FAST_LINE = 1 << 20  # a JSON Lines line up to this many characters is read whole and decoded by orjson
_MISSING = object()


# ---------------------------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where something starts in the input.

    Attributes
    ----------
    name : str
        File name as given, ``"<stdin>"``, or ``"<input>"`` for in-memory input.
    line : int or None
        1-based line number; ``None`` for already-parsed objects, which have no text.
    column : int or None
        1-based column, counted in characters.
    offset : int or None
        0-based byte offset in the (decompressed) input.

    Examples
    --------
    >>> str(Location("trace.json", 12, 5, 301))
    'trace.json:12:5 (byte 301)'
    >>> str(Location("<input>", None, None, None))
    '<input>'
    """

    name: str
    line: int | None
    column: int | None
    offset: int | None

    def __str__(self) -> str:
        if self.line is None:
            return self.name
        text = f"{self.name}:{self.line}:{self.column}"
        return text if self.offset is None else f"{text} (byte {self.offset})"


@dataclass(frozen=True)
class Observation:
    """One observed Pod, as yielded by :func:`iter_observations`.

    Attributes
    ----------
    index : int
        0-based position in the sequence of observations yielded.
    pod : dict
        The Pod object, camelCase Kubernetes API JSON.
    event : str or None
        Watch event type (``"ADDED"``, ``"MODIFIED"``, ``"DELETED"``) when the input said so;
        ``"DELETED"`` for the response of an audited ``delete``; otherwise ``None``.
    location : Location
        Where the object carrying this Pod starts (the watch event, audit event or list item).
    timestamp : str or None
        When it was observed, if the input says: an audit event's ``stageTimestamp``
        (or ``requestReceivedTimestamp``).
    shared_spec : bool
        The pod's ``spec`` is an object the reader shares among observations whose ``spec``
        has the same bytes (`podmodel.oracle.lines`), and nothing mutates it: a checker may
        take "the same object as before" as "the same spec".  False for every other reader.
    members : dict or None
        The JSON Lines lane's ``{member name: msgspec.Raw}`` of the Pod object: the bytes
        ``pod`` was decoded from, for the checker's typed check (`podmodel.oracle.typed`).
        None for every other reader; never compared.

    Examples
    --------
    >>> obs = next(iter_observations('{"kind": "Pod", "metadata": {"name": "a"}}'))
    >>> obs.index, obs.pod["metadata"]["name"], obs.event, str(obs.location)
    (0, 'a', None, '<input>:1:1 (byte 0)')
    """

    index: int
    pod: dict
    event: str | None
    location: Location
    timestamp: str | None = None
    shared_spec: bool = False
    members: dict | None = field(default=None, compare=False, repr=False)
    #: The lane's typed decoding of ``metadata`` and ``status`` when it was read with one
    #: (`podmodel.oracle.lines.LaneObservation`): ``(decoder, metadata, status)``; else None.
    #: Not a field: never compared, never copied by `dataclasses.replace`.
    parts = None


class InputError(Exception):
    """A trace input that cannot be read: malformed text, wrong shape, unreadable file.

    Parameters
    ----------
    message : str
        What is wrong; kept on one line.
    name, line, column, offset
        Location of the problem, as in :class:`Location` (``None`` when unknown).
    expected : str or None
        What was expected at that point, e.g. ``"',' or '}' after an object member"``.

    Examples
    --------
    >>> try:
    ...     list(iter_observations('{"kind": "Pod",\\n "metadata": {"name": "a"}', name="t.json"))
    ... except InputError as err:
    ...     print(err)
    ...     print(err.line, err.column, err.offset, err.expected)
    t.json:2:27 (byte 42): truncated JSON: expected ',' or '}' after an object member
    2 27 42 ',' or '}' after an object member
    """

    def __init__(
        self,
        message: str,
        *,
        name: str = "<input>",
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = re.sub(r"\s*[\r\n]+\s*", " ", str(message)).strip()
        self.name = name
        self.line = line
        self.column = column
        self.offset = offset
        self.expected = expected
        super().__init__(self.message)

    @property
    def location(self) -> Location:
        """The :class:`Location` of the problem."""
        return Location(self.name, self.line, self.column, self.offset)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def __reduce__(self):  # keep pickling (e.g. across processes) working despite keyword args
        return (_rebuild_input_error, (self.message, self.name, self.line, self.column, self.offset, self.expected))


def _rebuild_input_error(message, name, line, column, offset, expected, cls=None):
    return (cls or InputError)(message, name=name, line=line, column=column, offset=offset, expected=expected)


class FileChanged(InputError):
    """The file being checked changed while it was checked: a line read again (a pod's last line
    kept as its place in the file, `podmodel.oracle.checker._line_at`; a ``--jobs`` head,
    `podmodel.oracle.parallel._feed_head`) is not the observation read the first time.  An input
    error (exit code 2), never a verdict on other bytes; ``--jobs`` raises it as it is instead of
    checking the file again in one process (which would check the changed file)."""

    def __reduce__(self):  # a --jobs worker's error, sent to the parent: still a FileChanged there
        return (_rebuild_input_error,
                (self.message, self.name, self.line, self.column, self.offset, self.expected, FileChanged))


def _error_at(loc: Location, message: str, expected: str | None) -> InputError:
    return InputError(
        message, name=loc.name, line=loc.line, column=loc.column, offset=loc.offset, expected=expected
    )


# ---------------------------------------------------------------------------------------------
# Byte and text sources
# ---------------------------------------------------------------------------------------------


class _ReadFailure(Exception):
    """Reading or decoding failed; turned into an InputError where the position is known."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


def _call_read(read: Callable[[int], Any], n: int) -> Any:
    try:
        return read(n)
    except (OSError, EOFError, zlib.error, struct.error) as exc:
        raise _ReadFailure(f"cannot read input: {exc}", "a readable input") from None


class _MemRead:
    """read(n) over an in-memory str or bytes."""

    def __init__(self, data: Any) -> None:
        self._data = data
        self._pos = 0

    def read(self, n: int) -> Any:
        chunk = self._data[self._pos : self._pos + n]
        self._pos += len(chunk)
        return bytes(chunk) if isinstance(chunk, memoryview) else chunk


class _IterRead:
    """read(n) over an iterable of str or bytes chunks: the next non-empty chunk, whatever n."""

    def __init__(self, first: Any, rest: Iterator[Any]) -> None:
        self._first = first
        self._rest = rest
        self._text = isinstance(first, str)

    def read(self, n: int) -> Any:
        while True:
            if self._first is not None:
                chunk, self._first = self._first, None
            else:
                chunk = next(self._rest, None)
                if chunk is None:
                    return "" if self._text else b""
            if self._text != isinstance(chunk, str) or not isinstance(chunk, (str, bytes, bytearray, memoryview)):
                raise _ReadFailure(
                    f"input chunk is {_describe(chunk)}, expected {'str' if self._text else 'bytes'} like the first",
                    "chunks of one type",
                )
            if chunk:
                return chunk if self._text else bytes(chunk)


class _Prefixed:
    """A raw file for gzip: bytes already read, then the rest of the source, never more than n."""

    def __init__(self, first: bytes, read: Callable[[int], Any]) -> None:
        self._buffer = first
        self._read = read

    def read(self, n: int = -1) -> bytes:
        if not self._buffer:
            data = self._read(_CHUNK if n is None or n < 0 else max(n, 1))
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise OSError(f"read() returned {_describe(data)} inside a gzip stream")
            self._buffer = bytes(data)
        if n is None or n < 0:
            n = len(self._buffer)
        chunk, self._buffer = self._buffer[:n], self._buffer[n:]
        return chunk


class _TextReader:
    """Decoded text, read incrementally. ``encoding`` is what byte offsets are measured in."""

    encoding = "utf-8"
    start_offset = 0

    def read(self, n: int) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class _Decoder(_TextReader):
    """Incremental decoding of a byte source (UTF-8, or UTF-16 after a byte order mark)."""

    def __init__(self, first: bytes, read: Callable[[int], Any]) -> None:
        if first.startswith(codecs.BOM_UTF8):
            self.encoding, skip = "utf-8", 3
        elif first.startswith(codecs.BOM_UTF16_LE):
            self.encoding, skip = "utf-16-le", 2
        elif first.startswith(codecs.BOM_UTF16_BE):
            self.encoding, skip = "utf-16-be", 2
        else:
            self.encoding, skip = "utf-8", 0
        self.start_offset = skip
        self._pending = first[skip:]
        self._read = read
        self._decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        self._eof = False
        self._failure: _ReadFailure | None = None

    def read(self, n: int) -> str:
        while True:
            if self._failure is not None:
                raise self._failure
            if self._eof:
                return ""
            if self._pending:
                data, self._pending = self._pending, b""
            else:
                data = _call_read(self._read, n)
                if isinstance(data, str):
                    raise _ReadFailure("read() returned str after bytes", "a binary stream")
                data = bytes(data)
            final = not data
            try:
                text = self._decoder.decode(data, final)
            except UnicodeDecodeError as exc:
                label = "UTF-8" if self.encoding == "utf-8" else self.encoding.upper()
                bad = exc.object[exc.start : exc.start + 1]
                what = f"byte 0x{bad[0]:02x}" if bad else "the end"
                self._failure = _ReadFailure(
                    f"input is not valid {label} text: {what} ({exc.reason})", f"{label} text"
                )
                try:
                    text = bytes(exc.object[: exc.start]).decode(self.encoding)
                except UnicodeDecodeError:  # pragma: no cover - the prefix is valid by construction
                    text = ""
            if final:
                self._eof = True
            if text:
                return text


class _StrReader(_TextReader):
    """A source that already yields str (text file, str content, iterable of str)."""

    def __init__(self, first: str, read: Callable[[int], Any]) -> None:
        if first.startswith("\ufeff"):
            first = first[1:]
            self.start_offset = 3
        self._pending = first
        self._read = read

    def read(self, n: int) -> str:
        if self._pending:
            data, self._pending = self._pending, ""
            return data
        data = _call_read(self._read, n)
        if not isinstance(data, str):
            raise _ReadFailure(f"read() returned {_describe(data)} after str", "a text stream")
        return data


def _make_reader(read: Callable[[int], Any]) -> _TextReader:
    first = _call_read(read, _CHUNK)
    if isinstance(first, str):
        return _StrReader(first, read)
    if not isinstance(first, (bytes, bytearray, memoryview)):
        raise TypeError(f"read() returned {type(first).__name__}, expected bytes or str")
    first = bytes(first)
    while 0 < len(first) < 4:
        more = _call_read(read, _CHUNK)
        if not more:
            break
        first += bytes(more)
    if first[:2] == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=_Prefixed(first, read), mode="rb")  # type: ignore[arg-type]
        read = gz.read1
        first = bytes(_call_read(read, _CHUNK))
        while 0 < len(first) < 4:
            more = _call_read(read, _CHUNK)
            if not more:
                break
            first += more
    return _Decoder(first, read)


_PATHLIKE = re.compile(r"[/\\]|\.[A-Za-z][\w-]{0,7}$")


def _looks_like_path(text: str) -> bool:
    """Whether a str source names a file (rather than being the content itself).

    A path is one line of at most 4096 characters without surrounding blanks, naming an
    existing file, or looking like a file name (a directory separator or an extension) and
    not like JSON or YAML (no leading ``{["'!&*#%@|>-`` and no ``": "``).
    """
    if text == "-":
        return True
    if not text or len(text) > 4096 or "\n" in text or "\x00" in text or text != text.strip():
        return False
    if os.path.exists(text):  # never raises: bad names are just "not there"
        return True
    if text[0] in "{[\"'!&*#%@|>-\ufeff" or ": " in text or text.endswith(":"):
        return False
    return _PATHLIKE.search(text) is not None


def _is_model(value: Any) -> bool:
    """Duck-typed kubernetes-client model: ``to_dict()`` plus an ``attribute_map`` class attribute."""
    return (
        not isinstance(value, type)
        and isinstance(getattr(type(value), "attribute_map", None), Mapping)
        and callable(getattr(value, "to_dict", None))
    )


@contextmanager
def _open_source(source: Any, name: str | None):
    """Yield ``("text", reader, name)`` or ``("objects", iterator, name)``; close what we opened."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        if isinstance(source, str) and source == "-":
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            read = getattr(stream, "read1", None) or stream.read
            yield "text", read, name or "<stdin>"
            return
        path = os.fspath(source)
        shown = name or os.fsdecode(path)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot open {shown!r}: {reason}", name=shown, expected="a readable file") from None
        except ValueError as exc:
            raise InputError(f"cannot open {shown!r}: {exc}", name=shown, expected="a readable file") from None
        with handle:
            yield "text", handle.read1, shown
        return
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = memoryview(source).cast("B") if isinstance(source, memoryview) else source
        yield "text", _MemRead(data).read, name or "<input>"
        return
    if isinstance(source, str):
        yield "text", _MemRead(source).read, name or "<input>"
        return
    if hasattr(source, "read"):
        shown = name or getattr(source, "name", None)
        if not isinstance(shown, str):
            shown = "<input>"
        if isinstance(source, io.TextIOBase):
            buffer = getattr(source, "buffer", None)
            if buffer is not None and source is sys.stdin:
                source = buffer
        read = getattr(source, "read1", None) or source.read
        yield "text", read, shown
        return
    if isinstance(source, Mapping) or _is_model(source):
        yield "objects", iter([source]), name or "<input>"
        return
    if isinstance(source, Iterable):
        iterator = iter(source)
        first = next(iterator, _MISSING)
        if isinstance(first, (str, bytes, bytearray, memoryview)):
            yield "text", _IterRead(first, iterator).read, name or "<input>"
            return
        rest = iterator if first is _MISSING else _chain_one(first, iterator)
        yield "objects", rest, name or "<input>"
        return
    raise TypeError(
        "source must be a path, '-', a file object, str or bytes content, or an iterable of objects; "
        f"got {type(source).__name__}"
    )


def _chain_one(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


# ---------------------------------------------------------------------------------------------
# Text with position tracking
# ---------------------------------------------------------------------------------------------

try:  # a faster decoder for the common case (JSON Lines); the json module stays the reference
    from orjson import JSONDecodeError as _OrjsonError
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is a dependency, but the reader works without it
    _orjson_loads = None
    _OrjsonError = ValueError

_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


class _Text:
    """A sliding buffer over a text reader, tracking line, column and byte offset of ``buf[pos]``."""

    def __init__(self, reader: _TextReader, name: str) -> None:
        self.reader = reader
        self.name = name
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1
        self.col = 1
        self.offset = reader.start_offset
        self._codec = reader.encoding
        self._utf8 = reader.encoding == "utf-8"
        self._ascii: str | None = None  # the buffer, when it is known to be ASCII

    # -- positions ---------------------------------------------------------------------------

    def _nbytes(self, a: int, b: int) -> int:
        if self._ascii is not self.buf:  # isascii() of the whole buffer, once per fill (not per object)
            self._ascii = self.buf if self.buf.isascii() else None
        if self._utf8 and self._ascii is not None:
            return b - a
        return len(self.buf[a:b].encode(self._codec, "surrogatepass"))

    def _track(self, i: int) -> tuple[int, int, int]:
        buf, pos = self.buf, self.pos
        newlines = buf.count("\n", pos, i)
        if newlines:
            return self.line + newlines, i - buf.rfind("\n", pos, i), self.offset + self._nbytes(pos, i)
        return self.line, self.col + (i - pos), self.offset + self._nbytes(pos, i)

    def loc(self, i: int | None = None) -> Location:
        if i is None or i == self.pos:
            return Location(self.name, self.line, self.col, self.offset)
        return Location(self.name, *self._track(i))

    def advance(self, i: int) -> None:
        if i != self.pos:
            self.line, self.col, self.offset = self._track(i)
            self.pos = i

    def advance_in_line(self, i: int) -> None:
        """`advance` to ``i`` when ``buf[pos:i]`` holds no line break (no need to count them)."""
        self.col += i - self.pos
        self.offset += self._nbytes(self.pos, i)
        self.pos = i

    def error(self, i: int, message: str, expected: str | None) -> InputError:
        return _error_at(self.loc(i), message, expected)

    # -- reading -----------------------------------------------------------------------------

    def fill(self, want: int = 0) -> bool:
        """Read more text: one read, or reads until ``want`` more characters. False if none came."""
        if self.eof:
            return False
        if self.pos:
            self.buf = self.buf[self.pos :]
            self.pos = 0
        parts: list[str] = []
        got = 0
        try:
            while True:
                data = self.reader.read(max(_CHUNK, want - got))
                if not data:
                    self.eof = True
                    break
                parts.append(data)
                got += len(data)
                if got >= want:
                    break
        except _ReadFailure as failure:
            self.buf += "".join(parts)
            raise self.error(len(self.buf), failure.message, failure.expected) from None
        if not parts:
            return False
        self.buf += "".join(parts)
        return True

    def peek(self) -> str | None:
        """The next non-blank character, without consuming anything."""
        i = self.pos
        while True:
            end = _WS.match(self.buf, i).end()
            if end < len(self.buf):
                return self.buf[end]
            shift = self.pos  # fill() drops buf[:pos]
            if not self.fill():
                return None
            i = end - shift

    def skip_ws(self) -> str | None:
        """Consume blanks; return the next character (not consumed), or None at the end."""
        while True:
            end = _WS.match(self.buf, self.pos).end()
            self.advance(end)
            if end < len(self.buf):
                return self.buf[end]
            if not self.fill():
                return None

    def found(self, i: int) -> str:
        if i >= len(self.buf):
            return "the end of the input"
        return repr(self.buf[i])

    def decode_value(self) -> Any:
        """Decode the JSON value at ``pos`` (reading more as needed) and consume it."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._maybe_truncated(exc):
                    self.fill(len(self.buf) - self.pos)
                    continue
                raise self.json_error(exc) from None
            except RecursionError:
                raise self.error(self.pos, "JSON value nested too deeply", "less deeply nested JSON") from None
            except ValueError as exc:  # e.g. an integer with more digits than Python allows
                raise self.error(self.pos, f"invalid JSON value: {exc}", "a JSON value") from None
            if end == len(self.buf) and not self.eof and not isinstance(value, (dict, list, str)):
                self.fill()  # a number or literal may go on in the next chunk
                continue
            self.advance(end)
            return value

    def _maybe_truncated(self, exc: json.JSONDecodeError) -> bool:
        return not self.eof and (exc.pos >= len(self.buf) - 8 or exc.msg.startswith("Unterminated string"))

    def json_error(self, exc: json.JSONDecodeError) -> InputError:
        msg, at = exc.msg, exc.pos
        at_end = _WS.match(self.buf, at).end() >= len(self.buf)
        truncated = self.eof and (at_end or msg.startswith("Unterminated string"))
        kind = "truncated JSON" if truncated else "invalid JSON"
        found = "" if truncated else f", found {self.found(at)}"
        if msg.startswith("Unterminated string"):
            return self.error(at, f"{kind}: unterminated string", "a closing '\"'")
        if "control character" in msg:
            return self.error(at, "invalid JSON: raw control character in a string", "an escape such as \\n or \\t")
        if "escape" in msg:
            return self.error(at, "invalid JSON: invalid escape in a string", "a valid escape such as \\n or \\u00e9")
        if msg.startswith("Expecting ',' delimiter"):
            if _innermost(self.buf, self.pos, at) == "{":
                expected = "',' or '}' after an object member"
            else:
                expected = "',' or ']' after an array element"
        elif msg.startswith("Expecting ':' delimiter"):
            expected = "':' after an object key"
        elif msg.startswith("Expecting property name") or msg.startswith("Illegal trailing comma"):
            expected = "a double-quoted object key"
        elif msg.startswith("Expecting value"):
            expected = "a JSON value"
        else:  # pragma: no cover - json has no other messages today
            expected = "valid JSON"
            found = f" ({msg})"
        return self.error(at, f"{kind}: expected {expected}{found}", expected)


_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def _innermost(text: str, start: int, end: int) -> str | None:
    """The innermost unclosed bracket (``{`` or ``[``) of the JSON text between start and end."""
    stack: list[str] = []
    in_string = False
    i = start
    while True:
        m = _STRUCTURE.search(text, i, end)
        if m is None:
            return stack[-1] if stack else None
        c = m.group()
        i = m.end()
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            stack.append(c)
        elif c in "]}" and stack:
            stack.pop()


# ---------------------------------------------------------------------------------------------
# Recognising objects
# ---------------------------------------------------------------------------------------------

# What each context accepts, and how to say it.
_ALLOWED = {
    "any": frozenset({"pod", "watch", "audit", "audit-list", "list"}),
    "item": frozenset({"pod", "watch", "audit"}),
    "watch": frozenset({"watch"}),
    "list": frozenset({"list", "audit-list"}),
    "audit": frozenset({"audit", "audit-list"}),
    "audit-event": frozenset({"audit"}),
}
_EXPECTED = {
    "any": "a Pod",
    "item": "a Pod",
    "watch": 'a watch event {"type": ..., "object": ...}',
    "list": "a List or PodList",
    "audit": "an audit event (audit.k8s.io/v1 Event)",
    "audit-event": "an audit event (audit.k8s.io/v1 Event)",
}
_TOP_WANT = {"watch": "watch", "list": "list", "audit": "audit"}
_WATCH_TYPES = ("ADDED", "MODIFIED", "DELETED")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "binary data"
    return f"a {type(value).__name__}"


def _pod_shaped(obj: Mapping) -> bool:
    return "metadata" in obj and ("spec" in obj or "status" in obj)


def _shape(obj: Mapping, kind: Any) -> str | None:
    """Classify a mapping: pod, watch, audit, audit-list, list, or None (something else)."""
    if kind in (None, "WatchEvent") and "type" in obj and "object" in obj:
        return "watch"
    api = obj.get("apiVersion")
    audit_api = isinstance(api, str) and api.startswith("audit.k8s.io/")
    if (kind == "Event" and audit_api) or (kind is None and "auditID" in obj and "stage" in obj):
        return "audit"
    if kind == "EventList" and audit_api:
        return "audit-list"
    if kind == "Pod":
        return "pod"
    if kind in ("List", "PodList"):
        return "list"
    if kind is None:
        if _pod_shaped(obj):
            return "pod"
        if "items" in obj:
            return "list"
    return None


_SHAPE_NAMES = {
    "pod": "a Pod",
    "watch": "a watch event",
    "audit": "an audit event",
    "audit-list": "an audit EventList",
    "list": "a List",
}

_Hit = tuple  # (pod, event, timestamp, location)


class _Classifier:
    """Turns decoded objects into (pod, event, timestamp, location) hits, validating shapes."""

    def __init__(self, stats: dict | None = None) -> None:
        self.count = 0
        #: What was read but yielded no Pod (audit events without one, bookmarks), for "nothing to check".
        self.stats = stats if stats is not None else {}

    def next(self) -> int:
        self.count += 1
        return self.count

    def expand(
        self,
        obj: Any,
        loc: Location,
        want: str,
        item_locs: Callable[[int], Location] | None = None,
        n: int | None = None,
    ) -> Iterator[_Hit]:
        if n is None:
            n = self.next()
        expected = _EXPECTED[want]
        if not (type(obj) is dict or isinstance(obj, Mapping)):
            raise _error_at(loc, f"object {n} is {_describe(obj)}, expected {expected}", expected)
        kind = obj.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise _error_at(loc, f"object {n}: kind: expected a string, got {_describe(kind)}", "a string")
        shape = _shape(obj, kind)
        if shape not in _ALLOWED[want]:
            raise self._unexpected(kind, shape, loc, want, n)
        if shape == "pod":
            self.check_pod(obj, loc, n, "")
            yield (obj, None, None, loc)
        elif shape == "watch":
            yield from self._watch(obj, loc, n)
        elif shape == "audit":
            yield from self._audit(obj, loc, n)
        else:
            items = obj.get("items")
            if items is None:
                return
            if not isinstance(items, list):
                raise _error_at(loc, f"object {n}: items: expected a list, got {_describe(items)}", "a list")
            item_want = "audit-event" if shape == "audit-list" or want == "audit" else "item"
            for i, item in enumerate(items):
                yield from self.expand(item, item_locs(i) if item_locs else loc, item_want)

    def _unexpected(self, kind: Any, shape: str | None, loc: Location, want: str, n: int) -> InputError:
        expected = _EXPECTED[want]
        if shape is None:
            if kind is None:
                what = "has no kind and is not shaped like a Pod (metadata with spec or status)"
            else:
                what = f"is kind {kind!r}"
        elif shape == "list" and want == "item":
            what = f"is {_SHAPE_NAMES[shape]} inside a List"
        else:
            what = f"is {_SHAPE_NAMES[shape]}"
        return _error_at(loc, f"object {n} {what}, expected {expected}", expected)

    # -- containers streamed member by member (top-level JSON objects with "items") ------------

    def item_want(self, head: Mapping, want: str, loc: Location, n: int) -> str:
        """What the items of a streamed top-level object may be, given its members so far."""
        if want == "watch":
            expected = _EXPECTED[want]
            raise _error_at(loc, f"object {n} is a List, expected {expected}", expected)
        kind = head.get("kind")
        if kind is not None:
            if not isinstance(kind, str):
                raise _error_at(loc, f"object {n}: kind: expected a string, got {_describe(kind)}", "a string")
            shape = _shape(head, kind)
            if shape == "audit-list":
                return "audit-event"
            if shape != "list":
                expected = "a List or PodList" if want in ("any", "list") else _EXPECTED[want]
                raise _error_at(loc, f"object {n} is kind {kind!r}, expected {expected}", expected)
        return "audit-event" if want == "audit" else "item"

    def finish_list(self, head: Mapping, loc: Location, want: str, n: int) -> None:
        """Check the members of a streamed container once it is closed."""
        kind = head.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise _error_at(loc, f"object {n}: kind: expected a string, got {_describe(kind)}", "a string")
        if kind is None:
            return
        shape = _shape(head, kind)
        if shape not in ("list", "audit-list"):
            expected = "a List or PodList" if want in ("any", "list") else _EXPECTED[want]
            raise _error_at(loc, f"object {n} is kind {kind!r}, expected {expected}", expected)

    # -- events --------------------------------------------------------------------------------

    def _watch(self, obj: Mapping, loc: Location, n: int) -> Iterator[_Hit]:
        kind = obj.get("type")
        if kind == "BOOKMARK":
            self.stats["watch bookmarks"] = self.stats.get("watch bookmarks", 0) + 1
            return
        if kind == "ERROR":
            status = obj.get("object")
            detail = ""
            if (type(status) is dict or isinstance(status, Mapping)):
                extras = [f"{k} {status[k]}" for k in ("reason", "code") if status.get(k) is not None]
                detail = f": {status.get('message') or 'no message'}" + (f" ({', '.join(extras)})" if extras else "")
            raise _error_at(
                loc,
                f"object {n} is a watch ERROR event{detail}",
                "a watch event of type ADDED, MODIFIED, DELETED or BOOKMARK",
            )
        if kind not in _WATCH_TYPES:
            shown = repr(kind) if isinstance(kind, str) else _describe(kind)
            expected = "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR"
            raise _error_at(loc, f"object {n}: type: expected {expected}, got {shown}", expected)
        pod = obj.get("object")
        if not (type(pod) is dict or isinstance(pod, Mapping)):
            raise _error_at(loc, f"object {n}: object: expected an object, got {_describe(pod)}", "an object")
        pod_kind = pod.get("kind")
        if pod_kind != "Pod" and not (pod_kind is None and _pod_shaped(pod)):
            what = f"is kind {pod_kind!r}" if pod_kind is not None else "is not shaped like a Pod"
            raise _error_at(loc, f"object {n}: the watch event's object {what}, expected a Pod", "a Pod")
        self.check_pod(pod, loc, n, "object.")
        yield (pod, kind, None, loc)

    def _audit(self, obj: Mapping, loc: Location, n: int) -> Iterator[_Hit]:
        stats = self.stats
        stats["audit events"] = stats.get("audit events", 0) + 1
        response = obj.get("responseObject")
        if not (type(response) is dict or isinstance(response, Mapping)):
            ref = obj.get("objectRef")
            if (type(ref) is dict or isinstance(ref, Mapping)) and ref.get("resource") == "pods":
                stats["audit pod events without a response object"] = \
                    stats.get("audit pod events without a response object", 0) + 1
            return  # RequestReceived stage, Metadata level, ...
        kind = response.get("kind")
        if kind != "Pod":
            if kind is not None or not _pod_shaped(response):
                return  # Status (pods/binding, errors), other resources, lists
            ref = obj.get("objectRef")
            resource = ref.get("resource") if (type(ref) is dict or isinstance(ref, Mapping)) else None
            if resource not in (None, "pods"):
                return
        self.check_pod(response, loc, n, "responseObject.")
        event = "DELETED" if obj.get("verb") == "delete" else None
        stamp = obj.get("stageTimestamp")
        if not isinstance(stamp, str):
            stamp = obj.get("requestReceivedTimestamp")
            if not isinstance(stamp, str):
                stamp = None
        yield (response, event, stamp, loc)

    # -- minimal Pod shape ---------------------------------------------------------------------

    def check_pod(self, pod: Mapping, loc: Location, n: int, prefix: str) -> None:
        def bad(path: str, expected: str, got: Any) -> InputError:
            return _error_at(loc, f"object {n}: {prefix}{path}: expected {expected}, got {_describe(got)}", expected)

        def objects_list(parent: Mapping, base: str, field: str) -> None:
            value = parent.get(field, _MISSING)
            if value is _MISSING:
                return
            if not isinstance(value, list):
                raise bad(f"{base}.{field}", "a list", value)
            for i, element in enumerate(value):
                if not (type(element) is dict or isinstance(element, Mapping)):
                    raise bad(f"{base}.{field}[{i}]", "an object", element)

        metadata = pod.get("metadata", _MISSING)
        if metadata is not _MISSING:
            if not (type(metadata) is dict or isinstance(metadata, Mapping)):
                raise bad("metadata", "an object", metadata)
            for field in ("uid", "name", "namespace"):
                value = metadata.get(field, _MISSING)
                if value is not _MISSING and not isinstance(value, str):
                    raise bad(f"metadata.{field}", "a string", value)
        spec = pod.get("spec", _MISSING)
        if spec is not _MISSING:
            if not (type(spec) is dict or isinstance(spec, Mapping)):
                raise bad("spec", "an object", spec)
            for field in ("containers", "initContainers"):
                objects_list(spec, "spec", field)
        status = pod.get("status", _MISSING)
        if status is not _MISSING:
            if not (type(status) is dict or isinstance(status, Mapping)):
                raise bad("status", "an object", status)
            for field in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
                objects_list(status, "status", field)


# ---------------------------------------------------------------------------------------------
# JSON framings
# ---------------------------------------------------------------------------------------------


def _json_hits(text: _Text, cls: _Classifier, fmt: str) -> Iterator[_Hit]:
    want = _TOP_WANT.get(fmt, "any")
    values = 0
    last_line: int | None = None
    while True:
        c = text.skip_ws()
        if c is None:
            break
        if fmt == "json-array":
            if values:
                found = text.found(text.pos)
                raise text.error(text.pos, f"extra data after the JSON array, found {found}", "the end of the input")
            if c != "[":
                raise text.error(text.pos, f"expected '[' (a JSON array), found {text.found(text.pos)}", "'['")
        if fmt == "jsonl" and last_line == text.line:
            raise text.error(
                text.pos, "JSON Lines: expected a line break before the next value", "one JSON value per line"
            )
        values += 1
        start = text.loc()
        if c == "[":
            yield from _json_array(text, cls, want)
        elif c == "{":
            yield from _json_object(text, cls, want)
        else:
            loc = text.loc()
            value = text.decode_value()
            yield from cls.expand(value, loc, want)  # raises: not an object
        if fmt == "jsonl":
            if text.line != start.line:
                raise _error_at(
                    start,
                    f"JSON Lines: the value starting on line {start.line} spans several lines "
                    "(use format='json-stream' for pretty-printed JSON)",
                    "one JSON value per line",
                )
            last_line = text.line
    if values == 0:
        raise text.error(text.pos, "empty input: expected Pod objects", "Pod objects")


def _json_array(text: _Text, cls: _Classifier, want: str) -> Iterator[_Hit]:
    text.advance(text.pos + 1)  # '['
    c = text.skip_ws()
    if c == "]":
        text.advance(text.pos + 1)
        return
    while True:
        if c is None:
            raise text.error(text.pos, "truncated JSON: expected a JSON value", "a JSON value")
        loc = text.loc()
        value = text.decode_value()
        yield from cls.expand(value, loc, want)
        c = text.skip_ws()
        if c == ",":
            text.advance(text.pos + 1)
            c = text.skip_ws()
            continue
        if c == "]":
            text.advance(text.pos + 1)
            return
        expected = "',' or ']' after an array element"
        if c is None:
            raise text.error(text.pos, f"truncated JSON: expected {expected}", expected)
        raise text.error(text.pos, f"invalid JSON: expected {expected}, found {text.found(text.pos)}", expected)


def _json_object(text: _Text, cls: _Classifier, want: str) -> Iterator[_Hit]:
    loc = text.loc()
    # Fastest path: one object on one line, decoded by orjson (JSON Lines).  Anything orjson
    # refuses (NaN, lone surrogates, a value spanning lines, deep nesting) goes the careful way
    # below, which also words the errors.  One difference: orjson reads an integer beyond 64
    # bits as a float (json: an int, or an error past 4300 digits); no Pod field holds one, and
    # for the fields the oracle reads either is an invalid-object.
    if _orjson_loads is not None:
        buf, pos = text.buf, text.pos
        nl = buf.find("\n", pos)
        while nl < 0 and not text.eof and len(buf) - pos < _FAST_LINE:  # the line goes on in the next chunk
            searched = len(buf) - pos
            if not text.fill():
                break
            buf, pos = text.buf, text.pos
            nl = buf.find("\n", pos + searched)
        if nl > 0:
            try:
                value = _orjson_loads(buf[pos:nl])
            except _OrjsonError:
                pass
            else:
                if type(value) is dict and type(value.get("items")) is not list:
                    text.advance_in_line(nl)
                    yield from cls.expand(value, loc, want)
                    return
    # Fast path: the whole object is already in the buffer (the common case for JSON Lines).
    try:
        value, end = _DECODER.raw_decode(text.buf, text.pos)
    except json.JSONDecodeError as exc:
        if not text._maybe_truncated(exc):
            raise text.json_error(exc) from None
        # Incomplete: decode member by member as the text arrives.
    except (RecursionError, ValueError):
        pass  # the member-by-member path reports it at the right place
    else:
        if not isinstance(value.get("items"), list):
            text.advance(end)
            yield from cls.expand(value, loc, want)
            return
        # A List: go member by member to stream and locate each item.
    yield from _json_members(text, cls, want, loc)


def _json_members(text: _Text, cls: _Classifier, want: str, loc: Location) -> Iterator[_Hit]:
    n = cls.next()
    text.advance(text.pos + 1)  # '{'
    head: dict[str, Any] = {}
    streamed = False
    c = text.skip_ws()
    if c == "}":
        text.advance(text.pos + 1)
    else:
        while True:
            if c != '"':
                expected = "a double-quoted object key"
                if c is None:
                    raise text.error(text.pos, f"truncated JSON: expected {expected}", expected)
                raise text.error(text.pos, f"invalid JSON: expected {expected}, found {text.found(text.pos)}", expected)
            key = text.decode_value()
            c = text.skip_ws()
            if c != ":":
                expected = "':' after an object key"
                state = "truncated" if c is None else "invalid"
                found = "" if c is None else f", found {text.found(text.pos)}"
                raise text.error(text.pos, f"{state} JSON: expected {expected}{found}", expected)
            text.advance(text.pos + 1)
            c = text.skip_ws()
            if c is None:
                raise text.error(text.pos, "truncated JSON: expected a JSON value", "a JSON value")
            if key == "items" and c == "[" and not streamed:
                item_want = cls.item_want(head, want, loc, n)
                streamed = True
                yield from _json_array(text, cls, item_want)
            else:
                head[key] = text.decode_value()
            c = text.skip_ws()
            if c == ",":
                text.advance(text.pos + 1)
                c = text.skip_ws()
                continue
            if c == "}":
                text.advance(text.pos + 1)
                break
            expected = "',' or '}' after an object member"
            if c is None:
                raise text.error(text.pos, f"truncated JSON: expected {expected}", expected)
            raise text.error(text.pos, f"invalid JSON: expected {expected}, found {text.found(text.pos)}", expected)
    if streamed:
        cls.finish_list(head, loc, want, n)
    else:
        yield from cls.expand(head, loc, want, n=n)


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------


def _timestamp_as_text(loader: Any, node: Any) -> str:
    return loader.construct_scalar(node)


def _not_json(loader: Any, node: Any) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"YAML tag {node.tag!r} is not plain data", node.start_mark
    )


def _json_compatible(loader_class: type) -> type:
    """Keep timestamps as the strings the API server wrote; refuse YAML-only types."""
    loader_class.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    for tag in ("binary", "set", "omap", "pairs"):
        loader_class.add_constructor(f"tag:yaml.org,2002:{tag}", _not_json)
    return loader_class


@_json_compatible
class _PyLoader(yaml.SafeLoader):
    """Safe YAML loading producing JSON-compatible data (pure Python)."""


if getattr(yaml, "__with_libyaml__", False):

    @_json_compatible
    class _CLoader(yaml.CSafeLoader):  # type: ignore[misc,valid-type]
        """The same with libyaml: about ten times faster; its marks also count characters."""

    _Loader: type = _CLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PyLoader


def _is_libyaml(loader_class: type) -> bool:
    try:
        from yaml.cyaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return False
    return issubclass(loader_class, CParser)


def _recursive_node(root: Any) -> Any:
    """A collection node that contains itself through aliases (not JSON data), or None."""
    if not isinstance(root, (yaml.MappingNode, yaml.SequenceNode)):
        return None
    gray, black = 1, 2
    state = {id(root): gray}
    stack = [(root, iter(_node_children(root)))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if not isinstance(child, (yaml.MappingNode, yaml.SequenceNode)):
                continue
            seen = state.get(id(child))
            if seen == gray:
                return child
            if seen is None:
                state[id(child)] = gray
                stack.append((child, iter(_node_children(child))))
                break
        else:
            state[id(node)] = black
            stack.pop()
    return None


def _node_children(node: Any) -> Iterator[Any]:
    if isinstance(node, yaml.SequenceNode):
        return iter(node.value)
    return (n for pair in node.value for n in pair)


class _YamlFeed:
    """File-like object handing decoded text to PyYAML, remembering where recent chunks started
    so that YAML character positions can be turned into byte offsets."""

    def __init__(self, text: _Text) -> None:
        self._text = text
        self._codec = text._codec
        self.name = text.name
        # Retained chunks, oldest first: char index, byte offset, line and column where each
        # starts, and its text. Chunks before the current document are forgotten.
        self._starts: list[int] = []
        self._chunks: list[tuple[int, int, int, int, int, str]] = []
        self._chars = 0
        self._bytes = text.offset
        self._utf8 = 0  # libyaml counts reader-error positions in UTF-8 bytes
        self._lines = 1
        self._column = 1
        self.failure: InputError | None = None
        if text.pos:  # pragma: no cover - YAML is always started before anything is consumed
            raise AssertionError("YAML must start at the beginning of the input")

    def read(self, size: int = -1) -> str:
        if self.failure is not None:
            return ""
        text = self._text
        if text.buf:
            data, text.buf = text.buf, ""
        else:
            try:
                data = text.reader.read(_CHUNK)
            except _ReadFailure as failure:
                self.failure = InputError(
                    failure.message,
                    name=self.name,
                    line=self._lines,
                    column=self._column,
                    offset=self._bytes,
                    expected=failure.expected,
                )
                return ""
        if data:
            self._starts.append(self._chars)
            self._chunks.append((self._chars, self._bytes, self._utf8, self._lines, self._column, data))
            self._chars += len(data)
            size = self._nbytes(data, len(data))
            self._bytes += size
            self._utf8 += size if self._codec == "utf-8" else len(data.encode("utf-8", "surrogatepass"))
            newlines = data.count("\n")
            if newlines:
                self._lines += newlines
                self._column = len(data) - data.rfind("\n")
            else:
                self._column += len(data)
        return data

    def _nbytes(self, data: str, k: int) -> int:
        if self._codec == "utf-8" and data.isascii():
            return k
        return len(data[:k].encode(self._codec, "surrogatepass"))

    def _find(self, index: int) -> tuple[int, int, int, int, int, str] | None:
        i = bisect.bisect_right(self._starts, index) - 1
        if i < 0:
            return None
        chunk = self._chunks[i]
        return chunk if index <= chunk[0] + len(chunk[5]) else None

    def offset(self, index: int) -> int | None:
        chunk = self._find(index)
        if chunk is None:
            return self._bytes if index >= self._chars else None
        start, byte_start, _, _, _, data = chunk
        return byte_start + self._nbytes(data, index - start)

    def location(self, mark: Any) -> Location:
        return Location(self.name, mark.line + 1, mark.column + 1, self.offset(mark.index))

    def position(self, index: int) -> Location:
        """Location of a character index (for errors that carry no line), from retained chunks."""
        chunk = self._find(index)
        if chunk is None:
            return Location(self.name, None, None, None)
        start, _, _, line, column, data = chunk
        k = index - start
        newlines = data.count("\n", 0, k)
        if newlines:
            line, column = line + newlines, k - data.rfind("\n", 0, k)
        else:
            column += k
        return Location(self.name, line, column, self.offset(index))

    def text_end(self) -> int:
        """Character index of the end of the text read so far, ignoring trailing blanks."""
        if not self._chunks:
            return self._chars
        data = self._chunks[-1][5]
        return self._chars - (len(data) - len(data.rstrip()))

    def char_index(self, utf8_position: int) -> int:
        """The character index of a UTF-8 byte position (as libyaml reports reader errors)."""
        for start, _, utf8_start, _, _, data in reversed(self._chunks):
            if utf8_start <= utf8_position:
                head = data.encode("utf-8", "surrogatepass")[: utf8_position - utf8_start]
                return start + len(head.decode("utf-8", "ignore"))
        return utf8_position

    def forget_before(self, index: int) -> None:
        keep = bisect.bisect_right(self._starts, index) - 1
        if keep > 0:
            del self._starts[:keep]
            del self._chunks[:keep]


def _yaml_error(exc: BaseException, feed: _YamlFeed, loader: Any, libyaml: bool) -> InputError:
    if feed.failure is not None:
        return feed.failure
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        loc = feed.location(mark) if mark is not None else Location(feed.name, None, None, None)
        problem = exc.problem or "malformed YAML"
        context = f" ({exc.context})" if exc.context else ""
        if problem.startswith("could not determine a constructor for the tag"):
            problem = f"YAML tag {problem.split('tag', 1)[1].strip()} is not plain data"
        if problem.startswith("YAML tag "):
            return _error_at(loc, problem, "plain YAML data (mappings, lists, strings, numbers, booleans, null)")
        if "maximum nesting depth" in problem:
            return _error_at(loc, "YAML document nested too deeply", "less deeply nested YAML")
        at_end = mark is not None and mark.index >= feed.text_end()
        truncated = at_end or "end of stream" in problem or "<stream end>" in problem
        kind = "truncated YAML" if truncated else "invalid YAML"
        m = re.match(r"(?:did not find )?expected (.*?)(?:, but (?:found|got) .*)?$", problem)
        expected = m.group(1) if m else "valid YAML"
        return _error_at(loc, f"{kind}: {problem}{context}", expected)
    if isinstance(exc, yaml.reader.ReaderError):
        loc = feed.position(feed.char_index(exc.position) if libyaml else exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else f"byte {char!r}"
        return _error_at(loc, f"invalid YAML input: {exc.reason} ({shown})", "printable text")
    try:
        loc = feed.location(loader.get_mark())
    except Exception:  # pragma: no cover - defensive
        loc = Location(feed.name, None, None, None)
    if isinstance(exc, RecursionError):
        return _error_at(loc, "YAML document nested too deeply", "less deeply nested YAML")
    return _error_at(loc, f"invalid YAML value: {exc}", "valid YAML")


def _yaml_hits(text: _Text, cls: _Classifier, fmt: str) -> Iterator[_Hit]:
    want = _TOP_WANT.get(fmt, "any")
    feed = _YamlFeed(text)
    loader_class = _Loader
    libyaml = _is_libyaml(loader_class)
    loader = None
    documents = 0
    try:
        try:
            loader = loader_class(feed)
        except MemoryError:
            raise
        except Exception as exc:
            raise _yaml_error(exc, feed, None, libyaml) from None
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
                loc = feed.location(node.start_mark)
                feed.forget_before(node.start_mark.index)
                data = loader.construct_document(node)
            except MemoryError:
                raise
            except Exception as exc:
                raise _yaml_error(exc, feed, loader, libyaml) from None
            if feed.failure is not None:
                raise feed.failure  # the document may have been cut short by unreadable bytes
            loop = _recursive_node(node)
            if loop is not None:
                raise _error_at(
                    feed.location(loop.start_mark),
                    "invalid YAML: an alias refers to a node that contains it (a recursive structure)",
                    "plain, non-recursive YAML data",
                )
            if data is None:
                continue  # an empty document, e.g. after a trailing '---'
            documents += 1
            children = _yaml_children(node)
            item_locs = None
            if children is not None:
                item_locs = _item_locator(children, feed, loc)
            if isinstance(data, list):
                for i, item in enumerate(data):
                    yield from cls.expand(item, item_locs(i) if item_locs else loc, want)
            else:
                yield from cls.expand(data, loc, want, item_locs=item_locs)
    finally:
        if loader is not None:
            loader.dispose()
    if feed.failure is not None:
        raise feed.failure
    if documents == 0:
        end = Location(feed.name, feed._lines, feed._column, feed._bytes)
        raise _error_at(end, "empty input: expected Pod objects", "Pod objects")


def _yaml_children(node: Any) -> list | None:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        found = None
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
                found = value.value
        return found
    return None


def _item_locator(children: list, feed: _YamlFeed, default: Location) -> Callable[[int], Location]:
    def locate(i: int) -> Location:
        if i < len(children):
            return feed.location(children[i].start_mark)
        return default  # pragma: no cover - merge keys can make lengths differ

    return locate


# ---------------------------------------------------------------------------------------------
# Already-parsed objects (dicts, kubernetes-client models)
# ---------------------------------------------------------------------------------------------


def _rfc3339(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def _plain(value: Any) -> Any:
    """API JSON for a value: kubernetes-client models via attribute_map, datetimes as RFC 3339."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return _rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if _is_model(value):
        model = type(value)
        attribute_map = model.attribute_map
        types = getattr(model, "openapi_types", None)
        out = {}
        for attr in types if isinstance(types, Mapping) else attribute_map:
            item = getattr(value, attr, None)
            if item is not None:
                out[attribute_map.get(attr, attr)] = _plain(item)
        return out
    if isinstance(value, Mapping):
        copy: dict | None = None if isinstance(value, dict) else dict(value)
        for key, item in value.items():
            converted = _plain(item)
            if converted is not item:
                if copy is None:
                    copy = dict(value)
                copy[key] = converted
        return value if copy is None else copy
    if isinstance(value, (list, tuple)):
        converted_list = [_plain(item) for item in value]
        if isinstance(value, list) and all(a is b for a, b in zip(converted_list, value)):
            return value
        return converted_list
    return value


def _from_client(item: Any) -> Any:
    if isinstance(item, Mapping) and "type" in item and isinstance(item.get("raw_object"), Mapping):
        # kubernetes.watch.Watch().stream() events: prefer the raw API JSON.
        return {"type": item["type"], "object": item["raw_object"]}
    return _plain(item)


def _object_hits(items: Iterator[Any], name: str, cls: _Classifier, fmt: str) -> Iterator[_Hit]:
    want = _TOP_WANT.get(fmt, "any")
    loc = Location(name, None, None, None)
    count = 0
    for item in items:
        count += 1
        try:
            obj = _from_client(item)
        except RecursionError:
            raise _error_at(loc, f"object {cls.count + 1} is nested too deeply", "a Pod") from None
        yield from cls.expand(obj, loc, want)
    if count == 0:
        raise _error_at(loc, "empty input: expected Pod objects", "Pod objects")


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def nothing_to_check(stats: Mapping[str, int], name: str = "<input>") -> InputError:
    """The `InputError` for a trace that holds no Pod observation, saying why.

    ``stats`` is the dictionary `iter_observations` filled.

    >>> str(nothing_to_check({"audit events": 3, "audit pod events without a response object": 3}, "audit.log"))
    'audit.log: nothing to check: 3 audit events carry no Pod object: record at RequestResponse level (the audit policy level Request or Metadata leaves out the response)'
    >>> str(nothing_to_check({}, "t.json"))
    't.json: nothing to check: the input holds no Pod observation'
    """
    audit = stats.get("audit events", 0)
    if audit:
        msg = (f"{audit} audit event{'s carry' if audit != 1 else ' carries'} no Pod object: record at RequestResponse level "
               "(the audit policy level Request or Metadata leaves out the response)")
    elif stats.get("watch bookmarks"):
        msg = f"{stats['watch bookmarks']} watch BOOKMARK event(s) and no Pod"
    else:
        msg = "the input holds no Pod observation"
    return InputError(f"nothing to check: {msg}", name=name, expected="Pod objects")


def iter_observations(source: Any, *, format: str = "auto", name: str | None = None,
                      stats: dict | None = None) -> Iterator[Observation]:
    """Stream the Pod observations of a trace, in input order.

    Parameters
    ----------
    source : str, os.PathLike, file object, bytes, or iterable
        A path (``"-"`` means standard input); a binary or text file object; the content itself
        as ``bytes`` or ``str``; an iterable of ``str``/``bytes`` chunks; or an iterable of
        already-parsed objects (dicts, kubernetes-client models such as ``V1Pod``, ``V1PodList``
        or watch-event dicts), or a single such object. A ``str`` is a path when it is one line
        naming an existing file, or one line that looks like a file name (it has a directory
        separator or an extension) and not like JSON or YAML; any other ``str`` is content.
    format : str, optional
        ``"auto"`` (default) or one of :data:`FORMATS`. Forcing a JSON framing makes the reader
        strict about it (a single array, one value per line); forcing ``watch``, ``list`` or
        ``audit`` requires every top-level object to be of that kind.
    name : str, optional
        Name used in locations and error messages instead of the file name.
    stats : dict, optional
        Filled, while iterating, with counts of what was read but held no Pod (audit events,
        bookmarks): `nothing_to_check` turns them into a message.

    Yields
    ------
    Observation
        One per Pod, with its 0-based ``index``, ``event``, ``location`` and ``timestamp``.

    Raises
    ------
    InputError
        While iterating, for any malformed, unreadable or non-Pod input (file not found, invalid
        JSON or YAML, wrong kinds or field types, a watch ERROR event, empty input).
    ValueError
        At once, for an unknown ``format``.
    TypeError
        For a ``source`` of an unsupported type.

    Notes
    -----
    Input is read incrementally: a JSON array is decoded element by element, a top-level
    ``List`` item by item, JSON Lines line by line, YAML document by document. Memory stays
    bounded by the largest object, whatever the size of the input.

    Examples
    --------
    >>> lines = (
    ...     '{"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "web"}}}\\n'
    ...     '{"type": "DELETED", "object": {"kind": "Pod", "metadata": {"name": "web"}}}\\n'
    ... )
    >>> [(o.index, o.event, o.location.line) for o in iter_observations(lines)]
    [(0, 'ADDED', 1), (1, 'DELETED', 2)]
    """
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected 'auto' or one of {', '.join(FORMATS)}")
    if not isinstance(source, (str, bytes, bytearray, memoryview, os.PathLike, Mapping, Iterable)) and not (
        hasattr(source, "read") or _is_model(source)
    ):
        raise TypeError(
            "source must be a path, '-', a file object, str or bytes content, or an iterable of objects; "
            f"got {type(source).__name__}"
        )
    return _iterate(source, format, name, stats)


def _iterate(source: Any, fmt: str, name: str | None, stats: dict | None = None) -> Iterator[Observation]:
    with _open_source(source, name) as (how, what, shown):
        if stats is not None:
            stats["name"] = shown
        cls = _Classifier(stats)
        if how == "objects":
            hits = _object_hits(what, shown, cls, fmt)
        else:
            try:
                reader = _make_reader(what)
            except _ReadFailure as failure:
                start = Location(shown, 1, 1, 0)
                raise _error_at(start, failure.message, failure.expected) from None
            text = _Text(reader, shown)
            first = text.peek()
            if fmt == "yaml" or (fmt not in _JSON_FRAMINGS and first is not None and first not in "{["):
                hits = _yaml_hits(text, cls, fmt)
            else:
                hits = _json_hits(text, cls, fmt)
        for index, (pod, event, stamp, loc) in enumerate(hits):
            yield Observation(index, pod, event, loc, stamp)


#: The largest manifest `load_documents` reads (bytes, decompressed).
MAX_DOCUMENT_BYTES = 16 << 20


def load_documents(source: Any, *, name: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES) -> list[Any]:
    r"""Every document of a JSON or YAML input, read with the trace reader's defences.

    For inputs that are not traces (a manifest, a workload, a scenario): the same opening,
    decoding (gzip, byte order marks, UTF-16), depth limit (no `RecursionError`), integer
    size limit, refusal of recursive YAML aliases and of YAML-only types, and at most
    ``max_bytes`` of text; every failure is an `InputError` with its location.

    >>> load_documents("kind: Pod\n---\nkind: Service\n")
    [{'kind': 'Pod'}, {'kind': 'Service'}]
    >>> load_documents('{"a": ' * 100000, name="deep.json")
    Traceback (most recent call last):
    ...
    podmodel.oracle.formats.InputError: deep.json:1:1 (byte 0): JSON value nested too deeply
    """
    out: list[Any] = []
    with _open_source(source, name) as (how, what, shown):
        if how == "objects":
            return list(what)
        try:
            reader = _make_reader(what)
        except _ReadFailure as failure:
            raise _error_at(Location(shown, 1, 1, 0), failure.message, failure.expected) from None
        limited = _Limited(reader, max_bytes, shown)
        text = _Text(limited, shown)
        first = text.peek()
        if first is not None and first in "{[":
            while text.skip_ws() is not None:
                out.append(text.decode_value())
            return out
        feed = _YamlFeed(text)
        libyaml = _is_libyaml(_Loader)
        loader = None
        try:
            try:
                loader = _Loader(feed)
                while loader.check_node():
                    node = loader.get_node()
                    data = loader.construct_document(node)
                    if _recursive_node(node) is not None:
                        raise _error_at(feed.location(node.start_mark),
                                        "invalid YAML: an alias refers to a node that contains it (a recursive structure)",
                                        "plain, non-recursive YAML data")
                    if data is not None:
                        out.append(data)
            except (InputError, MemoryError):
                raise
            except Exception as exc:
                raise _yaml_error(exc, feed, loader, libyaml) from None
        finally:
            if loader is not None:
                loader.dispose()
        if feed.failure is not None:
            raise feed.failure
    return out


class _Limited(_TextReader):
    """A text reader that fails past ``limit`` characters (a manifest is small)."""

    def __init__(self, inner: _TextReader, limit: int, name: str) -> None:
        self.inner, self.limit, self.seen = inner, limit, 0
        self.encoding = inner.encoding
        self.start_offset = inner.start_offset

    def read(self, n: int) -> str:
        data = self.inner.read(n)
        self.seen += len(data)
        if self.seen > self.limit:
            raise _ReadFailure(f"input larger than {self.limit} bytes", f"at most {self.limit} bytes")
        return data


def parse_only(source: Any, format: str = "auto") -> int:
    """Read a whole trace and count its observations, without checking anything.

    Used to measure parsing cost separately from checking cost.

    Parameters
    ----------
    source
        Anything :func:`iter_observations` accepts.
    format : str, optional
        ``"auto"`` or one of :data:`FORMATS`.

    Returns
    -------
    int
        The number of observations.

    Raises
    ------
    InputError
        As :func:`iter_observations`.

    Examples
    --------
    >>> parse_only(b'[{"kind": "Pod", "metadata": {"name": "a"}}, {"kind": "Pod", "metadata": {"name": "a"}}]')
    2
    """
    count = 0
    for _ in iter_observations(source, format=format):
        count += 1
    return count


_LEADING_MEMBER = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([\[{]))\s*,?')


def _sniff_content(body: str) -> str | None:
    """watch / audit / list from the first object of ``body``, or None (Pods or unknown)."""
    if not body.startswith("{"):
        return None
    try:
        obj, _ = _DECODER.raw_decode(body)
    except (ValueError, RecursionError):
        obj = None
    if isinstance(obj, dict):
        kind = obj.get("kind")
        shape = _shape(obj, kind) if kind is None or isinstance(kind, str) else None
        return {"watch": "watch", "audit": "audit", "audit-list": "audit", "list": "list"}.get(shape or "")
    # A head that ends inside the first object: look at its leading members.
    members: dict[str, str | None] = {}
    pos = 1
    for _ in range(8):
        m = _LEADING_MEMBER.match(body, pos)
        if m is None:
            break
        key, string, bracket = m.groups()
        if not members and key in ("type", "object"):
            return "watch"
        members[key] = string
        if bracket:
            break
        pos = m.end()
    api = members.get("apiVersion") or ""
    kind = members.get("kind")
    if api.startswith("audit.k8s.io/") and kind in ("Event", "EventList"):
        return "audit"
    if kind in ("List", "PodList") or (kind is None and "items" in members):
        return "list"
    return None


def detect_format(head: bytes) -> str:
    """Guess the format of an input from its first bytes.

    Parameters
    ----------
    head : bytes
        The first bytes of the input (a few kilobytes are plenty; ``str`` is accepted too).
        It may stop in the middle of an object.

    Returns
    -------
    str
        One of :data:`FORMATS`. YAML unless the first non-blank character is ``{`` or ``[``.
        For JSON, the content decides first: watch events give ``"watch"``, audit events
        ``"audit"``, ``List``/``PodList`` objects ``"list"``; otherwise the framing: ``[`` gives
        ``"json-array"``, a first object that ends on its first line (or a head that ends
        within that line) ``"jsonl"``, and anything else ``"json-stream"``.

    Raises
    ------
    InputError
        If the head holds nothing but blanks.

    Examples
    --------
    >>> detect_format(b'{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete"}\\n')
    'audit'
    >>> detect_format(b'[\\n  {"kind": "Pod",')
    'json-array'
    >>> detect_format(b'{\\n  "apiVersion": "v1",\\n  "kind": "Pod",')
    'json-stream'
    >>> detect_format(b'{"kind": "Pod", "metadata": {}}\\n{"kind": "Pod"')
    'jsonl'
    >>> detect_format(b'{"type": "ADDED", "object": {')
    'watch'
    >>> detect_format(b'apiVersion: v1\\nkind: Pod\\n')
    'yaml'
    """
    if isinstance(head, str):
        text = head
    else:
        data = bytes(head)
        if data[:2] == b"\x1f\x8b":
            try:
                data = zlib.decompressobj(31).decompress(data)
            except zlib.error:
                raise InputError("invalid gzip data", expected="gzip-compressed text") from None
        if data.startswith(codecs.BOM_UTF16_LE):
            text = data[2:].decode("utf-16-le", "replace")
        elif data.startswith(codecs.BOM_UTF16_BE):
            text = data[2:].decode("utf-16-be", "replace")
        else:
            text = data.decode("utf-8", "replace")
    stripped = text.lstrip(" \t\r\n\ufeff")
    if not stripped:
        raise _error_at(Location("<input>", 1, 1, 0), "empty input: expected Pod objects", "Pod objects")
    first = stripped[0]
    if first not in "{[":
        return "yaml"
    body = stripped[1:].lstrip(" \t\r\n") if first == "[" else stripped
    content = _sniff_content(body)
    if content is not None:
        return content
    if first == "[":
        return "json-array"
    if "\n" not in stripped:
        return "jsonl"  # the head ends inside a long first line
    line = stripped.split("\n", 1)[0]
    try:
        _, end = _DECODER.raw_decode(line)
    except (ValueError, RecursionError):
        return "json-stream"
    return "jsonl" if not line[end:].strip() else "json-stream"


def _json_part(path: str, start: int, end: int | None, *, name: str, fmt: str, cls: _Classifier, line: int,
               index: int) -> Iterator[Observation]:
    """The observations of bytes ``[start, end)`` of a file (``end`` None: to its end), read by the
    JSON reader above as part of a whole-file read in framing ``fmt`` (``auto`` or ``jsonl``):
    ``start`` is a line start, ``line`` its 1-based number, ``index`` the next observation's index,
    ``cls`` the whole read's classifier (its object count and stats go on).  What
    `podmodel.oracle.lines` hands over for a line it does not read itself."""
    with open(path, "rb") as f:
        f.seek(start)
        left = None if end is None else end - start

        def read(n: int) -> bytes:
            nonlocal left
            if left is None:
                return f.read(n)
            data = f.read(min(n, left)) if left > 0 else b""
            left -= len(data)
            return data

        reader = _Decoder(b"", read)
        reader.start_offset = start
        text = _Text(reader, name)
        text.line = line
        for i, (pod, event, stamp, loc) in enumerate(_json_hits(text, cls, fmt), index):
            yield Observation(i, pod, event, loc, stamp)
