r"""Pack episode .npz files into one .tar.xz that fits the device tool's 64 MiB carry.

    cd manipulation_model_work   # scripts/make_manipulation_model.sh's episodes
    python ../benchmarks/device_pack.py --out ../.device_data/manipulation.tar.xz \
        train train2 reach

``vjepa-ros collect`` saves each episode deflate-compressed (~3.5 kB per 128x128 frame), which
cannot find what frames share; re-saved uncompressed (``np.savez``, the same arrays) and packed
together with xz they take ~1.5 kB per frame (session 38's measurement), so issue 15's ~21 000
frames fit the carry beside the tracked tree. benchmarks/device_check.py's posttrain stage
reads the file as it is (``--posttrain-data``; unpacked once on the machine). Paths inside the
archive are relative to each given folder's parent (``train/grasp_cup/episode_000000.npz``);
``pack.json`` at its top lists the folders, episodes and frames.

Prints one line per folder, then the archive's size, bytes per frame and what the carry holds
with the tracked tree (``git ls-files``). Refuses in one line, before writing anything: an
--out that exists (give another or remove it), a folder without episodes, two folders of the
same name (their paths would collide); and, removing what it wrote, an episode that cannot be
read (named). The archive is written to ``<out>.partial`` and renamed once whole.
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))  # device_runs

from device_runs import DEVICE_CARRY_BYTES  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

CARRY_BYTES = DEVICE_CARRY_BYTES  # the tree and the carried paths together
XZ_PRESET = 6  # xz -6: 3.3 s per 525 frames here, 12 % smaller than -1


NEEDED = ("observations", "states", "timestamps")  # what train reads of an episode


def episode_bytes(path: Path, notes: list[str]) -> tuple[bytes, int]:
    """Return the episode with its members stored uncompressed, and its frame count.

    Each ``.npy`` member is copied byte for byte (a pickled metadata too: nothing is parsed
    but the frames' array header). A member that cannot be read (a bad CRC) is left out with
    a line in ``notes`` unless train needs it (:data:`NEEDED`). Raises ValueError naming
    ``path`` when it is not a readable episode ``.npz``: not a zip, damaged, a member train
    needs missing or cut shorter than its header says, no ``observations`` [T, H, W, 3] or
    [1, T, H, W, 3].
    """
    members = {}
    try:
        with zipfile.ZipFile(path) as source:
            for info in source.infolist():
                try:
                    members[info.filename] = source.read(info)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                    if info.filename.removesuffix(".npy") in NEEDED:
                        raise
                    notes.append(f"{path}: its member {info.filename} cannot be read "
                                 f"({' '.join(str(exc).split())}): left out (train does not "
                                 "read it)")
        shapes = {name: _whole_array_shape(members, name) for name in NEEDED}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        why = (f"no {exc.args[0]}" if isinstance(exc, KeyError) else
               " ".join(str(exc).split()))
        raise ValueError(f"{path}: not a readable episode .npz ({why}); collect it again or "
                         "leave it out") from None
    shape = shapes["observations"]
    if len(shape) not in (4, 5):
        raise ValueError(f"{path}: holds no observations [T, H, W, 3] (or [1, T, H, W, 3]): "
                         "not a vjepa-ros episode")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as stored:
        for name, data in members.items():
            stored.writestr(name, data)
    return buffer.getvalue(), int(shape[-4])


def _whole_array_shape(members: dict, name: str) -> tuple:
    """Return the shape of member ``name`` (``name.npy`` or ``name``, as np.load finds it).

    Raises KeyError(name) when the episode has no such member, ValueError when its data is
    shorter than its header says (a file cut short inside the member: train refuses it).
    """
    import numpy as np

    data = members.get(f"{name}.npy", members.get(name))
    if data is None:
        raise KeyError(name)
    member = io.BytesIO(data)
    version = np.lib.format.read_magic(member)
    reader = {(1, 0): np.lib.format.read_array_header_1_0}.get(
        version, np.lib.format.read_array_header_2_0)
    shape, _, dtype = reader(member)
    if not dtype.hasobject and len(data) < member.tell() + math.prod(shape) * dtype.itemsize:
        raise ValueError(f"its {name} hold {len(data) - member.tell()} bytes where their header "
                         f"says {math.prod(shape) * dtype.itemsize} (cut short)")
    return shape


def tracked_bytes(leave_out: Path | None = None) -> int | None:
    """Bytes of what the device tool copies of this checkout, or None (no git).

    The tracked files and the untracked ones git does not ignore (the tool copies those too:
    e.g. an ``init_s0.pt`` copied into the checkout, 8.3 MB); ``leave_out``: the pack itself
    (counted on its own).
    """
    try:
        names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                "--exclude-standard"], cwd=ROOT, capture_output=True,
                               check=True, timeout=60).stdout.decode().split("\0")
    except (OSError, subprocess.SubprocessError):
        return None
    skip = leave_out.resolve() if leave_out else None
    return sum((ROOT / name).stat().st_size for name in names
               if name and (ROOT / name).is_file() and (ROOT / name).resolve() != skip)


def episodes_of(folders: list[Path], notes: list[str]) -> list[tuple[Path, str]]:
    """Return ``(file, name in the archive)`` of every episode under the folders, sorted.

    The episodes ``vjepa-ros train`` reads in them (``train.episodes.find_sources``: symlinked
    folders too; each recording once, also where the folders overlap or one is given twice or
    through a link), with what it skips (an upper-case ``.NPZ``, a broken link) in ``notes``;
    each named under its folder's own name (``.`` and ``..`` resolved). Raises ValueError for a
    folder that is missing, holds no episode, holds a bag (the GPU machine cannot read bags:
    named), or shares its name with another given folder.
    """
    from vjepa_ros.train.episodes import find_sources

    found, names, seen = [], {}, set()
    for given in folders:
        folder = given.expanduser().resolve()  # '.', '..', a link: the folder's own name
        if not folder.is_dir():
            raise ValueError(f"{given}: not a folder of episodes (vjepa-ros collect --out)")
        if not folder.name:
            raise ValueError(f"{given}: give a folder below the file system's root")
        if names.get(folder.name, folder) != folder:
            raise ValueError(f"{given} and {names[folder.name]}: two folders named "
                             f"{folder.name!r} would share their paths in the archive; give "
                             "their parent folder instead")
        names[folder.name] = folder
        sources = find_sources([folder], notes)
        bags = [source.path for source in sources if source.kind != "npz"]
        if bags:
            raise ValueError(f"{bags[0]}: a rosbag2 bag ({len(bags)} in {given}): the GPU "
                             "machine cannot read bags (no rosbags); pack folders of .npz "
                             "episodes, or move the bags out")
        for source in sources:  # a recording another folder given holds: once
            if source.path.resolve() not in seen:
                seen.add(source.path.resolve())
                found.append((source.path,
                              f"{folder.name}/{source.path.relative_to(folder).as_posix()}"))
    return found


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path,
                        help="folders of episode .npz files (searched recursively)")
    parser.add_argument("--out", type=Path, required=True,
                        help="the archive to write, e.g. .device_data/manipulation.tar.xz")
    args = parser.parse_args(argv)
    from tqdm import tqdm

    out = args.out.expanduser()
    if not out.name.endswith(".tar.xz"):
        parser.error(f"--out {out}: name it *.tar.xz (device_check.py reads it by its suffix)")
    if out.exists():
        parser.error(f"--out {out} exists: give another name or remove it")
    if not out.parent.is_dir():
        parser.error(f"--out {out}: its folder {out.parent} does not exist")
    notes: list[str] = []
    try:
        episodes = episodes_of([folder.expanduser() for folder in args.folders], notes)
    except ValueError as exc:
        parser.error(str(exc))
    partial = out.with_name(out.name + ".partial")
    started = time.perf_counter()
    frames, raw, counts = 0, 0, {}
    try:
        with tarfile.open(partial, "w:xz", preset=XZ_PRESET) as tar:
            for path, name in tqdm(episodes, unit="episode", desc="pack", dynamic_ncols=True):
                data, count = episode_bytes(path, notes)
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(data), int(path.stat().st_mtime)
                tar.addfile(info, io.BytesIO(data))
                frames, raw = frames + count, raw + len(data)
                top = name.split("/")[0]
                counts[top] = [counts.get(top, [0, 0])[0] + 1, counts.get(top, [0, 0])[1] + count]
            manifest = json.dumps({"folders": {top: {"episodes": e, "frames": f}
                                               for top, (e, f) in counts.items()},
                                   "episodes": len(episodes), "frames": frames}, indent=1)
            info = tarfile.TarInfo("pack.json")
            info.size = len(manifest.encode())
            tar.addfile(info, io.BytesIO(manifest.encode()))
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    size = out.stat().st_size
    for note in dict.fromkeys(notes):
        print(f"note: {note}")
    for top, (count, top_frames) in counts.items():
        print(f"{top}: {count} episodes, {top_frames} frames")
    print(f"{out}: {len(episodes)} episodes, {frames} frames, {size / 1e6:.1f} MB "
          f"({size / max(1, frames):.0f} B per frame; {raw / 1e6:.0f} MB unpacked), "
          f"{time.perf_counter() - started:.0f} s")
    tree = tracked_bytes(leave_out=out)
    if tree is not None:
        total = tree + size
        verdict = "fits" if total <= CARRY_BYTES else "does NOT fit: pack fewer episodes"
        print(f"carry: {size / 2**20:.1f} MiB + the tracked tree {tree / 2**20:.1f} MiB = "
              f"{total / 2**20:.1f} of {CARRY_BYTES / 2**20:.0f} MiB: {verdict}")
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script

    raise SystemExit(run_script(main))
