"""The planner node's model.threads follows threads' one rule (fix45a).

``model.threads: 0`` was all cores but one and ignored OMP_NUM_THREADS, where every command's
``--threads`` left out read it: a node launched from a shell with OMP_NUM_THREADS=3 (a cluster
module, a test runner) planned on all cores but one.
"""

import pytest
import torch
from planner_harness import checkpoint, harness  # noqa: F401 - fixtures


@pytest.fixture
def torch_threads():
    """Restore torch's thread count after the node set it in this process."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("param, omp, expected", [(0, "3", 3), (2, "3", 2)])
def test_node_threads_zero_reads_omp_num_threads(harness, monkeypatch,  # noqa: F811
                                                 torch_threads, param, omp, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", omp)
    h = harness(**{"model.threads": param})
    assert h.planner.torch_threads == expected
    assert h.diagnostics()[1]["torch_threads"] == str(expected)  # what tools read (reach)
