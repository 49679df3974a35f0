"""``vjepa-ros record`` writes the arm's state as a lab's arm publishes it (fix60w).

It wrote ``/joint_states``, the pose and the gripper once per frame (4 Hz): just before each frame
the newest state was a whole period old, 0.25 s, the planner's ``safety.max_state_age_s``, so a
replay through ``bag_player`` gave "robot state is stale" warnings. Now they come at
``--state-rate`` (default 120 Hz, every second physics step), each stamped with the sim time of
its step, and every frame still has the state it was rendered with: eval, train and inspect read
the same steps and actions from it as from a bag of states at the frames only
(``--state-rate 4``).
"""

import json

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the bags are recorded in the simulator")

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.recordings.state_stream import StateStream  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits  # noqa: E402

STATE_TOPICS = ("/joint_states", "/franka_gripper/joint_states",
                "/franka_robot_state_broadcaster/current_pose")
CAMERA = "/camera/camera/color/image_raw"
FRAMES = 6


def _messages(bag):
    """Return {topic: [(bag time ns, header stamp ns, message)]} of a bag."""
    from rosbags.highlevel import AnyReader

    out = {}
    with AnyReader([bag]) as reader:
        for connection, time_ns, raw in reader.messages():
            msg = reader.deserialize(raw, connection.msgtype)
            stamp = msg.header.stamp.sec * 10 ** 9 + msg.header.stamp.nanosec
            out.setdefault(connection.topic, []).append((time_ns, stamp, msg))
    return out


@pytest.fixture(scope="module")
def bags(tmp_path_factory):
    """Record one 64x64 episode twice: at the default state rate and at the frames' 4 Hz."""
    root = tmp_path_factory.mktemp("record")
    for name, rate in (("lab", []), ("frames", ["--state-rate", "4"])):
        assert main(["record", str(root / name), "--frames", str(FRAMES), "--seed", "3",
                     "--width", "64", "--height", "64", *rate]) == 0
    return root


def test_states_come_at_the_state_rate_stamped_on_the_sim_clock(bags, capsys):
    """120 Hz states on every state topic, stamps = bag times, a state with every frame."""
    messages = _messages(bags / "lab")
    frames = [t for t, _, _ in messages[CAMERA]]
    assert len(frames) == FRAMES
    for topic in STATE_TOPICS:
        times = np.array([t for t, _, _ in messages[topic]])
        assert len(times) == (FRAMES - 1) * 30 + 1, topic  # 0.25 s per frame at 120 Hz, ends
        assert times[0] == frames[0] and times[-1] == frames[-1], topic
        assert np.allclose(np.diff(times), 1e9 / 120, atol=1), topic  # whole physics steps
        assert [s for _, s, _ in messages[topic]] == times.tolist(), topic  # header = bag time
        assert set(frames) <= set(times.tolist()), topic  # each frame's own state is there


def test_a_replayed_state_is_never_near_the_planners_age_limit(bags):
    """The newest state at any moment of the recording is at most 1/120 s old (was 0.25 s)."""
    limit = SafetyLimits().max_state_age_s
    for name, oldest in (("lab", 1 / 120), ("frames", 0.25)):
        messages = _messages(bags / name)
        for topic in ("/joint_states", "/franka_gripper/joint_states"):
            gaps = np.diff([t for t, _, _ in messages[topic]]) / 1e9
            assert gaps.max() == pytest.approx(oldest, abs=1e-6), (name, topic)
    assert 1 / 120 < limit / 20  # the planner's limit holds 20 such gaps (the 4 Hz one: 1)


