"""A training run's data: episodes found, split, encoded once into feature banks, with notes.

:func:`load_banks` finds and splits the sources (``--data``/``--val``), refuses data a resumed
run did not train on, encodes every frame once (through the on-disk cache of
:func:`feature_cache_dir` when there is one) and returns the train and validation
``FeatureBank`` with what the log says about them; :func:`read_notes` names each note's source
once; :func:`clip_fix` is the advice for a source shorter than a clip.
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.config import ConfigError
from vjepa_ros.image_notes import grouped_frame_size_notes, input_size
from vjepa_ros.models import VisionEncoder
from vjepa_ros.name_lists import first_names
from vjepa_ros.path_text import named_once, shown_path
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_gripper import NO_GRIPPER_NOTE
from vjepa_ros.recordings.episode import recorded_success
from vjepa_ros.recordings.split_parts import refuse_split_parts
from vjepa_ros.train.bag_only import unused_bag_note
from vjepa_ros.train.config import TrainConfig
from vjepa_ros.train.data_identity import data_identity, resume_change
from vjepa_ros.train.distributed import Topology, current, rank_device, refuse_together
from vjepa_ros.train.episode_split import SPLIT_RULE, split_sources
from vjepa_ros.train.episodes import (
    EpisodeError,
    find_sources,
    load_segments,
    no_usable_source,
)
from vjepa_ros.train.feature_cache import FeatureCache, build_shards, cache_key, shard_bank
from vjepa_ros.train.features import FeatureBank, FrameEncoder
from vjepa_ros.train.mapped_banks import mapped_bank
from vjepa_ros.train.npz_episode import grouped_rate_notes
from vjepa_ros.train.run_files import run_files
from vjepa_ros.train.same_content import agreed_same_steps, copy_words, storage_format
from vjepa_ros.train.same_recording import in_train_and_val, shared_recordings
from vjepa_ros.train.stale_frames import grouped_stale_notes
from vjepa_ros.train.trainer import compute_dtype


def feature_cache_dir(config: TrainConfig, topology: Topology | None = None) -> Path | None:
    """Return the on-disk feature cache of a run, or None (features in memory only).

    Under torchrun (``topology`` of more than one process) the cache is always on disk,
    ``<out>/features`` unless given: the ranks share the encoding and the mapped features.
    """
    data = config.data
    if data.feature_cache_dir:
        return Path(data.feature_cache_dir).expanduser()
    if data.feature_cache == "disk" or (topology is not None and topology.distributed):
        return Path(config.out).expanduser() / "features"
    return None


def load_banks(config: TrainConfig, encoder: VisionEncoder, topology: Topology | None = None,
               log=print, stored_data: dict | None = None, legacy_split: bool = False,
               held_out: list[str] | None = None, path_order: bool = False):
    """Find, split, load and encode the episodes: (train bank, val bank or None, info).

    ``stored_data``: a resumed run's ``data_identity`` (None: a new run, or one older than it):
    data that differs from it is refused (ConfigError naming what was added, removed, changed)
    before anything is read. ``info["data_identity"]`` is what latest.pt stores.
    ``legacy_split``: hold out sources by count, as runs did before they stored their data (a
    resumed one keeps its split); otherwise by frames (``episode_split.split_sources``), drawn over
    the sources ranked by their content digests (``path_order``: by their paths, as runs did
    before they stored ``held_out``). ``held_out``: a resumed run's held-out sources' digests
    (``info["held_out"]``, what latest.pt stores): its split is taken as it is, wherever the
    data lies now.

    With an on-disk cache (:func:`feature_cache_dir`) the features come from its shards and
    only missing sources are read and encoded, split over the ranks; the banks' representations
    are then memory-mapped files shared by the ranks of a machine (see ``feature_cache``).
    """
    topology = topology or current()
    data = config.data
    skipped: list[str] = []  # broken symlinks in the data folders
    sources = find_sources(data.train, skipped)
    val_sources = find_sources(data.val, skipped) if data.val else []
    for note in skipped:
        log(f"note        {note}")
    unused = unused_bag_note(sources + val_sources, data)
    if unused:
        log(f"note        {unused}")
    groups = {"--data": sources, "--val": val_sources}
    identity = data_identity(groups)
    # First, before anything that depends on the data (the split): a resumed run's refusal
    # names what changed, not a consequence of it.
    change = None if stored_data is None else resume_change(stored_data, groups, identity)
    if change:
        raise ConfigError(
            f"the data differs from what this run trained on ({change}): --resume continues a "
            "run on the same data; put the data back as it was, or train on this data in a new "
            f"run: --out NEW_DIR --init {run_files(config.out)['latest']} (starts from this "
            "run's predictor)")
    if not data.val:  # one source: refused before it is encoded, for its own fault first
        try:
            split_sources(sources, data.val_fraction, config.seed)
        except EpisodeError:  # a frozen camera, too short: that, not the split (user54u)
            for source in sources:
                load_segments(source, data)
            raise
    # by data files, not by path; a copy by the digests just taken
    shared = shared_recordings(sources, val_sources, {**identity["--data"], **identity["--val"]})
    if shared:
        raise EpisodeError(in_train_and_val(shared))
    try:  # one split recording's loose parts in --data and --val: the next part would validate
        if val_sources:  # --data alone was checked when it was found (find_sources)
            refuse_split_parts([s.path for s in sources + val_sources
                                if s.kind == "bag" and s.path.is_file()])
    except BagError as exc:
        raise EpisodeError(str(exc)) from None
    device = rank_device(config.device, topology)
    encode = FrameEncoder(encoder, device, compute_dtype(config, device),
                          (data.aspect_ratio_min, data.aspect_ratio_max), data.encode_batch,
                          data.feature_dtype)
    directory = feature_cache_dir(config, topology)
    cache = FeatureCache(directory, cache_key(encode, data)) if directory else None
    shards, counts = build_shards(sources + val_sources, data, encode, cache, topology,
                                  config.progress, log, clip_fix(config.auto_steps))
    duplicate_frames = 0  # encoded (or read from disk) before they were found to be copies
    for first, other in agreed_same_steps(sources + val_sources, shards, topology):
        alike = copy_words(shards[first], shards[other],
                           (storage_format(first), storage_format(other)))
        if other in val_sources and first not in val_sources:
            raise EpisodeError(
                f"--val {shown_path(other.path)} holds the same steps as "
                f"{shown_path(first.path)} in --data ({alike}, e.g. after ros2 bag convert or "
                "a JPEG bag-from-npz?): a recording validated on must not be trained on; give "
                "each recording to one of --data and --val only")
        duplicate_frames += int(shards[other]["lengths"].sum())
        del shards[other]  # read once: the first path's steps stand for both
        log(f"note        skipped {shown_path(other.path)}: the same steps as "
            f"{shown_path(first.path)} ({alike}), read once")
    train_sources, split, info_held = sources, None, None
    if not data.val:  # held out among the usable sources: a short one is left out of both
        usable = [source for source in sources if source in shards]
        refuse_together(None if usable else no_usable_source(sources, counts["left_out"],
                                                              "source"), topology)
        digests = {s: identity["--data"][str(s.path.expanduser().resolve())] for s in usable}
        if held_out is not None:  # a resumed run's split, by content: exactly as it was
            train_sources = [s for s in usable if digests[s] not in held_out]
            val_sources = [s for s in usable if digests[s] in held_out]
        else:
            frames = None if legacy_split else \
                {s: int(shards[s]["lengths"].sum()) for s in usable}
            train_sources, val_sources = split_sources(
                usable, data.val_fraction, config.seed, counts["left_out"], frames,
                None if legacy_split or path_order else digests)
        split = "by count (this run's, from before splits by frames)" if legacy_split \
            else SPLIT_RULE
        info_held = sorted(digests[s] for s in val_sources)
    info: dict = {"tokens_per_frame": encode.tokens_per_frame, "data_identity": identity,
                  "split": split, "held_out": info_held,
                  "notes": read_notes(train_sources + val_sources, shards, counts["left_out"],
                                      encoder.img_size)}
    for note in info["notes"]:  # now, as the data is read (not after training)
        log(f"note        {note}")
    info["frame_sizes"] = frame_sizes(
        [shards[source] for source in train_sources if source in shards])
    # any training state at data.topics.tcp_xyz: the point is recorded (model_records)
    info["labelled_at_tcp"] = any(shards[source].get("at_tcp", True)
                                  for source in train_sources if source in shards)
    # any training closedness from finger widths: gripper_max_width is recorded (model_records).
    # A cache shard from before fix61c (14c7b7fd) has no "from_widths": whether its closedness
    # came from finger widths is unknown, so it counts as from widths and the width is recorded,
    # as every model recorded it then (a planner told of a width that scaled nothing beats one
    # never told of a width that did)
    info["gripper_from_widths"] = any(shards[source].get("from_widths", True)
                                      for source in train_sources if source in shards)
    banks = []
    for label, given in (("train", train_sources), ("val", val_sources)):
        group = [source for source in given if source in shards]  # short ones left out
        refuse_together(no_usable_source(given, counts["left_out"], f"{label} source")
                        if given and not group else None, topology)
        if not group:
            banks.append(None)
            continue
        if cache is not None:
            bank = mapped_bank(cache, group, shards, topology, log)
        else:
            bank = FeatureBank.concat([shard_bank(shards[s]) for s in group])
        info[label] = {"sources": len(group), "segments": len(bank.names),
                       "frames": bank.num_frames, "clips": bank.num_clips(data.frames_per_clip),
                       "names": [s.name for s in group],
                       "failed": [s.name for s in group if s.kind == "npz"
                                  and recorded_success(s.path) is False]}
        banks.append(bank)
    info["features"] = {
        "encoded": counts["encoded"], "from_disk": counts["from_disk"],
        "duplicate_frames": duplicate_frames, "seconds": counts["seconds"],
        "dtype": data.feature_dtype,
        "megabytes": sum(b.reps.numel() * b.reps.element_size() for b in banks if b) / 2**20,
        "cache": str(directory) if directory else None,
        "disk_megabytes": None if counts["disk_bytes"] is None else counts["disk_bytes"] / 2**20,
    }
    return banks[0], banks[1], info


def clip_fix(auto_steps: int):
    """Return train's advice for a source shorter than one clip (``episodes.ClipFix``).

    Only settings train accepts: clips of at least ``auto_steps`` + 1 frames, so a source of
    fewer frames needs a lower ``--auto-steps`` too.
    """
    def fix(path: Path, longest: int) -> str:
        if longest > auto_steps:
            return f"give --frames-per-clip {longest}"
        if longest >= 2:
            return (f"give --frames-per-clip {longest} --auto-steps {longest - 1} (--auto-steps "
                    f"{auto_steps} needs clips of >= {auto_steps + 1} frames)")
        return ""

    return fix


def frame_sizes(shards: list[dict]) -> list[list[int]] | None:
    """Return the distinct [height, width] [px] frame sizes of ``shards``, in first-seen order.

    What the exported world model records as the size of its training frames
    (``save_world_model(data=...)``); None when a shard does not know its size (a cache written
    before shards recorded it) or there is no shard: a partial list would misstate the data.
    """
    sizes = [shard_sizes(shard) for shard in shards]
    if not sizes or any(size is None for size in sizes):
        return None
    return [list(size) for size in dict.fromkeys(tuple(int(n) for n in size)
                                                 for each in sizes for size in each)]


def shard_sizes(shard: dict) -> list | None:
    """Return a shard's frame sizes [[height, width], ...] px (None: its cache predates them).

    Its ``frame_sizes`` (several for a camera whose resolution changed mid-recording), else its
    one ``frame_size`` (shards written before).
    """
    sizes = shard.get("frame_sizes")
    if sizes is not None:
        return [list(size) for size in sizes]
    size = shard.get("frame_size")
    return None if size is None else [list(size)]


def read_notes(sources, shards: dict, left_out: list[str], model_size) -> list[str]:
    """Return the notes on reading ``sources``: each naming its source, each once.

    The reader's notes of each shard (a bag's repairs, the topics it chose) get the source's path
    when they lack it (named once, on one line: ``path_text.named_once``); ``left_out``: the
    notes on short sources left out; one note per frame size smaller than ``model_size`` (the
    encoder's (height, width) [px], as ``eval`` says it); one note for the episodes at one rate
    (or without timestamps) alike (``npz_episode.grouped_rate_notes``); one for the steps dropped
    as stale in several sources, with their totals (``stale_frames.grouped_stale_notes``);
    ``--no-gripper``'s
    (``bag_gripper.NO_GRIPPER_NOTE``) once, for every bag.
    """
    notes = list(left_out)
    sizes = []
    for source in sources:
        shard = shards.get(source)
        if shard is None:
            continue
        for note in shard["notes"]:  # a bag's: "NAME: 3 of 20 steps dropped" (shown_path)
            if note == NO_GRIPPER_NOTE:  # the option's, alike for every bag: said once
                notes += [note] if note not in notes else []
                continue
            if note.startswith(f"{source.name}:"):
                note = shown_path(source.name) + note[len(source.name):]
            elif not note.startswith(f"{shown_path(source.name)}:"):
                note = named_once(source.path, note)
            notes.append(note)
        sizes += [(source, size) for size in shard_sizes(shard) or []]
    read = sum(source in shards for source in sources)

    def frames(group) -> str:
        names = first_names((shown_path(s.name) for s in group), 3)
        return "the frames of " + (shown_path(group[0].path) if len(group) == 1 else
                                   f"all {len(group)} sources" if len(group) == read
                                   else f"{len(group)} sources ({names})")

    def advice(width: int, height: int) -> str:
        model_h, model_w = input_size(model_size)
        return (f"record at {model_w}x{model_h} or larger, or use an encoder made for "
                f"{width}x{height} frames")

    notes = grouped_rate_notes(notes)  # 500 episodes at 10 Hz: one line, as frame sizes
    notes = grouped_stale_notes(notes)  # 40 sources losing stale steps: one line, the totals
    notes += grouped_frame_size_notes(sizes, model_size, frames, advice, model="the encoder")
    return list(dict.fromkeys(notes))
