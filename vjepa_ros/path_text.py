r"""How a message names a user's file: on one line, whatever characters its name holds.

A file name may hold a line break (``a\nb.mcap``), a tab, or bytes that are no UTF-8; written
as it is, a one-line message or a pasted command naming it would span lines.
"""

from __future__ import annotations

import os


def shown_path(path: str | os.PathLike) -> str:
    r"""Return ``path`` as a one-line message names it: as it is, or ``$'...'`` quoted.

    A name holding a line break, a tab or another character that is not printable
    (``a\nb.mcap``; a byte that is no UTF-8, as ``os.fsdecode`` gives it) is written in bash's
    ANSI-C quoting, ``$'/data/a\nb.mcap'``, which a shell reads as that very name, so the
    message (and advice pasted from it) stays one line; any other path as ``str(path)``. Every
    message that names a user's file builds on it, as advice builds on
    ``input_paths.shell_command`` (which quotes such a word alike).
    """
    text = os.fspath(path)
    return text if text.isprintable() else ansi_c(text)


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}


def ansi_c(text: str) -> str:
    r"""Return ``text`` in bash's ANSI-C quoting, every character printable (``$'a\nb'``)."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: that byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "$'" + "".join(out) + "'"
