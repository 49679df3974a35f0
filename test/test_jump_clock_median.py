"""The jump watch's median arrival gap (``jump_clocks.JumpClocks._usual_gap``): numpy's bits.

perf59 replaced ``np.median`` of the at most ``JumpWatch.HISTORY`` remembered gaps (computed
on every joint state of a moving arm) by ``statistics.median``. Checked: the same bits as
``np.median`` for every count up to the history (odd and even: the two middle gaps' sum
halved), gaps of 1 kHz, 30 Hz and mixed streams, ties, sub-ns and hour-long gaps; and a
JumpWatch fed a jittered 1 kHz stream reports the median of its own gaps. ROS-free, CPU.
"""

import numpy as np
import pytest

from vjepa_ros.robot.jump_watch import JumpWatch


def _bits(value) -> int:
    return int(np.float64(value).view(np.uint64))


@pytest.mark.parametrize("scale", [1e-3, 1 / 30, 1e-9, 3600.0])
def test_median_of_every_count_has_numpys_bits(scale):
    rng = np.random.default_rng(int(scale * 1e9) % 2**32)
    watch = JumpWatch()
    for count in range(1, JumpWatch.HISTORY + 1):
        for _ in range(50):
            gaps = (scale * rng.uniform(0.5, 1.5, count)).tolist()
            if count > 2 and rng.uniform() < 0.3:
                gaps[1] = gaps[0]  # ties (a coarse clock)
            intervals = tuple((bool(rng.uniform() < 0.5), gap) for gap in gaps) + ((True, None),)
            got = watch._usual_gap(intervals)
            assert type(got) is float and _bits(got) == _bits(np.median(gaps)), gaps
    assert watch._usual_gap(((True, None),)) is None


def test_a_watched_stream_reports_the_median_of_its_gaps():
    watch = JumpWatch()
    rng = np.random.default_rng(3)
    state = np.array([0.4, 0.0, 0.5, np.pi, 0.0, 0.0, 0.0])
    arrival, arrivals = 100.0, []
    for index in range(40):
        arrival += 1e-3 * rng.uniform(0.8, 1.2)
        arrivals.append(arrival)
        state[0] += 1e-6
        watch.judge(state.copy(), 10.0 + index * 1e-3, arrival)
    gaps = np.diff(arrivals)[-JumpWatch.HISTORY:]
    assert _bits(watch._usual_gap()) == _bits(np.median(gaps))
