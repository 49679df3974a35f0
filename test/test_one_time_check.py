"""``bag_stamps.check_one_time`` (majority stamp by median first) against its first form.

The first form found the commonest (header stamp, receive time) pair with ``np.unique`` over
all N pairs (414 ms at 600k messages); the check now looks only at the messages holding the
median stamp, the one stamp that can be held by over half of them. Kept below as the reference:
on seeded random topics (few distinct times, stamps of 0, negatives, other topics of one time
or not) both refuse the same topics with the same words, or both pass.
"""

import numpy as np
import pytest

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_stamps import ONE_TIME_MIN, check_one_time, header_stamps_unset

S = 1_000_000_000


def _reference(path, topic, stamps, received, others=(), held=False):
    """check_one_time as written at 7f6caf7f (the full pair count), for comparison."""
    if held or len(stamps) < ONE_TIME_MIN or header_stamps_unset(stamps, received):
        return
    pairs, counts = np.unique(np.stack([stamps, received], axis=1), axis=0, return_counts=True)
    most = int(np.argmax(counts))
    shared = int(counts[most])
    if shared < ONE_TIME_MIN or 2 * shared <= len(stamps):
        return
    every = shared == len(stamps) and all(
        len(r) and not np.ptp(s) and not np.ptp(r) for s, r in others)
    what = (f"every message of every topic read, {topic}'s {len(stamps)} too," if every and others
            else f"all {len(stamps)} messages of {topic}" if shared == len(stamps)
            else f"{shared} of the {len(stamps)} messages of {topic}")
    stamp, receipt = int(pairs[most, 0]) / 1e9, int(pairs[most, 1]) / 1e9
    raise BagError(f"{path}: {what} carry one time, by header stamp ({stamp:.3f} s) and by "
                   f"receipt ({receipt:.3f} s) alike (a converter that gave them one time?): "
                   "neither clock times them (no --stamps can); record again, or convert "
                   "keeping each message's time")


def _outcome(check, *args, **kwargs):
    try:
        check(*args, **kwargs)
    except BagError as exc:
        return str(exc)
    return None


def _topic(rng, n):
    """Stamps and receive times [n, ns, int64] drawn from a few values (collisions likely)."""
    kind = rng.integers(6)
    if kind == 0:  # one time for a share of the messages, the rest a running clock
        stamps = np.arange(1, n + 1, dtype=np.int64) * S // 4
        received = stamps + 3_000_000
        held = rng.random(n) < rng.choice([0.3, 0.5, 0.51, 0.7, 0.9, 1.0])
        stamps[held], received[held] = 7 * S, 7 * S + rng.integers(2) * S
        return stamps, received
    pool = rng.integers(1, 4 if kind < 3 else 40, size=2)
    stamps = rng.integers(0 if kind == 3 else 1, pool[0] + 1, size=n).astype(np.int64) * S
    received = rng.integers(1, pool[1] + 1, size=n).astype(np.int64) * S
    if kind == 4:
        stamps[rng.random(n) < 0.1] = 0  # a few unset stamps
    if kind == 5 and n:
        stamps[rng.integers(n)] = -S  # a negative stamp: unset
    return stamps, received


@pytest.mark.parametrize("seed", range(6))
def test_the_majority_check_agrees_with_the_full_pair_count(seed):
    """500 random topics a seed: the reference's verdict and words, ``unset`` given or not."""
    rng = np.random.default_rng(seed)
    refused = 0
    for _ in range(500):
        n = int(rng.choice([0, 2, 3, 4, 5, 7, 8, 9, 16, 33, 200]))
        stamps, received = _topic(rng, n)
        others = [_topic(rng, int(rng.integers(1, 6))) for _ in range(rng.integers(3))]
        if rng.random() < 0.3:  # every other topic of one time too
            others = [(np.full(3, 7 * S), np.full(3, 7 * S)) for _ in others]
        held = bool(rng.random() < 0.1)
        expected = _outcome(_reference, "b", "/t", stamps, received, others, held)
        unset = None if rng.random() < 0.5 else header_stamps_unset(stamps, received)
        got = _outcome(check_one_time, "b", "/t", stamps, received, lambda o=others: o, held,
                       unset)
        assert got == expected, (stamps, received, others, held)
        refused += expected is not None
    assert refused > 20  # the random topics reach the refusal, not only the early returns


def test_the_other_topics_are_read_only_to_word_a_refusal():
    """A topic of distinct times never asks for the others' arrays; one of one time does."""
    asked = []
    times = np.arange(1, 9, dtype=np.int64) * S

    def others():
        asked.append(True)
        return [(np.full(3, S), np.full(3, S))]

    check_one_time("b", "/t", times, times + 1, others)
    assert not asked
    with pytest.raises(BagError, match="every message of every topic read"):
        check_one_time("b", "/t", np.full(8, S), np.full(8, S), others)
    assert asked


@pytest.mark.parametrize("shared, words", [(8, "all 8 messages of /t"),
                                           (7, "7 of the 8 messages of /t"),
                                           (6, "6 of the 8 messages of /t")])
def test_the_breaker_cases_are_refused_naming_the_shared_time(shared, words):
    """breaker52f/52l's shapes: 8, 7 or 6 of 8 messages at one time (header, receipt): refused."""
    stamps = np.arange(8, dtype=np.int64) * S // 4 + 5 * S
    stamps[:shared] = 5 * S
    received = stamps + 2_000_000
    with pytest.raises(BagError) as info:
        check_one_time("bag", "/t", stamps, received)
    assert words in str(info.value) and "header stamp (5.000 s)" in str(info.value)
    assert "receipt (5.002 s)" in str(info.value)
    assert check_one_time("bag", "/t", stamps[:3], received[:3]) is None  # 3: held, a sim's start