def test_the_lab_rate_bag_reads_as_the_frame_rate_one_in_inspect_and_eval(bags, capsys):
    """Inspect's eval and train lines, eval's steps and its actions agree for the two bags."""
    assert main(["inspect", str(bags / "lab"), str(bags / "frames"), "--frames-per-clip",
                 "4"]) == 0
    out = capsys.readouterr().out
    lines = {}
    for key in ("eval ", "train "):  # train's line ends naming the bag: "...: lab (6)"
        found = [line for line in out.splitlines() if line.startswith(key)]
        assert len(found) == 2, out
        lines[key] = [line.removesuffix(f"{name} (6)")
                      for line, name in zip(found, ("lab", "frames"), strict=True)]
    assert all(v[0] == v[1] for v in lines.values()), lines
    assert "5 steps to plan of 6" in lines["eval "][0] and "6 steps" in lines["train "][0], lines
    assert "states 151 from /franka_robot_state_broadcaster/current_pose (pose, 120 Hz)" in out
    reports = []
    for name in ("lab", "frames"):
        assert main(["eval", str(bags / name), "--checkpoint", "demo", "--samples", "8",
                     "--iterations", "1", "--topk", "2", "--seed", "0", "--quiet", "--out",
                     str(bags / f"eval_{name}")]) == 0
        reports.append(json.loads((bags / f"eval_{name}" / "report.json").read_text())["steps"])
    lab, frames = reports
    assert [s["step"] for s in lab] == [s["step"] for s in frames] and len(lab) == FRAMES - 1
    for key in ("executed_action", "state"):  # float64 states now, float32 ones before
        assert np.allclose([s[key] for s in lab], [s[key] for s in frames], atol=1e-6), key
    assert [s["planned_action"] for s in lab] == [s["planned_action"] for s in frames]


@pytest.mark.parametrize("rate, message", [
    ("2", "--state-rate must lie in [4, 240] Hz (the frames' rate up to the simulator's physics "
     "rate), got 2"),
    ("1000", "got 1000"), ("nan", "got nan"), ("inf", "got inf"), ("0", "got 0"),
])
def test_a_state_rate_the_simulator_cannot_give_is_a_usage_error(tmp_path, capsys, rate,
                                                                 message):
    assert main(["record", str(tmp_path / "bag"), "--state-rate", rate]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "bag").exists()


def test_a_rate_not_dividing_the_physics_rate_keeps_each_frames_state(tmp_path):
    """At 50 Hz (4.8 physics steps a tick) states at the steps after the ticks, and the frames'."""
    from vjepa_ros.eval.record import simulate_episode
    from vjepa_ros.sim import CollectorConfig, SimConfig
    from vjepa_ros.sim.config import CameraConfig

    episode, stream = simulate_episode(
        1, SimConfig(camera=CameraConfig(width=32, height=32)), CollectorConfig(frames=3), 50.0)
    steps = np.round(stream.times_s * 240).astype(int)
    assert np.allclose(stream.times_s * 240, steps, atol=1e-6)  # at physics steps
    ticks = np.ceil(np.arange(0, 0.5 * 50 + 1e-9) * 240 / 50 - 1e-9).astype(int)
    assert sorted(set(ticks) | {0, 60, 120}) == steps.tolist()
    frame_rows = [int(np.flatnonzero(steps == k * 60)[0]) for k in range(3)]
    assert np.allclose(stream.states[frame_rows], episode.states, atol=1e-6)
    assert stream.times_s[frame_rows].tolist() == episode.timestamps.tolist()


def test_a_state_stream_is_checked_before_anything_is_written(tmp_path):
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_writing import write_bag

    frames, states, _ = synthetic_episode(2)
    good = StateStream(np.array([0.0, 0.1, 0.2]), states[[0, 0, 1]], np.zeros((3, 9)))
    for stream, words in (
            (StateStream(np.array([0.0, 0.2, 0.1]), good.states, good.joint_positions),
             "strictly increasing"),
            (StateStream(good.times_s, good.states[:2], good.joint_positions), "[3, 7]"),
            (StateStream(good.times_s, good.states, np.zeros((3, 4))), "[3, 9]"),
            (StateStream(good.times_s, good.states), "exactly when joint names")):
        with pytest.raises(BagError, match=words.replace("[", r"\[")):
            write_bag(tmp_path / "bag", frames, states, state_stream=stream,
                      joint_names=[f"j{i}" for i in range(9)])
        assert not (tmp_path / "bag").exists()
