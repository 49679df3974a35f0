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

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "bags": (
        "BagError", "BagTopics", "Recording", "read_recording", "write_bag", "write_episode",
        "write_messages",
    ),
    "eval_config": ("EvalConfig",),
    "evaluate": ("evaluate_bag", "evaluate_recording"),
    "playback": ("PlaybackConfig", "iter_bag", "play"),
    "report": ("summary_lines", "write_report"),
    "resample": ("Steps", "resample"),
})
