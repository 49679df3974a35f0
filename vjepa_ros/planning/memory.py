"""Whether a planner's sample count fits in memory: refuse it up front, in one line.

The predictor runs the samples in chunks (``cost.auto_chunk_size``), so its memory is bounded;
what grows with ``CEMConfig.samples`` is the search's own action tensors [S, H, 7] float32 (noise,
samples, the previous iteration's, temporaries): measured peak about 5 copies for CEM and MPPI,
9.5 for iCEM at H 4 (its colored noise is drawn in float64 through an FFT). :data:`SAMPLE_COPIES`
10 over-estimates all three. ``--samples 100000000`` once ended ``vjepa-ros eval`` with torch's
raw allocator message; :func:`samples_memory_problem` says it before planning, and
:func:`out_of_memory_message` words an allocation that fails anyway (other programs took the
memory meanwhile). ``planners.make_planner`` raises both as :class:`SamplesMemoryError`
(:func:`check_samples_fit`, :func:`allocation_failures_named`), so every command that plans
refuses the count in one line (``vjepa-ros`` words it after the command's ``--samples``).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from vjepa_ros.planning.config import CEMConfig

ACTION_BYTES = 7 * 4  # one action: 7 float32
SAMPLE_COPIES = 10  # [S, H, 7] float32 tensors alive at once, at most (an over-estimate)
GIB = 1024 ** 3
HALF = 2  # what a check holds may take 1/2 of the free memory: the model, other programs the rest


def search_bytes(samples: int, horizon: int) -> int:
    """Rough peak memory [bytes] of the search's action tensors: ``samples`` x ``horizon``."""
    return SAMPLE_COPIES * samples * horizon * ACTION_BYTES


def available_bytes(device) -> int | None:
    """Memory [bytes] free for new tensors on ``device`` (a torch.device or its name).

    CUDA: ``torch.cuda.mem_get_info`` plus what torch's caching allocator holds unused; else the
    host's ``MemAvailable`` (/proc/meminfo), or what the process's memory cgroups leave it where
    that is less (a container's limit: ``cgroup_memory.cgroup_free_bytes``). None when neither
    is known (no /proc/meminfo, no cgroup limit).
    """
    if getattr(device, "type", str(device).partition(":")[0]) == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info(device)
        return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    from vjepa_ros.planning.cgroup_memory import cgroup_free_bytes

    known = [free for free in (host_available_bytes(), cgroup_free_bytes()) if free is not None]
    return min(known, default=None)


