"""What ``vjepa-ros inspect`` finds in one recording: eval's view and train's, without a model.

Each part is read by the code the commands use (one code path): eval's by
``eval.bag_options.read_bag`` (the bag's recorded hand opening too),
``step_choice.choose_steps`` and ``step_notes.step_notes`` (the lines eval prints before its
model loads), the frames eval decodes (``step_choice.decode_frames``), train's by
``train.episodes.load_segments`` (the segments, what is left out and why) at the opening
train's run takes (``train.recorded_width.run_opening``). torch is never imported: the
actions of train's segments are computed when first read (``episodes.Segment.actions``), and
nothing here reads them. Every function returns a
JSON-able dict; :func:`text_lines` words it as eval does.
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.counts import counted
from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.image_encodings import BAYER, NOT_COLOUR, PACKED, YUV422
from vjepa_ros.path_text import shown_path

ORDER_WORDS = {"rgb": "RGB", "bgr": "BGR (OpenCV's order; cv_bridge publishes BGR images so)",
               "mono": "grey (one channel, repeated into RGB)"}


def encoding_words(encoding: str) -> str:
    """Say how frames of ``encoding`` are read, by ``image_encodings``' tables ("" for none).

    ``encoding``: an Image's ``encoding`` or a CompressedImage's ``format``; the words:
    ``8UC3: read as BGR (...)``.
    """
    if not encoding:
        return ""
    name = encoding.lower()
    if name in PACKED:
        channels, size, order = PACKED[name]
        bits = f", {8 * size}-bit scaled to 8" if size > 1 else ""
        alpha = ", alpha dropped" if channels == 4 else ""
        return f"{encoding}: read as {ORDER_WORDS[order]}{bits}{alpha}"
    if name in YUV422 or name == "nv21":
        return f"{encoding}: read as YUV, converted to RGB"
    if name.startswith("bayer_") and name[6:10] in BAYER:
        return f"{encoding}: a Bayer mosaic, demosaiced to RGB"
    if name in NOT_COLOUR:
        return f"{encoding}: refused (a depth or infrared stream; give the colour topic)"
    if any(word in name for word in ("jpeg", "jpg", "png")):
        return f"{encoding}: compressed, decoded to RGB"
    return f"{encoding}: the reader decodes it, or refuses it naming the topic"


def eval_part(args, topics, config: EvalConfig, horizon: int, copies) -> dict:
    """Return eval's view of the bag ``args.bag``: its ``recording`` part, steps, notes, refusal.

    ``args``: the options (``bag_options.add_topic_arguments``') with ``bag`` set;
    ``topics``: their ``BagTopics``; read as eval reads it (``bag_options.read_bag``: not given
    ``--gripper-max-width``, at the opening the bag's hand record gives when the reading
    follows it). ``gripper_max_width``: the opening [m] its fingers were read at.

    ``recording``: ``recording_summary.describe_recording`` (eval's report); ``frames``: the
    first frame's size and encoding; ``refuses``: why eval would plan no step (the message
    eval prints), else "": its checks before the model loads, then every frame eval would
    encode decoded as eval decodes it (``step_choice.decode_frames``: a size change or a depth
    encoding later in the bag; a damaged frame drops its steps from ``planned_steps`` with
    eval's note); ``notes``: the input's notes then the steps'
    (eval's order).
    ``copies``: the ``temp_copies.TempCopies`` of this bag, which :func:`train_part` reads
    again (a ``.db3`` with a pending log is merged once); the caller closes it.
    Raises BagError / ValueError when the bag cannot be read at all (eval's status 1).
    """
    from vjepa_ros.cli_options import option_message
    from vjepa_ros.eval.bag_options import read_bag
    from vjepa_ros.eval.command import EVAL_OPTIONS
    from vjepa_ros.eval.plan_reports import plan_report_note
    from vjepa_ros.eval.recording_summary import describe_recording
    from vjepa_ros.eval.step_choice import (
        choose_steps,
        decode_frames,
        decoded_steps,
        frames_of_steps,
    )
    from vjepa_ros.eval.step_notes import step_notes

    recording, _ = read_bag(args, topics, copies)
    steps, refuses, said, planned, lost_said = None, "", [], 0, ""
    try:
        steps, offset, chosen = choose_steps(recording, config, horizon, False)

        def notes_on(kept):  # as eval's, of the steps it plans
            return [option_message(note, EVAL_OPTIONS) for note in step_notes(
                recording, steps, kept, config.min_motion_m, config.max_state_gap_s)]
        said, planned = notes_on(chosen), len(chosen)
        recording.check_plannable_size()
        lost: dict = {}  # eval decodes these frames; one that does not drops its steps
        frames_needed = frames_of_steps(steps, chosen, offset)
        decoded = decode_frames(recording, frames_needed, lost)
        if lost:
            chosen, lost_said = decoded_steps(recording, chosen, offset, decoded, lost,
                                              len(frames_needed))
            said, planned = notes_on(chosen), len(chosen)
    except ValueError as exc:  # BagError too: eval's refusal, said as such
        refuses = option_message(str(exc), EVAL_OPTIONS)
    frames = {}
    if len(recording.image_times) and not refuses.startswith(f"{recording.path}: the frames"):
        height, width = recording.frame_shape()[:2]
        encoding = recording.frame_encoding()
        frames = {"width": width, "height": height, "type": recording.image_type,
                  "encoding": encoding, "read_as": encoding_words(encoding)}
    notes = [note for note in (*recording.notes, plan_report_note(recording.topic_types),
                               *recording.colour_notes(), lost_said) if note]
    described = describe_recording(recording, steps, said)
    described["notes"] = [*notes, *said]
    return {"recording": described, "frames": frames, "planned_steps": planned,
            "horizon": horizon, "rate_hz": config.rate_hz, "refuses": refuses,
            "gripper_max_width": recording.gripper_max_width}


def train_part(source, data, copies=None) -> dict:
    """Return train's view of ``source`` (``episodes.Source``) with ``data`` (``DataConfig``).

    ``segments``: their names and steps; ``steps`` in all; ``demonstrations``; ``notes``: what
    train notes (repairs, steps dropped and why); ``left_out``: ``left out`` and train's words
    for a source shorter than one clip, its advice with ``or leave PATH out`` (train stops on
    it alone: ``episodes.ShortSourceError``), else ""; ``refuses``: why train would
    refuse it (a bag without gripper state, ...), else "". ``copies``: the bag's
    ``TempCopies`` that :func:`eval_part` read it with (None: its own).
    """
    from vjepa_ros.train.episodes import EpisodeError, ShortSourceError, load_segments
    from vjepa_ros.train.left_out import left_out_line

    part = {"rate_hz": data.rate_hz, "frames_per_clip": data.frames_per_clip, "segments": [],
            "steps": 0, "demonstrations": 0, "notes": [], "left_out": "", "refuses": "",
            "gripper_max_width": data.topics.gripper_max_width}
    try:
        segments, notes = load_segments(source, data, copies=copies)
    except ShortSourceError as exc:
        part["left_out"] = left_out_line(exc)
        return part
    except (EpisodeError, ValueError) as exc:
        part["refuses"] = str(exc)
        return part
    part.update(segments=[{"name": s.name, "steps": len(s), "demonstration": s.demonstration}
                          for s in segments],
                steps=sum(len(s) for s in segments), notes=list(notes),
                demonstrations=len({s.demonstration for s in segments}))
    return part


def text_lines(entry: dict) -> list[str]:
    """Return the lines ``vjepa-ros inspect`` prints for one source read (eval's words)."""
    from vjepa_ros.eval.report import bag_lines, note_lines
    from vjepa_ros.recordings.topic_choice import without_train_keys

    lines = []
    ev = entry.get("eval")
    if ev is not None:
        rec = ev["recording"]
        lines += bag_lines(rec)
        if ev["frames"]:
            frames = ev["frames"]
            lines.append(f"frames        {frames['width']}x{frames['height']} px "
                         f"({frames['type'].rsplit('/', 1)[-1]}, {frames['read_as']})")
        if entry.get("hand"):
            lines.append(f"hand          {entry['hand']}")
        if ev["refuses"]:
            lines.append(f"eval          refuses it: {without_train_keys(ev['refuses'])}")
        else:
            lines.append(f"eval          {counted(ev['planned_steps'], 'step')} to plan of "
                         f"{rec['grid_steps']} at {ev['rate_hz']:g} Hz ({rec['valid_steps']} "
                         f"valid; horizon {ev['horizon']}, goal "
                         f"{counted(ev['horizon'], 'step')} later)")
        lines += [without_train_keys(line) for line in note_lines(rec["notes"])]
    else:
        lines.append(f"episode       {entry['path']} (.npz: train and pretrain read it; eval "
                     "reads bags: `vjepa-ros bag-from-npz` writes one)")
    tr = entry["train"]
    if tr["refuses"]:
        lines.append(f"train         refuses it: {tr['refuses']}")
    elif tr["left_out"]:
        lines.append(f"train         {tr['left_out']} (train stops on it alone; among other "
                     "sources it is left out)")
    else:
        names = ", ".join(f"{s['name']} ({s['steps']})" for s in tr["segments"][:4])
        more = f" and {len(tr['segments']) - 4} more" if len(tr["segments"]) > 4 else ""
        lines.append(f"train         {counted(len(tr['segments']), 'segment')}, "
                     f"{counted(tr['steps'], 'step')} at {tr['rate_hz']:g} Hz in "
                     f"{counted(tr['demonstrations'], 'demonstration')} (clips of "
                     f"{tr['frames_per_clip']} frames): {names}{more}")
    lines += note_lines(note for note in tr["notes"]
                        if ev is None or note not in ev["recording"]["notes"])
    return lines


def hand_words(path: Path, eval_width: float, train_width: float,
               gripper_source: str = "") -> str:
    """Say what ``path``'s ``metadata.yaml`` records of its hand (``custom_data``), and the read.

    ``eval_width`` / ``train_width``: the openings [m] eval's and train's readings took
    (:func:`eval_part`'s and :func:`train_part`'s ``gripper_max_width``), said once when equal.
    ``gripper_source``: the reading's ``Recording.gripper_source``; one of its ``none (...)``
    (``--no-gripper``, no finger topic found, camera only): no finger is read, so no opening is
    used, and the line says that instead of an opening.
    """
    from vjepa_ros.recordings.recorded_hand import recorded_hand

    record = recorded_hand(path)
    at = "as" if record is None else "at"  # the opening read as a value, or a record read at
    read = (f"read {at} {eval_width:g} m" if eval_width == train_width else
            f"eval reads it at {eval_width:g} m, train at {train_width:g} m")
    if gripper_source.startswith("none"):  # bag_gripper.gripper_closedness's "none (...)"
        read = f"no finger is read: gripper {gripper_source}"
        if record is None:
            return f"no hand recorded in metadata.yaml's custom_data; {read}"
    elif record is None:
        return (f"the fingers' full opening {read} (no hand recorded in metadata.yaml's "
                "custom_data; --gripper-max-width sets it)")
    said = [f"fingers on {record.topic}" if record.topic else "",
            f"full opening {record.width:g} m" if record.width is not None else "",
            record.problem]
    writer = f" written by {record.recorder}" if record.recorder else ""
    return (f"{'; '.join(filter(None, said)) or 'nothing usable'} (custom_data of "
            f"{shown_path(record.where)}{writer}; {read})")
