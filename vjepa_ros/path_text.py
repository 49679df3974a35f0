r"""How a message names a user's file: on one line, whatever characters its name holds.

A file name may hold a line break (``a\nb.mcap``), a tab, or bytes that are no UTF-8; written
as it is, a one-line message or a pasted command naming it would span lines.
"""

from __future__ import annotations

import os
import re

# A run of whitespace holding a line break (any that str.splitlines breaks at), with the indent
# around it: where a library's multi-line message is joined (one_line).
_LINE_BREAK = re.compile(r"[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*"
                         r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]\s*")


def shown_path(path: str | os.PathLike) -> str:
    r"""Return ``path`` as a one-line message names it: as it is, or ``$'...'`` quoted.

    A name holding a line break, a tab or another character that is not printable
    (``a\nb.mcap``; a byte that is no UTF-8, as ``os.fsdecode`` gives it) is written in bash's
    ANSI-C quoting, ``$'/data/a\nb.mcap'``, which a shell reads as that very name, so the
    message (and advice pasted from it) stays one line; so is one that begins or ends in
    whitespace (``$'/data/x.pt '``: a pasted path's space, invisible unquoted at the end of a
    line or before a colon); any other path as ``str(path)``. Every
    message that names a user's file builds on it, as advice builds on
    ``path_advice.shell_command`` (which quotes such a word alike).
    """
    text = os.fspath(path)
    return text if text.isprintable() and text == text.strip() else ansi_c(text)


def whitespace_problem(text: str) -> str:
    """Say that path ``text`` begins or ends in whitespace, and what it may mean ("" if not).

    ``begins or ends in whitespace, which is part of a file name: did you mean '/data/x.pt'?``,
    to go after the path in a message saying it was not found.
    """
    if text == text.strip():
        return ""
    return (f"begins or ends in whitespace, which is part of a file name: did you mean "
            f"{text.strip()!r}?")


def one_line(text: str) -> str:
    r"""Return a message on one line: each line break, with the indent around it, one space.

    For an exception's text (a library's multi-line message: PyYAML's ``in "<file>", line
    3``). Spaces on a line are kept as they are: a path with two spaces in a row
    (``/data/my  run``) stays that path (``" ".join(text.split())`` once named another file);
    a path with a line break is no such text, :func:`shown_path` writes it ``$'a\nb'``.
    Leading and trailing whitespace is dropped.
    """
    return _LINE_BREAK.sub(" ", text).strip()


def named_once(path: str | os.PathLike, message: str) -> str:
    r"""Return a loader's ``message`` about ``path`` naming it once, on one line.

    As it is when it names ``path`` by :func:`shown_path` already; a raw naming (a loader's
    ``f"{path}: ..."``, two lines for ``a\nb.npz``) written as :func:`shown_path`; else
    prefixed with it (``PATH: message``).
    """
    text = os.fspath(path)
    shown = shown_path(text)
    if shown in message:
        return message
    if text in message:
        return message.replace(text, shown)
    return f"{shown}: {message}"


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}


def ansi_c(text: str) -> str:
    r"""Return ``text`` in bash's ANSI-C quoting, every character printable (``$'a\nb'``).

    A character that is not printable is written as its UTF-8 bytes (a no-break space as
    ``\xc2\xa0``), which bash reads back as that very name in any locale; a byte that is no
    UTF-8 (``os.fsdecode``'s surrogate escape) as that one byte (``\xff``).
    """
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: that byte
            out.append(f"\\x{code - 0xDC00:02x}")
        else:  # its UTF-8 bytes: bash reads \xHH as one raw byte, \uHHHH only in a UTF-8 locale
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
    return "$'" + "".join(out) + "'"

