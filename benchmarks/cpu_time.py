"""CPU time of a benchmark's calls: bench_clock_steps' and bench_search's gradient-cost's timer.

``time.process_time``: this process's CPU seconds, so other processes' load on a shared machine
counts little.
"""

import time


def cpu_runs(call, count: int, warm: bool = False) -> tuple[list[float], object]:
    """Run ``call()`` ``count`` times; return (each run's CPU seconds, the last run's result).

    ``warm``: one untimed call first (tables built, the allocator's first requests).
    """
    if warm:
        call()
    seconds, result = [], None
    for _ in range(count):
        start = time.process_time()
        result = call()
        seconds.append(time.process_time() - start)
    return seconds, result
