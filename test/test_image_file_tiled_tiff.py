"""Tiled TIFF goal images: ``images.load_image_file`` reads every tile exactly.

TileWidth/TileLength instead of strips (a scanner's, GIS or slide export): every pixel, the
edge tiles' padding cut off.

The files are written here byte by byte (TIFF 6.0, section 15: tags 322-325), uncompressed and
Deflate-compressed (Compression 8), with tiles that do not divide the image.
"""

import struct
import zlib

import numpy as np
import pytest

from vjepa_ros.images import ImageError, load_image_file


def _tiled_tiff(path, rgb: np.ndarray, tile: int, deflate: bool, lose_tile: bool = False):
    """Write ``rgb`` [H, W, 3] uint8 as a little-endian tiled TIFF of ``tile`` x ``tile``."""
    height, width, _ = rgb.shape
    tiles = []
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            block = np.zeros((tile, tile, 3), np.uint8)  # edge tiles padded (TIFF 6.0)
            part = rgb[top:top + tile, left:left + tile]
            block[:part.shape[0], :part.shape[1]] = part
            data = block.tobytes()
            tiles.append(zlib.compress(data) if deflate else data)
    if lose_tile:
        tiles[-1] = tiles[-1][: len(tiles[-1]) // 3]  # a copy cut short
    count = len(tiles)
    short = {256: width, 257: height, 259: 8 if deflate else 1, 262: 2, 277: 3, 284: 1,
             322: tile, 323: tile}
    entries = len(short) + 3  # + BitsPerSample, TileOffsets, TileByteCounts
    data_at = 8 + 2 + 12 * entries + 4
    bits_at, offsets_at = data_at, data_at + 6
    counts_at = offsets_at + 4 * count
    first_tile = counts_at + 4 * count
    offsets = np.cumsum([first_tile] + [len(t) for t in tiles[:-1]]).tolist()
    fields = {tag: struct.pack("<HHIHH", tag, 3, 1, value, 0) for tag, value in short.items()}
    fields[258] = struct.pack("<HHII", 258, 3, 3, bits_at)
    # a value of 4 bytes or less is kept in the entry itself (one tile), else where it points
    fields[324] = struct.pack("<HHII", 324, 4, count, offsets[0] if count == 1 else offsets_at)
    fields[325] = struct.pack("<HHII", 325, 4, count,
                              len(tiles[0]) if count == 1 else counts_at)
    out = b"II*\x00" + struct.pack("<IH", 8, entries)
    out += b"".join(fields[tag] for tag in sorted(fields)) + struct.pack("<I", 0)
    out += struct.pack("<3H", 8, 8, 8) + struct.pack(f"<{count}I", *offsets)
    out += struct.pack(f"<{count}I", *[len(t) for t in tiles]) + b"".join(tiles)
    path.write_bytes(out)


@pytest.fixture(scope="module")
def rgb():
    return np.random.default_rng(7).integers(0, 256, (300, 400, 3), dtype=np.uint8)


@pytest.mark.parametrize("tile", [16, 64, 512], ids=["16 px", "64 px", "one tile larger"])
@pytest.mark.parametrize("deflate", [False, True], ids=["raw", "deflate"])
def test_a_tiled_tiff_loads_every_pixel(tmp_path, rgb, tile, deflate):
    path = tmp_path / "goal.tif"
    _tiled_tiff(path, rgb, tile, deflate)
    loaded = load_image_file(str(path))
    assert loaded.shape == rgb.shape and loaded.dtype == np.uint8
    assert np.array_equal(loaded, rgb)


def test_a_tiled_tiff_with_a_tile_cut_short_is_refused_naming_the_file(tmp_path, rgb):
    path = tmp_path / "cut.tif"
    _tiled_tiff(path, rgb, 64, deflate=True, lose_tile=True)
    with pytest.raises(ImageError, match="cut.tif"):
        load_image_file(str(path))
