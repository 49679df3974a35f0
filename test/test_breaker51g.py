"""breaker51g: the full-disk lines of every command, camera_node's size refusal, /clock.

Attacked at main d9e1d1ab (fix51d's commits 0753b740, 6ae5a86f, d9e1d1ab):
``command_errors.command_ended`` / ``_full_disk_message`` with ``out_lock.claimed_outputs`` (since
fix51g ``claims_written``; ``claimed_outputs`` removed in mend51r) and
``disk_full.full_disk_line`` / ``writing`` (``vjepa-ros run``, ``collect`` for the motion
and manipulation tasks, ``eval``, ``reach``, ``check``, any command on a bare ENOSPC, EDQUOT,
EFBIG, EROFS, EIO, EACCES: the write simulated by a stand-in that writes what the real one had
saved by then and raises the errno), ``nodes/camera_node._check_size`` (stand-in cameras through
``camera_factory``) and ``eval/playback.play``'s /clock (fake wall clock).

Defects (strict xfails, fixed in fix51g: the tests below pass, tightened; eval and reach with
the disk of OUT full, as the breaker meant, a bare ENOSPC on a disk with room being (2)):
(1) ``vjepa-ros run --episodes 2`` whose second episode's pictures hit a full disk says
``nothing saved (no step done)`` although the first episode's strip and GIF are in ``--out``.
(2) a bare ENOSPC (no file named: a write to the temp folder, a cache) in a command whose
``--out`` disk has room: the line says ``could not write OUT: no space left on its disk, it is
full, 74801 MB free`` (the command blames its output and contradicts itself).
(3) EDQUOT (a full quota on a disk with room) is worded ``no space left on its disk, it is
full, N MB free; ... free space there``: the disk is not full, the user's quota is.
(4) ``vjepa-ros check`` (writes no files) on a full disk: ``...; nothing saved (check writes
no files): free space there, or give another output on a disk with room``: it has no output.
(5) ``collect`` stopped by a file-size limit (EFBIG: ``ulimit -f``): the line says it was
``not for want of space`` and then ``free space, then collect the rest``.
(6) ``collect --task grasp`` whose disk fills while it saves seed 1's sub-goal images (seed
1's episode file written): ``2 of 4 episodes saved ... --seed 2 --episodes 2``: seed 1 counts
as saved and the rerun skips it, its sub-goal images never made, and the line says nothing of
them.
(7) ``vjepa-ros eval`` whose report hits a full disk: ``vjepa-ros eval: [Errno 28] No space
left on device`` (it passes ``message=`` to ``command_ended``, which then skips the full-disk
line; ``camera-check`` passes its message the same way: same path, not run).
(8) ``vjepa-ros reach`` whose pictures hit a full disk: the same bare line (``failure_line``
passed as ``message=``), though the README says every command that writes names its output.

Held up (pins): EROFS, EIO, EACCES and EFBIG keep their own words in ``command_ended`` (no
full-disk line); ``play`` keeps /clock ticking through a 5 s gap at rate 1 (never past the next
message, never backwards) and never sends it back for messages out of time order;
camera_node publishes a frame read as a view of a padded buffer (row stride > width * 3) with
step = width * 3 and its pixels, and refuses a 4-channel frame (exit status 1, nothing of it
published). Not probed: torchrun ranks and child processes (a child's ENOSPC is its own
line), ``eval`` / ``camera-check`` / ``train`` / ``pretrain`` on a second output; a looping
player's /clock goes back to the bag's start at each pass, as ``ros2 bag play --loop`` and the
README's planner handling say (not a defect); rate changes and pause are no player features.
"""

import errno
import os
import shutil
import time

import numpy as np
import pytest

SEC = 1_000_000_000
T0 = 1_700_000_000 * SEC


def _raising(code):
    return OSError(code, os.strerror(code))


