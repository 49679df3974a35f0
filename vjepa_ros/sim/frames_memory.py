"""Whether an episode of ``--frames`` frames fits in memory: ``record`` / ``collect`` ask first.

Both hold a whole episode in memory until it ends (``sim.collector.collect_episode``: each
rendered frame in a list, then ``np.stack`` copies them into the episode's [T, H, W, 3] uint8
array; ``record`` writes its bag from that episode, ``collect`` saves it as one ``.npz``). So an
episode needs about :data:`FRAME_COPIES` x T x H x W x 3 bytes, plus a few hundred bytes per
frame of states, times, targets and joints (:data:`STATE_BYTES`). ``record --frames
100000000`` at 128x128 needs about 9 TiB: it used to start simulating and be killed by the
kernel hours later with nothing written and no line (breaker60e). :func:`frames_memory_problem`
refuses it up front, as ``planning.memory`` refuses ``--samples`` (with its rule, half the free
memory: ``planning.memory.FreeMemory``, and its sizes and rounding).
"""

from __future__ import annotations

from vjepa_ros.planning.memory import free_memory, memory_size, round_down

FRAME_COPIES = 2  # the rendered frames' list and the episode's stacked array, alive together
# [bytes] per frame besides the image, an over-estimate: ee state [7] and the commanded target
# [7] float64 with their list entries and array headers, a time, the joints [9] (record), the
# episode's float32 state and action rows
STATE_BYTES = 1024


def episode_bytes(frames: int, height: int, width: int) -> int:
    """Return the peak memory [bytes] of an episode of ``frames`` RGB frames [px] (an estimate)."""
    return frames * (FRAME_COPIES * height * width * 3 + STATE_BYTES)


def frames_memory_problem(frames: int, height: int, width: int,
                          available: int | None = None) -> str:
    """Why an episode of ``frames`` frames at ``width`` x ``height`` px cannot be held ("" fits).

    ``available``: free memory [bytes]; None reads it (``planning.memory.free_memory``:
    ``MemAvailable``, or a container's cgroup limit where lower); unknown: "" (nothing to compare
    with). An episode fits in half the free memory (``planning.memory.FreeMemory``: the rest is
    room for pybullet, torch and other programs); beyond it the text names ``--frames`` and the
    most frames that fit, which the check then accepts.
    """
    memory = free_memory("cpu", available)
    need = episode_bytes(frames, height, width)
    if memory is None or memory.holds(need):
        return ""
    fits = memory.fits(episode_bytes(1, height, width))
    fix = (f"give at most {round_down(fits)} (half the free memory), or split it into shorter "
           "episodes" if fits >= 2 else "give a smaller --width/--height, or free memory")
    return (f"--frames {frames} at {width}x{height} needs about {memory_size(need)} to hold the "
            f"episode (its frames are kept in memory until it ends), {memory.beyond()}: {fix}")
