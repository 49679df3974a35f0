"""Offline evaluation on rosbag2 recordings, without a ROS install (``vjepa-ros eval``).

Public API::

    read_recording(bag, BagTopics(...)) -> Recording     states + frame index; .load_frames(idx)
    write_bag(path, frames [T,H,W,3], states [T,7], times_s, storage="mcap"|"sqlite3",
              image_format="raw"|"jpeg"|"png") -> Path  the topics a Franka lab records
    write_episode(path, episode)                          same, from an episode object
    write_messages(path, [(topic, type, time ns, msg)])   any layout (e.g. split joint states)
    resample(image_times, state_times, states, rate_hz) -> Steps
    evaluate_bag(bag, world_model, cem_config, EvalConfig(...), BagTopics(...)) -> report dict
    write_report(report, out_dir) -> {name: path}         report.json + PNG plots
    play(messages, publish, publish_clock, rate=...)      replay timing (the bag_player node)

Modules: ``bags`` (read/write), ``messages`` (ROS messages <-> numpy), ``resample``, ``metrics``,
``evaluate`` (the loop), ``report`` (JSON, plots, summary), ``playback`` (replay timing),
``synthetic`` (a state-coded world and an exact world model, to check the pipeline), ``command``
(the CLI subcommands).
"""

from vjepa_ros.eval.bags import (
    BagError,
    BagTopics,
    Recording,
    read_recording,
    write_bag,
    write_episode,
    write_messages,
)
from vjepa_ros.eval.evaluate import EvalConfig, evaluate_bag, evaluate_recording
from vjepa_ros.eval.playback import PlaybackConfig, iter_bag, play
from vjepa_ros.eval.report import summary_lines, write_report
from vjepa_ros.eval.resample import Steps, resample

__all__ = [
    "BagError",
    "BagTopics",
    "EvalConfig",
    "PlaybackConfig",
    "Recording",
    "Steps",
    "evaluate_bag",
    "evaluate_recording",
    "iter_bag",
    "play",
    "read_recording",
    "resample",
    "summary_lines",
    "write_bag",
    "write_episode",
    "write_messages",
    "write_report",
]
