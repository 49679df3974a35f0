"""Goal image files written byte by byte for the goal-file tests: TIFF pages, premultiplied alpha.

:data:`PIXELS`: a 48x64 RGB picture of random pixels; :func:`_tiff` writes an uncompressed
chunky RGB(A) TIFF of given pages and tags; :func:`_premultiplied_tiff` PIXELS with associated
alpha; :func:`_save` any pixels through Pillow. First written for breaker46h.
"""

import struct

import numpy as np
from PIL import Image

PIXELS = np.random.default_rng(4608).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def _tiff(path, pages, order="<", bits=8):
    """Write an uncompressed chunky RGB(A) TIFF: ``pages`` in IFD order.

    Each page: (pixels [H, W, 3 or 4], NewSubfileType) or (pixels, NewSubfileType, extra tags
    as (tag, type, count, value): Orientation (274), ExtraSamples (338), ...).
    """
    out = bytearray(b"II*\0" if order == "<" else b"MM\0*") + struct.pack(order + "I", 0)
    link = 4
    for pixels, subfile_type, *extra in pages:
        height, width, channels = pixels.shape
        data = pixels.astype(order + ("u2" if bits == 16 else "u1")).tobytes()
        data_at = len(out)
        out += data + b"\0" * (len(data) % 2)
        bits_at = len(out)
        out += struct.pack(order + "H" * channels, *[bits] * channels)
        tags = sorted([(254, 4, 1, subfile_type), (256, 4, 1, width), (257, 4, 1, height),
                       (258, 3, channels, bits_at), (259, 3, 1, 1), (262, 3, 1, 2),
                       (273, 4, 1, data_at), (277, 3, 1, channels), (278, 4, 1, height),
                       (279, 4, 1, len(data)), (284, 3, 1, 1), *(extra[0] if extra else ())])
        struct.pack_into(order + "I", out, link, len(out))
        out += struct.pack(order + "H", len(tags))
        for tag, kind, count, value in tags:
            short = kind == 3 and count == 1
            out += struct.pack(order + ("HHIHH" if short else "HHII"), tag, kind, count, value,
                               *([0] if short else []))
        link = len(out)
        out += struct.pack(order + "I", 0)
    path.write_bytes(bytes(out))


def _premultiplied_tiff(path, alpha):
    """Write PIXELS premultiplied by ``alpha`` (one value) as an associated-alpha RGBA TIFF."""
    colour = (PIXELS.astype(np.uint32) * alpha // 255).astype(np.uint8)
    rgba = np.concatenate([colour, np.full((48, 64, 1), alpha, np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(path)  # ExtraSamples 2 (unassociated) ...
    data = bytearray(path.read_bytes())
    at = data.find(struct.pack("<HHI", 338, 3, 1))
    assert at > 0 and data[at + 8:at + 10] == struct.pack("<H", 2)
    data[at + 8:at + 10] = struct.pack("<H", 1)  # ... made 1: associated (premultiplied)
    path.write_bytes(bytes(data))


def _save(path, pixels):
    Image.fromarray(pixels).save(path)
    return str(path)


class InlineDecoder:
    """A stand-in node's ``goal_decoder`` (``robot/goal_decoder.GoalDecoder``): decodes at once.

    For ``PlannerGoalImages._take_goal_image`` on a stand-in node: the decode runs inline and
    its outcome goes straight to ``PlannerGoalImages._apply_goal_image``, as the executor would
    apply it.
    """

    def __init__(self, node):
        self.node, self.requests = node, []

    def submit(self, what, decode):
        from vjepa_ros.nodes.planner_goal_images import PlannerGoalImages
        from vjepa_ros.robot.goal_decoder import Decoded

        self.requests.append(what)
        done = Decoded(len(self.requests), what)
        try:
            done.value = decode()
        except Exception as exc:  # noqa: BLE001 - as the decoder hands it over
            done.error = exc
        PlannerGoalImages._apply_goal_image(self.node, done)
        return done.ticket