def test_run_on_a_full_disk_after_one_episode_says_it_was_saved(tmp_path, monkeypatch, capsys):
    """A full disk in the second of two ``run`` episodes: the first one's pictures are kept.

    Input: ``vjepa-ros run --task grasp --episodes 2 --world-model oracle --out OUT``; the
    episodes (stand-in for ``run_episodes``) save seed 900000's strip and GIF, then seed
    900001's pictures hit ENOSPC. Was: ``could not write OUT: ...; nothing saved (no step done):
    free space there ...`` and both pictures in OUT. Should: say seed 900000's pictures are
    saved (name them or the count), never ``nothing saved``.
    """
    import vjepa_ros.sim.run_command as run_command
    from vjepa_ros import cli

    def episodes(args, settings, model, out_dir, stopped=None, crashed=None):
        (out_dir / "grasp_cup_900000_strip.png").write_bytes(b"png")
        (out_dir / "grasp_cup_900000.gif").write_bytes(b"gif")
        raise _raising(errno.ENOSPC)

    monkeypatch.setattr(run_command, "run_episodes", episodes)
    _disk_full(monkeypatch)
    out = tmp_path / "out"
    assert cli.main(["run", "--task", "grasp", "--episodes", "2", "--world-model", "oracle",
                     "--out", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "grasp_cup_900000.gif", "grasp_cup_900000_strip.png"]
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "no space left" in line, line
    assert "nothing saved" not in line and "900000" in line, line
    assert (f"saved in {out}: 2 files (grasp_cup_900000.gif, grasp_cup_900000_strip.png)"
            in line), line


def _disk_full(monkeypatch):
    """Make every disk look full (5 MB free), as the disk a bare ENOSPC came from."""
    from vjepa_ros import disk_full

    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: 5 * 2**20)


def _claimed_end(tmp_path, exc, prog="vjepa-ros eval", saved=None):
    """Return the line ``command_ended`` prints for ``exc`` with ``tmp_path/out`` claimed."""
    import contextlib
    import io

    from vjepa_ros.command_errors import command_ended
    from vjepa_ros.out_lock import claim_output, release_outputs

    claim_output(tmp_path / "out", "--out")
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            assert command_ended(prog, exc, saved) == 1
    finally:
        release_outputs()
    return err.getvalue().strip()


def test_a_bare_enospc_does_not_call_a_disk_with_room_full(tmp_path):
    """A bare ENOSPC while ``--out``'s disk has room did not come from writing ``--out``.

    Input: ``command_ended`` with ``--out`` claimed on a disk with more than 1 GB free and
    ``OSError(ENOSPC)`` naming no file (a write to the temp folder, a model cache, a child's
    pipe). Was: ``could not write OUT: no space left on its disk, it is full, 74801 MB free;
    ...``. Should: not say that disk is full while its free space is far above
    ``disk_full.LOW_FREE_BYTES`` (say the full disk is another one: the temp folder?).
    """
    if shutil.disk_usage(tmp_path).free < 2**30:
        pytest.skip("tmp_path's disk has less than 1 GB free")
    line = _claimed_end(tmp_path, _raising(errno.ENOSPC), saved="nothing saved")
    assert "it is full" not in line, line
    assert line.startswith("vjepa-ros eval: a write failed with no space left (not on "
                           f"{tmp_path / 'out'}: "), line
    assert "MB free there): the temp folder or a cache? (TMPDIR " in line, line
    assert "set TMPDIR to a folder on a disk with room" in line, line


def test_a_full_quota_is_not_called_a_full_disk(tmp_path):
    """EDQUOT: the user's quota is full, the disk may have room (fix51d words it as ENOSPC).

    Input: ``OSError(EDQUOT)`` with ``--out`` claimed. Was: ``could not write OUT: no space left
    on its disk, it is full, 74801 MB free; ...``. Should: name the quota (``quota``) and not
    say the disk is full. (breaker51d's pin expects the disk words for EDQUOT too.)
    """
    line = _claimed_end(tmp_path, _raising(errno.EDQUOT))
    assert "quota" in line and "it is full" not in line, line
    assert line.startswith(f"vjepa-ros eval: could not write {tmp_path / 'out'}: your disk "
                           "quota is used up, "), line
    assert "free space" not in line and "free some of your quota" in line, line


