"""Data-parallel training under ``torchrun``: process group, rank device, collectives.

``vjepa-ros train`` runs as one process, or as N processes started by ``torchrun`` (PyTorch's
launcher), which sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``
in each process's environment. :func:`process_group` reads them and joins the group (``env://``
rendezvous): NCCL when the run's device is CUDA, gloo on CPUs. Every rank then holds the same
predictor wrapped in ``DistributedDataParallel``, which averages the gradients over the ranks in
the backward pass; rank 0 alone writes files and shows the progress bar (see ``trainer``).

Without ``WORLD_SIZE`` (or with ``WORLD_SIZE=1``) nothing is set up and every helper here is a
no-op: the single-process path is unchanged. A ``RANK`` other than 0 left there alone (a job
script's stray) or a negative ``LOCAL_RANK`` is refused naming it (:func:`topology_from_env`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os

import torch
from torch import distributed as dist

from vjepa_ros.config import ConfigError

# Collectives wait this long for the slowest rank (the default 30 min is too short when each rank
# encodes its share of a few hundred bags before the first barrier).
TIMEOUT = datetime.timedelta(hours=3)


@dataclasses.dataclass(frozen=True)
class Topology:
    """Where this process sits: rank in 0..world_size-1, local_rank on its machine."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that writes files, logs and the progress bar."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


# torchrun's variables of a process's place, with their values in a single process (unset/empty)
SINGLE_PROCESS = {"RANK": 0, "WORLD_SIZE": 1, "LOCAL_RANK": 0}


def torchrun_numbers(environ=None, names: dict[str, int] = SINGLE_PROCESS) -> dict[str, int]:
    """Return ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` as ints (unset or empty: one process's).

    The one parse of them (:func:`topology_from_env`, ``pretrain``'s one-process check,
    :func:`processes_on_host`); ``names``: other variables and their defaults. Raises
    ConfigError naming the variable for a value that is not a whole number.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for name, default in names.items():
        text = environ.get(name, "")
        try:
            values[name] = int(text) if text.strip() else default
        except ValueError:
            raise ConfigError(f"environment variable {name}={text!r} is not a whole number "
                              "(torchrun sets it; unset it for a single process)") from None
    return values


def processes_on_host(environ=None) -> int:
    """Return torchrun's ``LOCAL_WORLD_SIZE``: the processes of the run on this machine (>= 1).

    Unset or empty: 1 (one process). They share the host's memory (``prepare``'s memory check);
    fewer than ``WORLD_SIZE``: the run spans several machines (``command_lines.resume_advice``).
    """
    return max(1, torchrun_numbers(environ, {"LOCAL_WORLD_SIZE": 1})["LOCAL_WORLD_SIZE"])


def topology_from_env(environ=None) -> Topology:
    """Read torchrun's ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``; raise ConfigError on bad ones.

    Each refusal is one line naming the variable broken and its need: ``WORLD_SIZE`` >= 1,
    ``0 <= RANK < WORLD_SIZE`` (a ``RANK`` other than 0 with ``WORLD_SIZE`` 1 or unset: unset
    it, as ``pretrain`` says), ``LOCAL_RANK`` >= 0, ``MASTER_ADDR`` and ``MASTER_PORT`` set
    for several processes.
    """
    environ = os.environ if environ is None else environ
    values = torchrun_numbers(environ)
    rank, world, local = values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"]
    where = f"environment RANK={rank} WORLD_SIZE={world} LOCAL_RANK={local}"
    if world < 1:
        raise ConfigError(f"{where}: need WORLD_SIZE >= 1 (torchrun sets it; unset it for a "
                          "single process)")
    if world == 1 and rank != 0:
        raise ConfigError(f"{where}: need RANK=0 in a single process (WORLD_SIZE 1 or unset); "
                          "unset RANK (left by a job script?), or start several processes "
                          "with torchrun, which sets both")
    if not 0 <= rank < world:
        raise ConfigError(f"{where}: need 0 <= RANK < WORLD_SIZE (start the processes with "
                          "torchrun)")
    if local < 0:
        raise ConfigError(f"{where}: need LOCAL_RANK >= 0 (torchrun sets it; unset it for a "
                          "single process)")
    if world > 1:
        missing = [n for n in ("MASTER_ADDR", "MASTER_PORT") if not environ.get(n)]
        if missing:
            raise ConfigError(f"WORLD_SIZE={world} but {' and '.join(missing)} not set: start "
                              "the processes with torchrun, which sets them")
    return Topology(rank, world, local)


def current() -> Topology:
    """Return the joined process group's topology, or a single process when there is none."""
    if not (dist.is_available() and dist.is_initialized()):
        return Topology()
    local = int(os.environ.get("LOCAL_RANK", "0") or 0)
    return Topology(dist.get_rank(), dist.get_world_size(), local)


