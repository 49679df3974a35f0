"""Counted nouns in printed lines: ``1 step``, ``2 steps`` (never ``1 steps``)."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """Return ``"NUMBER NOUN"`` with the noun plural unless ``number`` is 1.

    ``plural``: the plural where it is not ``noun + "s"`` (``success``: ``successes``).
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
