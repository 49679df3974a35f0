"""Names and seeds the simulator commands offer on their command lines, without the simulator.

``vjepa-ros collect`` and ``run`` build their parsers from these; importing ``manipulation``,
``randomize`` or ``reach_config`` for them would load pybullet, scipy and torch before the
options are even parsed (``benchmarks/bench_cli_startup.py``).
"""

TASKS = ("grasp", "reach-with-object", "pick-and-place")  # the manipulation tasks
RANDOMIZE_WHAT = ("all", "camera")  # what ``collect --randomize`` draws per episode
HELD_OUT_SEED_START = 900_000  # goal seeds of held-out episodes: 900000, 900001, ...


def check_dense_steps(dense_steps: list[int] | None, dense: bool,
                      dense_option: str = "--subgoals dense") -> None:
    """Refuse ``--dense-steps`` without dense sub-goals or with a count below 1 (ValueError).

    ``dense_option``: how the command asks for dense sub-goals, named in the message.
    """
    if dense_steps is None:
        return
    if not dense:
        raise ValueError(f"--dense-steps is for {dense_option} (the paper's sub-goals switch "
                         f"after 4, 10, 4 steps): add {dense_option} or leave it out")
    if any(n < 1 for n in dense_steps):
        raise ValueError(f"--dense-steps {' '.join(map(str, dense_steps))}: every count must "
                         "be >= 1")
