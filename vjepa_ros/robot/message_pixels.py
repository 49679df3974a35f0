"""The data of an image message as part of its key: equal when the bytes are, cheap to make.

``nodes/goal_images.message_key`` tells goal image messages apart by publisher, header, layout
and pixels. It hashed every message's data on the executor thread (blake2b-128 of a ``bytes``
copy: ~56 ms of CPU for a 4032x3024 rgb8 image, 36 MB, perf59), stalling the joint-state and
camera callbacks behind it, at the rate of a re-publisher (``image_publisher`` at 10 Hz).

:class:`MessagePixels` holds the data as it came (a view, no copy), its size and a strided
sample of :data:`SAMPLE_BYTES` bytes (~0.05 ms at 36 MB). Two are equal exactly when their bytes
are (the digest's 2^-128 chance aside, as before): different sizes or samples are unequal at
once; otherwise the bytes are compared (``np.array_equal`` in 1 MiB chunks: ~6 ms at 36 MB), or,
where one has given its data up, the blake2b-128 digests. :meth:`settle` computes the digest
and gives the data up; the goal decoder's thread calls it (hashlib lets go of the GIL), so a key
kept for long (``robot.resent_goals``) holds 16 bytes, not the image.

The data must not change after the key is made (rclpy hands each callback a message of its
own). Thread-safe: :meth:`settle` sets the digest before it drops the data, and readers read the
data before the digest.
"""

from __future__ import annotations

import hashlib

import numpy as np

SAMPLE_BYTES = 4096  # bytes sampled at an even stride: unequal images almost always differ here
CHUNK_BYTES = 1 << 20  # compared a chunk at a time (no 36 MB array of booleans)


def _bytes_view(data) -> memoryview:
    """Return a flat byte view of ``data`` (array.array('B'), bytes, numpy, a list of ints)."""
    try:
        return memoryview(data).cast("B")
    except TypeError:  # not a contiguous buffer (a list, a strided array): its bytes, copied
        return memoryview(bytes(data) if not hasattr(data, "tobytes") else data.tobytes())


class MessagePixels:
    """An image message's data [bytes] as a key part; ``size`` [bytes], ``sample`` (bytes)."""

    __slots__ = ("size", "sample", "_data", "_digest")

    def __init__(self, data):
        view = _bytes_view(data)
        self.size = view.nbytes
        self.sample = bytes(view[::max(1, self.size // SAMPLE_BYTES)]) + bytes(view[-16:])
        self._data: memoryview | None = view
        self._digest: bytes | None = None

    def digest(self) -> bytes:
        """Return the blake2b-128 digest of the data (computed once)."""
        data = self._data  # before the digest: settle() sets it before dropping the data
        digest = self._digest
        if digest is None:
            digest = self._digest = hashlib.blake2b(data, digest_size=16).digest()
        return digest

    def settle(self) -> None:
        """Compute the digest and give the data up (call off the executor: ~37 ms at 36 MB)."""
        self.digest()
        self._data = None

    def __eq__(self, other) -> bool:
        if not isinstance(other, MessagePixels):
            return NotImplemented
        if self is other:
            return True
        if self.size != other.size or self.sample != other.sample:
            return False
        mine, theirs = self._data, other._data
        if mine is not None and theirs is not None:
            return _same_bytes(mine, theirs)
        return self.digest() == other.digest()

    def __hash__(self) -> int:
        return hash((self.size, self.sample))

    def __repr__(self) -> str:
        return f"MessagePixels(size={self.size})"


def _same_bytes(first: memoryview, second: memoryview) -> bool:
    """Whether two byte views of one size hold the same bytes."""
    first, second = np.frombuffer(first, np.uint8), np.frombuffer(second, np.uint8)
    for start in range(0, first.size, CHUNK_BYTES):
        end = start + CHUNK_BYTES
        if not np.array_equal(first[start:end], second[start:end]):
            return False
    return True