def host_available_bytes() -> int | None:
    """Return the host's ``MemAvailable`` [bytes] (/proc/meminfo), None when unknown."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024  # kB
    return None


class FreeMemory(NamedTuple):
    """The memory free on a device, read once for one check, and the words of its refusal.

    The project's rule for what a command holds at once (a planner's action samples, a
    simulated episode's frames, an evaluation's frame representations, a training batch): it
    fits in half the free memory (:data:`HALF`), leaving the rest to the model and other
    programs. ``free``: [bytes]; ``device``: where, as the refusal names it ("cpu", "cuda:0").
    """

    free: int
    device: str

    def holds(self, need: int, share: int = HALF) -> bool:
        """Whether ``need`` [bytes] fits in 1/``share`` of the free memory (default: half)."""
        return need <= self.free // share

    def fits(self, each: float, share: int = HALF) -> int:
        """How many items of ``each`` bytes 1/``share`` of the free memory holds (0: not one).

        ``each`` may be a fraction of a byte count (an evaluation step's share of its frames).
        """
        return int(self.free // share // each)

    def beyond(self, share: int = HALF) -> str:
        """Return the refusal's words: "more than half the 2.0 GiB free on cpu" (share 1: the)."""
        part = "half the" if share == HALF else "the"
        return f"more than {part} {memory_size(self.free)} free on {self.device}"


def free_memory(device, available: int | None = None) -> FreeMemory | None:
    """Read the memory free on ``device`` once (:func:`available_bytes`; cgroup-aware on the host).

    ``device``: a torch.device or its name (or, with ``available``, the words naming it);
    ``available``: free memory [bytes] already known (a caller's share, a test). None when the
    free memory is not known: nothing to compare with, no check.
    """
    free = available_bytes(device) if available is None else available
    return None if free is None else FreeMemory(free, str(device))


def samples_memory_problem(config: CEMConfig, device, available: int | None = None) -> str:
    """Why ``config.samples`` cannot be planned with on ``device`` ("" when it fits or unknown).

    ``available``: free memory [bytes]; None reads it (:func:`free_memory`). The samples fit
    in half of it (:class:`FreeMemory`): beyond, the text names the most that fit there, which
    this check then accepts. The text names ``CEMConfig.samples``: a command turns it into its
    option (``cli_options.option_message``: ``--samples``), the planner node into its parameter
    (``planner.samples``).
    """
    memory = free_memory(device, available)
    need = search_bytes(config.samples, config.horizon)
    if memory is None or memory.holds(need):
        return ""
    fits = memory.fits(search_bytes(1, config.horizon))
    fix = (f"give at most {round_down(fits)} (half the free memory, leaving room for the model "
           "and other programs; the paper's robot runs use 800)" if fits >= 1 else
           f"free memory (not one sample at horizon {config.horizon} fits in half of it)")
    return (f"CEMConfig.samples {config.samples} at horizon {config.horizon} needs about "
            f"{memory_size(need)} for the planner's action samples, {memory.beyond()}: {fix}")


def memory_size(size: int) -> str:
    """Return ``size`` [bytes] as a message says it: ``26.1 GiB``, ``27 MiB``, ``1.4 MiB``.

    Below 10 of a unit one decimal is kept (``8 KiB`` when it is 0), so a per-item size times a
    count adds up to the total a message gives beside it (a ViT-g frame is 1.4 MiB, not
    "1 MiB"); below a KiB, bytes.
    (``planner.samples`` is at most 100000: its action samples fit in well under a GiB, and a
    message in tenths of a GiB would say ``0.0 GiB`` of them.)
    """
    if size >= GIB:
        return f"{size / GIB:.1f} GiB"
    for unit, scale in (("MiB", 1024 ** 2), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            text = f"{value:.1f}".removesuffix(".0") if value < 9.95 else f"{value:.0f}"
            return f"{text} {unit}"
    return f"{size} bytes"


def round_down(count: int) -> int:
    """Return ``count`` rounded down to its two leading digits (3834792 -> 3800000), at least 1."""
    scale = 10 ** max(0, len(str(count)) - 2)
    return max(1, count // scale * scale)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a failed allocation (torch's CPU or CUDA allocator, or MemoryError)."""
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError" or any(
        words in text for words in ("can't allocate memory", "not enough memory",
                                    "out of memory"))


def out_of_memory_message(config: CEMConfig) -> str:
    """One line for an allocation that failed while planning with ``config``."""
    return (f"out of memory while planning with CEMConfig.samples {config.samples} at horizon "
            f"{config.horizon}: give fewer samples (the paper's robot runs use 800), or free "
            "memory")


def chunk_out_of_memory_message(chunk: int, samples: int, horizon: int,
                                chunk_size: int | None, command: bool = False) -> str:
    """One line for an allocation that failed inside one predictor call of ``chunk`` samples.

    ``chunk`` < ``samples``: fewer samples, while ``chunk`` or more, would leave that call as
    large, so the line names ``CEMConfig.chunk_size`` (``chunk_size`` None: the automatic one,
    ``cost.auto_chunk_size``, sized from the memory free when the plan began; the node's
    ``planner.chunk_size``). ``command``: for a ``vjepa-ros`` command, which has no option for
    the chunk: ``CEMConfig.samples`` below ``chunk`` (each call then all the samples; the
    command's ``--samples``, ``cli_option_message.option_message``).
    """
    if command:
        given = (f"chunk_size {chunk_size}" if chunk_size is not None else
                 "a chunk sized from the memory free when the plan began")
        advice = f"give CEMConfig.samples below {chunk} (one call for all of them)"
    else:
        given = (f"CEMConfig.chunk_size {chunk_size}" if chunk_size is not None else
                 "CEMConfig.chunk_size None: sized from the memory free when the plan began")
        advice = (f"give a CEMConfig.chunk_size below {chunk} (fewer samples, while {chunk} or "
                  "more, leave each call as large)")
    return (f"out of memory in one predictor call of {chunk} of the {samples} samples at "
            f"horizon {horizon} ({given}): {advice}, or free memory")


@contextmanager
def chunk_failures_named(chunk: int, samples: int, horizon: int, chunk_size: int | None):
    """Re-raise a failed allocation inside one predictor chunk as :class:`SamplesMemoryError`.

    Only when the chunk is smaller than the samples (:func:`chunk_out_of_memory_message`); a
    call of all the samples fails as the samples' (:func:`allocation_failures_named`).
    """
    try:
        yield
    except (RuntimeError, MemoryError) as exc:
        if chunk >= samples or isinstance(exc, SamplesMemoryError) or not is_out_of_memory(exc):
            raise
        where = (chunk, samples, horizon, chunk_size)
        error = SamplesMemoryError(chunk_out_of_memory_message(*where))
        error.command_message = chunk_out_of_memory_message(*where, command=True)
        raise error from None


class SamplesMemoryError(MemoryError):
    """A planner sample count that does not fit in memory, or an allocation failed planning.

    Its text is one line naming ``CEMConfig.samples`` (or ``CEMConfig.chunk_size`` when one
    predictor chunk smaller than the samples failed): ``vjepa-ros`` prints it as the command's
    ``--samples`` (``cli.main``), the planner node as ``planner.samples``.
    ``command_message``: the line a command prints instead (a chunk's failure: no command has
    an option for the chunk, ``chunk_out_of_memory_message``); None: the text.
    """

    command_message: str | None = None


def check_samples_fit(config: CEMConfig, device) -> None:
    """Raise :class:`SamplesMemoryError` when ``config.samples`` does not fit on ``device``.

    ``device``: a torch.device or its name; the text is :func:`samples_memory_problem`'s.
    """
    problem = samples_memory_problem(config, device)
    if problem:
        raise SamplesMemoryError(problem)


@contextmanager
def allocation_failures_named(config: CEMConfig):
    """Re-raise a failed allocation inside as :class:`SamplesMemoryError` naming the samples.

    Other errors (and cancellations) pass unchanged; the text is :func:`out_of_memory_message`.
    """
    try:
        yield
    except SamplesMemoryError:
        raise
    except (RuntimeError, MemoryError) as exc:
        if not is_out_of_memory(exc):
            raise
        raise SamplesMemoryError(out_of_memory_message(config)) from None