def rank_device(device: str, topology: Topology) -> torch.device:
    """Return the torch device of this rank: ``cuda`` becomes ``cuda:LOCAL_RANK`` in a group.

    ``device`` as in TrainConfig (empty: cuda when available, else cpu); an explicit index
    (``cuda:1``) is kept.
    """
    from vjepa_ros.models.world_model import resolve_device

    resolved = resolve_device(device or None)
    if resolved.type == "cuda" and topology.distributed and ":" not in (device or ""):
        return torch.device("cuda", topology.local_rank)
    return resolved


@contextlib.contextmanager
def process_group(device: str = ""):
    """Join torchrun's process group for the block (yield its :class:`Topology`); leave after.

    Single process (no ``WORLD_SIZE`` > 1) or a group already joined: nothing is set up. The
    backend is NCCL when this rank's device is CUDA, gloo otherwise. Raises ConfigError on a bad
    environment (one line naming the variable).
    """
    topology = topology_from_env()
    if not topology.distributed or dist.is_initialized():
        yield current()
        return
    device = rank_device(device, topology)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, init_method="env://", rank=topology.rank,
                            world_size=topology.world_size, timeout=TIMEOUT)
    try:
        yield topology
    finally:
        dist.destroy_process_group()


def barrier(topology: Topology) -> None:
    """Wait for every rank (no-op for one process)."""
    if topology.distributed:
        dist.barrier()


def all_reduce(tensor: torch.Tensor, topology: Topology, op: str = "sum") -> torch.Tensor:
    """Sum (or ``max``) a tensor over the ranks in place and return it (no-op for one process)."""
    if topology.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
    return tensor


def max_over_ranks(value: int, topology: Topology, device=None) -> int:
    """Return the largest of every rank's ``value`` (every rank calls it at the same point)."""
    if not topology.distributed:
        return int(value)
    tensor = torch.tensor([float(value)], device=device)
    return int(all_reduce(tensor, topology, "max").item())


def any_rank(flag: bool, topology: Topology, device=None) -> bool:
    """Return whether ``flag`` is true on any rank (every rank calls it at the same point)."""
    return max_over_ranks(1 if flag else 0, topology, device) > 0


def broadcast_object(value, topology: Topology):
    """Rank 0's ``value`` on every rank (pickled; for small objects only)."""
    if not topology.distributed:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


class RankRefusal(ValueError):
    """The ranks' refusal at one point (:func:`refuse_together`): this rank's line ("": none)."""

    def __init__(self, line: str):
        super().__init__(line)
        self.line = line


def refusal_lines(refusals: list[str | None]) -> list[str]:
    """Return what each rank says of the ranks' refusals at one point ("": nothing).

    ``refusals``: each rank's refusal (None: it had none), by rank. Every rank refused with the
    same words: rank 0 says them once, unprefixed (as one process would); otherwise each rank
    that refused says its own, prefixed ``rank N:`` (a rank without one says nothing: the
    others' lines name the cause). None refused: nothing.
    """
    said = [text for text in refusals if text is not None]
    if said and len(said) == len(refusals) and len(set(said)) == 1:
        return [said[0]] + [""] * (len(refusals) - 1)
    return ["" if text is None else f"rank {rank}: {text}" for rank, text in enumerate(refusals)]


