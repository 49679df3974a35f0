"""Names and seeds the simulator commands offer on their command lines, without the simulator.

``vjepa-ros collect`` and ``run`` build their parsers from these; importing ``manipulation``,
``randomize`` or ``reach_config`` for them would load pybullet, scipy and torch before the
options are even parsed (``benchmarks/bench_cli_startup.py``).
"""

TASKS = ("grasp", "reach-with-object", "pick-and-place")  # the manipulation tasks
RANDOMIZE_WHAT = ("all", "camera")  # what ``collect --randomize`` draws per episode
HELD_OUT_SEED_START = 900_000  # goal seeds of held-out episodes: 900000, 900001, ...
