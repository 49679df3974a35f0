"""The memory a process's control groups leave it: a container's limit, below the host's free.

``/proc/meminfo``'s ``MemAvailable`` is the host's: in a container (docker ``--memory``, a
Kubernetes limit, a systemd slice's ``MemoryMax``) the kernel kills the process at its cgroup's
limit long before the host runs short. :func:`cgroup_free_bytes` reads every memory cgroup the
process is in (``/proc/self/cgroup``), and each one above it, as the limit is hierarchical: cgroup
v2's ``memory.max`` minus ``memory.current``, v1's ``memory.limit_in_bytes`` minus
``memory.usage_in_bytes``, each plus the inactive file cache the kernel reclaims before it kills
(``memory.stat``'s ``inactive_file``, v1 ``total_inactive_file``: the "working set" docker's
``stats`` and the kubelet count against the limit). See the kernel's cgroup-v2.rst and
cgroup-v1/memory.rst.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
UNLIMITED = 2 ** 60  # [bytes] v1 writes "no limit" as a page-rounded 2**63 - 1; v2 as "max"
V2_FILES = ("memory.max", "memory.current", "inactive_file")
V1_FILES = ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")


def cgroup_free_bytes(proc_cgroup: Path = PROC_CGROUP, root: Path = CGROUP_ROOT) -> int | None:
    """Return the least memory [bytes] any of the process's memory cgroups has left, or None.

    ``proc_cgroup``: the process's cgroup list (``/proc/self/cgroup``: ``0::/path`` for v2,
    ``N:memory:/path`` for v1); ``root``: where cgroupfs is mounted (v2 there, v1's memory
    controller in ``root/memory``). Each cgroup from the process's own up to the mount's root is
    read where its folder exists (inside a container without a cgroup namespace the listed path
    is the host's, and the container sees its own cgroup at the mount's root). None: no memory
    cgroup has a limit, or none can be read (not Linux, cgroupfs not mounted).
    """
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    frees = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":
            base, files = root, V2_FILES
        elif "memory" in controllers.split(","):
            base, files = root / "memory", V1_FILES
        else:
            continue
        parts = PurePosixPath(path).parts[1:]  # "/a/b" -> ("a", "b")
        for depth in range(len(parts) + 1):
            free = _free(base.joinpath(*parts[:depth]), *files)
            if free is not None:
                frees.append(free)
    return min(frees, default=None)


def _free(folder: Path, limit_file: str, usage_file: str, inactive_key: str) -> int | None:
    """Return the limit of the cgroup ``folder`` less its usage plus inactive file cache [bytes].

    None: no such cgroup, no limit there ("max", v1's :data:`UNLIMITED`), or unreadable.
    """
    try:
        limit_text = (folder / limit_file).read_text().strip()
        if limit_text == "max":
            return None
        limit, usage = int(limit_text), int((folder / usage_file).read_text().strip())
    except (OSError, ValueError):
        return None
    if limit >= UNLIMITED:
        return None
    inactive = 0
    try:
        for line in (folder / "memory.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == inactive_key:
                inactive = int(value)
    except (OSError, ValueError):
        pass  # no statistics: the usage alone, an under-estimate of what is left
    return max(0, limit - usage + inactive)