def refuse_together(error: Exception | None, topology: Topology) -> None:
    """Raise this rank's ``error`` (None: none) once every rank's at this point is known.

    Every rank calls it at the same point (a collective under torchrun), after work whose
    outcome the ranks share (a data refusal found from the same files: every rank reached it
    alike, and N ranks printed N copies of one line). One process: ``error`` raised as it is.
    Under torchrun, when any rank refused, every rank raises :class:`RankRefusal` carrying its
    line of :func:`refusal_lines` (``train.command`` prints only a line that is not empty).
    """
    if not topology.distributed:
        if error is not None:
            raise error
        return
    from vjepa_ros.path_text import one_line

    refusals: list[str | None] = [None] * topology.world_size
    dist.all_gather_object(refusals, None if error is None else one_line(str(error)))
    if any(text is not None for text in refusals):
        raise RankRefusal(refusal_lines(refusals)[topology.rank]) from error


# What a collective raises on a rank when another rank has ended (its process exited and its
# sockets closed): gloo's and NCCL's transport words, lower case.
PEER_LOST = ("connection closed by peer", "connection reset by peer",
             "remote process exited", "communicator was aborted")


def another_rank_ended(exc: BaseException | None) -> bool:
    """Return whether ``exc``, or an error it was raised in handling, says another rank ended.

    A collective (barrier, all-reduce, DDP's gradient sum) on a surviving rank raises the
    transport's own words (gloo: "[.../gloo/transport/tcp/pair.cc:553] Connection closed by
    peer [127.0.0.1]:PORT"; :data:`PEER_LOST`); a stop (torchrun's SIGTERM to the survivors)
    that comes while that error unwinds carries it as its ``__context__``. The rank that ended
    printed its own line (or torchrun's summary names its signal), so a survivor adds none.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, RuntimeError) and any(w in str(exc).lower() for w in PEER_LOST):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port free on ``host`` now (for a loopback rendezvous)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def launch_environment(world_size: int, environ=None) -> dict[str, str]:
    """Return the variables torchrun adds for ``world_size`` processes: ``OMP_NUM_THREADS=1``.

    torchrun sets it for each of several processes when it is not set in ``environ`` (default
    ``os.environ``), so that their CPU threads do not take the cores N times over; {} else.
    """
    environ = os.environ if environ is None else environ
    return {"OMP_NUM_THREADS": "1"} if world_size > 1 and "OMP_NUM_THREADS" not in environ \
        else {}


def spawn_local(fn, world_size: int, args: tuple = (), device: str = "cpu") -> None:
    """Run ``fn(topology, *args)`` in ``world_size`` processes joined on loopback (127.0.0.1).

    What torchrun does on one machine, from Python (tests and benchmarks); ``fn`` must be
    importable (a module-level function). Raises when a process fails. As torchrun, several
    processes get ``OMP_NUM_THREADS=1`` each when it is not set, so that torch's CPU threads
    (``vjepa_ros.threads``: 0 or left out is ``OMP_NUM_THREADS``, else all cores but one) do
    not take every core N times over.
    """
    import torch.multiprocessing as mp

    extra = launch_environment(world_size)  # the processes inherit it as they start
    os.environ.update(extra)
    try:
        mp.spawn(_local_rank, args=(fn, world_size, free_port(), device, args),
                 nprocs=world_size, join=True)
    finally:
        for name in extra:
            os.environ.pop(name, None)


def _local_rank(rank: int, fn, world_size: int, port: int, device: str, args: tuple) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank),
                      LOCAL_WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    with process_group(device) as topology:
        fn(topology, *args)
