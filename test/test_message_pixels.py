"""Goal image message keys without hashing on the executor (``robot/message_pixels.py``): perf59.

``goal_images.message_key`` hashed each goal message's data (blake2b-128) on the executor
thread; its data part is now a ``MessagePixels`` (size, strided sample, the data itself; hashed
by ``settle()`` on the goal decoder's thread). Checked: the same messages count as the same as
with the old key (a byte changed where the sample looks and where it does not, the last byte,
the size, the stamp, the layout, the publisher; raw and compressed), whatever was settled; every
kind of data rclpy or a caller gives (array.array, bytes, numpy, a list); no hash for a key or
a copy's compare; a settled key lets its data go; settling on another thread while the
executor compares. ROS-free but for the message types, CPU.
"""

import array
import hashlib
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from vjepa_ros.nodes import goal_images
from vjepa_ros.nodes.goal_images import GoalImages, message_key
from vjepa_ros.robot import message_pixels
from vjepa_ros.robot.message_pixels import SAMPLE_BYTES, MessagePixels

SIZE = 3 * SAMPLE_BYTES * 7 + 5  # a stride of 21 bytes: most bytes unsampled


def _old_key(message, sender):
    """Return the key as it was before perf59 (the digest of a bytes copy of the data)."""
    header = message.header
    digest = hashlib.blake2b(bytes(message.data), digest_size=16).digest()
    layout = ((str(message.format),) if hasattr(message, "format")
              else (message.height, message.width, message.encoding))
    return (sender, header.stamp.sec, header.stamp.nanosec, header.frame_id, *layout, digest)


def _message(data, sec=7, frame_id="cam", encoding="rgb8", compressed=False):
    header = SimpleNamespace(stamp=SimpleNamespace(sec=sec, nanosec=0), frame_id=frame_id)
    if compressed:
        return SimpleNamespace(header=header, format="jpeg", data=data)
    return SimpleNamespace(header=header, height=1, width=len(data) // 3, encoding=encoding,
                           data=data)


def _variants(base: bytes):
    """Return data unlike ``base`` in one byte each (sampled, unsampled, last) or in size."""
    stride = max(1, len(base) // SAMPLE_BYTES)
    out = []
    for index in (0, stride, stride + 1, len(base) // 2 + 1, len(base) - 17, len(base) - 1):
        changed = bytearray(base)
        changed[index] ^= 1
        out.append(bytes(changed))
    return out + [base[:-1], base + b"\x00", b""]


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("settle", ["none", "first", "second", "both"])
def test_the_same_messages_are_the_same_as_with_the_hash(compressed, settle):
    base = np.random.default_rng(0).integers(0, 256, SIZE, dtype=np.uint8).tobytes()
    datas = [base, bytes(base)] + _variants(base)
    messages = [_message(d, compressed=compressed) for d in datas] + [
        _message(base, sec=8, compressed=compressed), _message(base, frame_id="other",
                                                               compressed=compressed)]
    if not compressed:
        messages.append(_message(base, encoding="bgr8"))
    for a in messages:
        for b in messages:
            for senders in ((None, None), ("p1", "p1"), ("p1", "p2")):
                first, second = message_key(a, senders[0]), message_key(b, senders[1])
                if settle in ("first", "both"):
                    first[-1].settle()
                if settle in ("second", "both"):
                    second[-1].settle()
                expected = _old_key(a, senders[0]) == _old_key(b, senders[1])
                assert (first == second) is expected
                assert (first != second) is not expected
                if expected:
                    assert hash(first) == hash(second)


@pytest.mark.parametrize("kind", [bytes, bytearray, lambda b: array.array("B", b),
                                  lambda b: np.frombuffer(b, np.uint8),
                                  lambda b: np.frombuffer(b, np.uint8).reshape(1, -1),
                                  lambda b: np.frombuffer(b, np.uint8).repeat(2)[::2], list],
                         ids=["bytes", "bytearray", "array", "numpy", "numpy 2-D",
                              "numpy strided", "list"])
def test_every_kind_of_data_is_its_bytes(kind):
    base = np.random.default_rng(1).integers(0, 256, SIZE, dtype=np.uint8).tobytes()
    pixels = MessagePixels(kind(base))
    assert pixels.size == len(base)
    assert pixels == MessagePixels(base)
    assert pixels.digest() == hashlib.blake2b(base, digest_size=16).digest()
    for other in _variants(base):
        assert pixels != MessagePixels(kind(other))


def test_no_hash_on_the_executor_for_a_key_or_a_copy(monkeypatch):
    """A message and its copy on the other subscription: no blake2b; the taken one settles."""
    hashed = []
    real = hashlib.blake2b
    monkeypatch.setattr(message_pixels.hashlib, "blake2b",
                        lambda *a, **k: hashed.append(1) or real(*a, **k))
    taken = []
    node = SimpleNamespace(
        config=SimpleNamespace(safety=SimpleNamespace(take_unnamed_publishers=True)),
        get_publishers_info_by_topic=lambda topic: [],
        get_logger=lambda: SimpleNamespace(warning=print, info=print))
    goals = GoalImages(node, lambda message, key: taken.append(key))
    image = _message(bytes(range(256)) * 300)
    goals.arrived(image, "/goal", "p1", "latched")
    goals.arrived(_message(bytes(range(256)) * 300), "/goal", "p1", "volatile")  # its copy
    assert len(taken) == 1 and hashed == [], "the copy dropped without a hash"
    taken[0][-1].settle()  # the decoder's thread
    assert hashed == [1] and taken[0][-1]._data is None, "settled: the data let go"
    assert taken[0] == message_key(image, "p1")  # and still the same message (digest)


def test_old_first_arrivals_let_their_data_go(monkeypatch):
    clock = SimpleNamespace(now=100.0)
    monkeypatch.setattr(goal_images, "time", SimpleNamespace(monotonic=lambda: clock.now))
    node = SimpleNamespace(
        config=SimpleNamespace(safety=SimpleNamespace(take_unnamed_publishers=True)),
        get_publishers_info_by_topic=lambda topic: [],
        get_logger=lambda: SimpleNamespace(warning=print, info=print))
    goals = GoalImages(node, lambda message, key: None)
    goals.arrived(_message(b"abc"), "/goal", "p1", "latched")
    clock.now += goal_images.COPY_S
    goals.arrived(_message(b"abd"), "/goal", "p1", "latched")
    assert [first[0][-1].size for first in goals.recent] == [3] and len(goals.recent) == 1


def test_settling_on_another_thread_while_compared():
    base = np.random.default_rng(2).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    for _ in range(20):
        pixels, same, other = (MessagePixels(base), MessagePixels(bytes(base)),
                               MessagePixels(_variants(base)[2]))
        thread = threading.Thread(target=pixels.settle)
        thread.start()
        results = [(pixels == same, pixels == other) for _ in range(5)]
        thread.join()
        assert results == [(True, False)] * 5 and pixels == same and pixels != other