def test_check_on_a_full_disk_gives_no_output_advice(capsys, monkeypatch):
    """``check`` has no output option: its full-disk line cannot ask for another one.

    Input: ``command_ended('vjepa-ros check', ENOSPC naming /tmp/cache/x.bin, 'nothing saved
    (check writes no files)')`` (what cli.cmd_check passes). Was: ``could not write
    /tmp/cache/x.bin: ...; nothing saved (check writes no files): free space there, or give
    another output on a disk with room``. Should: no ``give another output`` advice.
    """
    _disk_full(monkeypatch)  # ENOSPC where the disk shows room is no full disk (fix55i)
    from vjepa_ros.command_errors import command_ended

    exc = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/tmp/cache/x.bin")
    assert command_ended("vjepa-ros check", exc, "nothing saved (check writes no files)") == 1
    line = capsys.readouterr().err.strip()
    assert "no space left" in line and "another output" not in line, line
    assert line.endswith("; nothing saved (check writes no files): free space there"), line


def test_collect_on_a_file_size_limit_does_not_advise_freeing_space(tmp_path, monkeypatch,
                                                                    capsys):
    """EFBIG (``ulimit -f``, FAT32) in ``collect``: freeing space does not help.

    Input: ``vjepa-ros collect --episodes 4 --seed 0 --out OUT`` whose second episode file
    hits EFBIG (stand-in ``collector.collect``: the first saved). Was: ``...the write stopped
    short (file too large for it), not for want of space ...: write it to a disk without that
    limit (1 of 4 episodes saved ...: free space, then collect the rest with --out OTHER_FOLDER
    --seed 1 --episodes 3)``. Should: no ``free space`` in the advice of that line.
    """
    import vjepa_ros.sim.collector as collector
    from vjepa_ros import cli

    def collect(out_dir, episodes, seed, sim_config, config, randomization=None):
        os.makedirs(out_dir, exist_ok=True)
        (tmp_path / "out" / f"episode_{seed:06d}.npz").write_bytes(b"npz")
        raise _raising(errno.EFBIG)

    monkeypatch.setattr(collector, "collect", collect)
    assert cli.main(["collect", "--episodes", "4", "--seed", "0",
                     "--out", str(tmp_path / "out")]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "not for want of space" in line, line
    assert "free space" not in line, line
    assert "`ulimit -f unlimited`" in line and line.endswith("--seed 1 --episodes 3"), line


def test_collect_full_disk_in_sub_goal_images_says_they_are_missing(tmp_path, monkeypatch,
                                                                    capsys):
    """A full disk while seed 1's sub-goal images are saved (its episode file written).

    Input: ``vjepa-ros collect --task grasp --episodes 4 --seed 0 --out OUT``; the stand-in
    ``collect_manipulation`` writes seed 0's episode and sub-goal image, seed 1's episode file,
    then ENOSPC at seed 1's first sub-goal image. Was: ``2 of 4 episodes saved in OUT (the file
    being written is removed); ... collect the rest with --out OTHER_FOLDER --seed 2 --episodes
    2``: no word that seed 1 has no sub-goal images, and the advice never makes them. Should:
    name the seed whose sub-goal images are missing (or count it as not saved and rerun it).
    """
    _disk_full(monkeypatch)  # ENOSPC where the disk shows room is no full disk (fix55i)
    import vjepa_ros.sim.manipulation as manipulation
    from vjepa_ros import cli

    def collect(out_dir, task, kind, episodes, seed, width, height):
        os.makedirs(out_dir, exist_ok=True)
        (tmp_path / "out" / f"{task}_{kind}_{seed:06d}.npz").write_bytes(b"npz")
        (tmp_path / "out" / f"{task}_{kind}_{seed:06d}_subgoal1_grasp.png").write_bytes(b"png")
        (tmp_path / "out" / f"{task}_{kind}_{seed + 1:06d}.npz").write_bytes(b"npz")
        raise _raising(errno.ENOSPC)

    monkeypatch.setattr(manipulation, "collect_manipulation", collect)
    out = tmp_path / "out"
    assert cli.main(["collect", "--task", "grasp", "--episodes", "4", "--seed", "0",
                     "--out", str(out)]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "no space left" in line, line
    assert "--seed 1 " in line and "seed 1: its sub-goal images cut off" in line, line
    # mend53b: the removed episode file was whole: the line says so, and that the rerun remakes it
    assert "episode file (whole, usable for training) is removed too" in line, line
    assert "a rerun from that seed records it again with them" in line, line
    assert f"1 of 4 episodes saved in {out}" in line, line
    # seed 1 is not saved: its episode file is gone, the advice collects it again
    assert sorted(p.name for p in out.iterdir()) == [
        "grasp_cup_000000.npz", "grasp_cup_000000_subgoal1_grasp.png"]
    advice = line.split("collect the rest: rerun the same command with ")[1].split()
    other = tmp_path / "other"
    advice[advice.index("OTHER_FOLDER")] = str(other)

    def whole(out_dir, task, kind, episodes, seed, width, height):
        os.makedirs(out_dir, exist_ok=True)
        for number in range(seed, seed + episodes):
            stem = tmp_path / "other" / f"{task}_{kind}_{number:06d}"
            stem.with_suffix(".npz").write_bytes(b"npz")
            (tmp_path / "other" / f"{stem.name}_subgoal1_grasp.png").write_bytes(b"png")

    monkeypatch.setattr(manipulation, "collect_manipulation", whole)
    assert cli.main(["collect", "--task", "grasp", *advice]) == 0
    seeds = [p.name for folder in (out, other) for p in folder.iterdir() if p.suffix == ".npz"]
    assert sorted(seeds) == [f"grasp_cup_{n:06d}.npz" for n in range(4)], seeds


def test_eval_on_a_full_disk_names_its_out(tmp_path, monkeypatch, capsys):
    """``eval`` writing its report on a full disk: the README's line, not a bare errno.

    Input: ``vjepa-ros eval BAG --out OUT`` (the example bag, a small search) whose
    ``write_report`` raises a bare ENOSPC. Was: ``vjepa-ros eval: [Errno 28] No space left on
    device``: eval passes ``message=without_train_keys(str(exc))`` to ``command_ended``, which
    then never words a full disk (camera-check passes its message the same way). Should:
    ``could not write OUT: no space left ...`` and what was saved.
    """
    import vjepa_ros.eval.report as report
    from vjepa_ros import cli
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.bag_writing import write_episode

    bag = write_episode(tmp_path / "franka_bag", load_example())

    def write_report(result, out, plots=True):
        raise _raising(errno.ENOSPC)

    monkeypatch.setattr(report, "write_report", write_report)
    _disk_full(monkeypatch)
    out = tmp_path / "ev"
    assert cli.main(["eval", str(bag), "--out", str(out), "--samples", "8", "--iterations", "1",
                     "--topk", "2", "--landscape-points", "0", "--no-plots", "--quiet"]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"vjepa-ros eval: could not write {out}: no space left"), line


def test_reach_on_a_full_disk_while_saving_pictures_names_its_out(tmp_path, monkeypatch,
                                                                   capsys):
    """``reach`` whose pictures hit a full disk: the README's line, not a bare errno.

    Input: ``vjepa-ros reach --out OUT`` with ``run_reach_demo`` (stand-in) saving the strip,
    then raising a bare ENOSPC in its ``pictures`` stage (``reach_stage``, as it tags it).
    Was: ``vjepa-ros reach: [Errno 28] No space left on device`` (``failure_line`` is passed
    as ``message=``). Should: ``could not write OUT: no space left ...`` and that the strip
    was saved.
    """
    import vjepa_ros.nodes.reach_demo as reach_demo
    from vjepa_ros import cli

    def run(config, out_dir, say=print, seed_from="--goal-seed"):
        (out_dir / "reach_strip.png").write_bytes(b"png")
        exc = _raising(errno.ENOSPC)
        exc.reach_stage = "pictures"
        raise exc

    monkeypatch.setattr(reach_demo, "run_reach_demo", run)
    _disk_full(monkeypatch)
    out = tmp_path / "out"
    assert cli.main(["reach", "--out", str(out)]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"vjepa-ros reach: could not write {out}: no space left"), line
    assert f"saved in {out}: 1 file (reach_strip.png)" in line, line


@pytest.mark.parametrize("code", [errno.EROFS, errno.EIO, errno.EACCES],
                         ids=["EROFS", "EIO", "EACCES"])
def test_errors_that_are_not_a_full_disk_keep_their_words(tmp_path, code):
    """Pin: a read-only disk, an I/O error, a refused permission: no wolf.

    (A file-size limit, EFBIG, has its own line: user51m, below.)
    """
    line = _claimed_end(tmp_path, _raising(code), saved="nothing saved")
    assert line == f"vjepa-ros eval: [Errno {code}] {os.strerror(code)}", line


def _played(times, rate=1.0):
    """Return the (kind, bag ns, wall s) events of ``play`` over ``times`` on a fake clock."""
    from vjepa_ros.eval.playback import BagMessage, play

    wall, events = [100.0], []

    def sleep(seconds):
        wall[0] += seconds

    messages = [BagMessage("/joint_states", "sensor_msgs/msg/JointState", t, b"") for t in times]
    assert play(messages, lambda m: events.append(("msg", m.time_ns, wall[0])),
                lambda ns: events.append(("clock", ns, wall[0])), rate=rate, clock_hz=40.0,
                now=lambda: wall[0], sleep=sleep) == len(times)
    return events


def test_clock_keeps_ticking_through_a_five_second_gap():
    """Pin: a 5 s gap in the bag at rate 1: /clock ticks about every 25 ms, never past the next."""
    events = _played([T0, T0 + SEC // 10, T0 + 5 * SEC + SEC // 10, T0 + 5 * SEC + SEC // 5])
    clocks = [(ns, at) for kind, ns, at in events if kind == "clock"]
    assert all(b[0] > a[0] for a, b in zip(clocks, clocks[1:], strict=False))
    in_gap = [(ns, at) for ns, at in clocks if T0 + SEC // 10 < ns < T0 + 5 * SEC + SEC // 10]
    assert len(in_gap) > 150  # 40 Hz over 5 s: 200 ticks
    assert max(b[1] - a[1] for a, b in zip(in_gap, in_gap[1:], strict=False)) < 0.06
    messages = [ns for kind, ns, _ in events if kind == "msg"]
    for index, (kind, ns, _) in enumerate(events):
        if kind == "clock":
            upcoming = [t for k, t, _ in events[index:] if k == "msg"]
            assert not upcoming or ns <= upcoming[0]
    assert messages == sorted(messages)


def test_clock_never_goes_back_for_messages_out_of_time_order():
    """Pin: messages given out of time order: /clock only moves forward."""
    events = _played([T0, T0 + 2 * SEC, T0 + SEC, T0 + 3 * SEC], rate=4.0)
    clocks = [ns for kind, ns, _ in events if kind == "clock"]
    assert clocks == sorted(set(clocks)) and clocks[-1] == T0 + 3 * SEC


def _padded_camera():
    """Return a stand-in camera (breaker51d's) whose frames are views of a padded buffer."""
    from test_breaker51d import _StandInCamera

    class PaddedCamera(_StandInCamera):
        def read(self):
            time.sleep(0.03)
            self.count += 1
            buffer = np.zeros((48, 64 * 3 + 8), np.uint8)  # rows 200 bytes apart
            buffer[:, : 64 * 3] = np.arange(64 * 3, dtype=np.uint8)
            return buffer[:, : 64 * 3].reshape(48, 64, 3)  # a strided view

    return PaddedCamera


def test_a_padded_row_stride_frame_is_published_compact(context):
    """Pin: a frame viewed in a padded buffer goes out as 64x48, step 192, its own pixels."""
    from test_ros_camera_node import _stream

    images, infos, _, node = _stream(context, camera=_padded_camera(), count=3)
    assert node.exit_status() == 0
    image = images[-1]
    assert (image.width, image.height, image.step) == (64, 48, 192)
    rows = np.frombuffer(bytes(image.data), np.uint8).reshape(48, 192)
    assert (rows == np.arange(192, dtype=np.uint8)).all()
    assert all((i.width, i.height) == (64, 48) for i in infos)


def _four_channel_camera():
    """Return a stand-in camera whose third frame is RGBA ([48, 64, 4])."""
    class FourChannelCamera(_padded_camera()):
        def read(self):
            time.sleep(0.03)
            self.count += 1
            return np.zeros((48, 64, 3 if self.count <= 2 else 4), np.uint8)

    return FourChannelCamera


def test_a_four_channel_frame_ends_the_node_with_one_line(context):
    """Pin: an RGBA frame after two RGB ones: ImageError, exit status 1, not published."""
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.camera_node import CameraNode

    node = CameraNode(camera_factory=_four_channel_camera(), context=context, parameter_overrides=[
        Parameter("width", value=64), Parameter("height", value=48)])
    try:
        assert node.done.wait(15.0), "camera_node still running after an RGBA frame"
    finally:
        node.destroy_node()
    assert node.exit_status() == 1 and node.camera.count == 3
    assert "got shape (48, 64, 4)" in str(node.error) and "\n" not in str(node.error)


def _writing_commands():
    """Return the ``vjepa-ros --help`` commands that write files (``out`` or ``--out``)."""
    import argparse

    from vjepa_ros.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(name for name, parser in sub.choices.items()
                  if any(action.dest == "out" or "--out" in action.option_strings
                         for action in parser._actions))


def test_the_writing_commands_are_the_readmes():
    """The commands probed below are those the README says claim an output."""
    assert _writing_commands() == sorted(["bag-from-npz", "camera-check", "collect", "eval",
                                          "pretrain", "reach", "record", "run", "train"])


def _command_line(tmp_path, command, exc):
    """Return the line ``command_ended`` prints for ``exc`` as ``command`` passes it.

    Its own ``message=``, ``nothing saved`` as its stop words, ``tmp_path/out`` claimed as its
    ``--out`` and holding ``a.png``.
    """
    import contextlib
    import io

    from vjepa_ros.command_errors import command_ended
    from vjepa_ros.out_lock import claim_output, release_outputs

    claim_output(tmp_path / "out", "--out")
    (tmp_path / "out" / "a.png").write_bytes(b"png")
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            assert command_ended(f"vjepa-ros {command}", exc, "nothing saved", status=1,
                                 message=str(exc)) == 1
    finally:
        release_outputs()
    return err.getvalue().strip()


@pytest.mark.parametrize("command", _writing_commands())
@pytest.mark.parametrize("full", [True, False], ids=["its-disk-full", "another-disk"])
def test_no_command_ends_on_a_bare_errno_28(tmp_path, monkeypatch, command, full):
    """Every writing command's bare ENOSPC, with its own message as it passes it: never bare.

    ``command_ended`` as each command calls it (its own ``message=``, what it saved), its
    output claimed: ``could not write OUT: no space left ...`` when OUT's disk is full, else
    the temp folder's line; never ``[Errno 28] No space left on device``.
    """
    if full:
        _disk_full(monkeypatch)
    line = _command_line(tmp_path, command, _raising(errno.ENOSPC))
    assert "Errno" not in line and f"saved in {tmp_path / 'out'}: 1 file (a.png)" in line, line
    start = (f"could not write {tmp_path / 'out'}: no space left" if full else
             "a write failed with no space left (not on ")
    assert line.startswith(f"vjepa-ros {command}: {start}"), line


@pytest.mark.parametrize("command", _writing_commands())
def test_no_command_ends_on_a_bare_errno_27(tmp_path, command):
    """Every writing command's bare EFBIG (``ulimit -f``; a plot PNG names no file): one line.

    user51u: ``(ulimit -f 20; vjepa-ros eval b1 --out e1 ...)`` ended ``vjepa-ros eval: [Errno
    27] File too large``: no file, nothing of what was saved, no fix. Should (``command_ended``
    as each command calls it, its own ``message=``): name OUT, the limit, what OUT holds, and
    raise the limit (a new shell for a lowered hard limit), never free space or a disk with room.
    """
    line = _command_line(tmp_path, command, _raising(errno.EFBIG))
    assert line.startswith(f"vjepa-ros {command}: could not write {tmp_path / 'out'}: the write "
                           "stopped short (file too large for it), not for want of space, "), line
    assert f"saved in {tmp_path / 'out'}: 1 file (a.png): raise the file-size limit" in line, line
    assert "in a new shell" in line and "`ulimit -S -f N`" in line, line
    assert line.endswith("or write to a disk without one (another --out there)"), line
    assert "Errno" not in line and "free space" not in line and "with room" not in line, line


def test_a_bare_efbig_with_no_output_names_the_limit(capsys):
    """EFBIG in a command with no output (``check``): the limit and its fix, no output advice."""
    from vjepa_ros.command_errors import command_ended

    exc = _raising(errno.EFBIG)
    assert command_ended("vjepa-ros check", exc, "nothing saved (check writes no files)") == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith("vjepa-ros check: a write stopped short (file too large for it): a "
                           "file-size limit? "), line
    assert line.endswith("nothing saved (check writes no files): raise the file-size limit "
                         "(`ulimit -f unlimited`, in a new shell if `ulimit -f N` lowered this "
                         "one's hard limit: `ulimit -S -f N` lowers only the soft one) or write "
                         "to a disk without one"), line


def test_bag_from_npz_on_a_file_size_limit_points_at_no_disk_with_room(tmp_path):
    """bag-from-npz's EFBIG: ``... or write to a disk without one (another out folder there)``.

    user51u: the line said ``not for want of space`` and ended ``or give another out folder on
    a disk with room`` (``bag_writing`` added it whatever the cause). ENOSPC keeps it.
    """
    from vjepa_ros.disk_full import DiskFullError
    from vjepa_ros.eval.command import bag_writing

    lines = {}
    for code in (errno.EFBIG, errno.ENOSPC):
        with pytest.raises(DiskFullError) as caught, bag_writing(tmp_path / "b1"):
            raise _raising(code)
        lines[code] = str(caught.value)
    assert lines[errno.EFBIG].endswith(
        "nothing saved there (the part written is removed): raise the file-size limit "
        "(`ulimit -f unlimited`, in a new shell if `ulimit -f N` lowered this one's hard limit: "
        "`ulimit -S -f N` lowers only the soft one) or write to a disk without one (another out "
        "folder there)"), lines[errno.EFBIG]
    assert "with room" not in lines[errno.EFBIG], lines[errno.EFBIG]
    assert lines[errno.ENOSPC].endswith(
        ": free space there, or give another out folder on a disk with room"), lines[errno.ENOSPC]
