"""Offline evaluation on rosbag2 recordings, without a ROS install (``vjepa-ros eval``).

Public API::

    evaluate_bag(bag, world_model, cem_config, EvalConfig(...), topics) -> report dict
    write_report(report, out_dir) -> {name: path}         report.json + PNG plots
    play(messages, publish, publish_clock, rate=...)      replay timing (the bag_player node)

``topics`` is a ``vjepa_ros.recordings.BagTopics``: reading, writing and resampling recordings
live in ``vjepa_ros.recordings``, which this package uses.

Modules: ``metrics``, ``evaluate`` (the loop), ``report`` (JSON, plots, summary), ``playback``
(replay timing), ``synthetic`` (a state-coded world and an exact world model, to check the
pipeline), ``command`` (the CLI subcommands).
"""

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "eval_config": ("EvalConfig",),
    "evaluate": ("evaluate_bag", "evaluate_recording"),
    "playback": ("PlaybackConfig", "iter_bag", "play"),
    "report": ("summary_lines", "write_report"),
})
