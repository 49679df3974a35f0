"""robot.goal_spans.GoalSpans: goal numbers as sorted disjoint spans, bounded by their count."""

import random

from vjepa_ros.robot.goal_spans import GoalSpans


def test_neighbours_join_and_a_gap_filled_joins_two_spans():
    spans = GoalSpans(8)
    for number in (2, 3, 5, 6, 9):
        spans.add(number)
    assert spans.spans == ((2, 3), (5, 6), (9, 9))
    spans.add(4)
    spans.add(8)
    spans.add(5)  # held already
    assert spans.spans == ((2, 6), (8, 9)) and spans.newest == 9
    assert 4 in spans and 7 not in spans and 1 not in spans and 10 not in spans


def test_a_discard_punches_a_hole_or_trims_an_end():
    spans = GoalSpans(8)
    for number in range(2, 11):
        spans.add(number)
    spans.discard(5)
    spans.discard(2)
    spans.discard(10)
    spans.discard(42)  # not held: nothing
    assert spans.spans == ((3, 4), (6, 9))
    for number in (3, 4):
        spans.discard(number)
    assert spans.spans == ((6, 9),)


def test_drop_through_keeps_only_the_newer_goals():
    spans = GoalSpans(8)
    for number in (2, 3, 4, 7, 8, 12):
        spans.add(number)
    spans.drop_through(3)
    assert spans.spans == ((4, 4), (7, 8), (12, 12))
    spans.drop_through(7)
    assert spans.spans == ((8, 8), (12, 12))
    spans.drop_through(12)
    assert not spans and spans.newest == 0


def test_past_the_cap_the_oldest_span_goes():
    spans = GoalSpans(3)
    for number in range(1, 12):
        spans.add(number)
    for number in (2, 4, 6, 8):  # five spans punched: the two oldest go
        spans.discard(number)
    assert spans.spans == ((5, 5), (7, 7), (9, 11))
    spans.add(13)  # a fourth: (5, 5) goes
    assert spans.spans == ((7, 7), (9, 11), (13, 13))


def random_step(spans: GoalSpans, plain: set, number: int, op: float, adds: float,
                discards: float) -> set:
    """Apply one random operation to ``spans`` and to ``plain``; return the new ``plain``.

    ``op`` in [0, 1): below ``adds`` an add, below ``discards`` a discard, else a drop through
    ``number`` (also ``test_breaker46q``'s capped comparison).
    """
    if op < adds:
        spans.add(number)
        plain.add(number)
    elif op < discards:
        spans.discard(number)
        plain.discard(number)
    else:
        spans.drop_through(number)
        plain = {n for n in plain if n > number}
    return plain


def test_it_agrees_with_a_plain_set_below_the_cap():
    """Random adds, discards and drops: the same membership as a set (the cap never reached)."""
    rng = random.Random(46)
    spans, plain = GoalSpans(10_000), set()
    for _ in range(5000):
        plain = random_step(spans, plain, rng.randint(1, 200), rng.random(), 0.6, 0.98)
        assert {n for low, high in spans.spans for n in range(low, high + 1)} == plain
        assert spans.newest == max(plain, default=0)
    lows = [low for low, _ in spans.spans]
    assert all(high + 1 < low for (_, high), low in zip(spans.spans, lows[1:], strict=False))
