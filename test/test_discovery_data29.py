"""data29: small data-layer defects left by session 28.

``bag-from-npz --episode EP0.NPZ`` read the upper-case file every other command refuses; a
recording named with a newline broke one-line advice over lines; an empty last split part had
rosbags' note beside ours; ``train --out`` in the folder of a ``--data`` episode file, and
``pretrain --out`` in a folder of loose data files, were not refused.
"""

import pytest

from vjepa_ros.cli import main
from vjepa_ros.train.synthetic import blob_episode


def _refused(capsys, argv) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.split(": ", 1)[1].strip()  # after "vjepa-ros COMMAND: "


def test_bag_from_npz_refuses_an_upper_case_episode_with_the_move(tmp_path, capsys):
    from vjepa_ros.recordings.bag_folders import upper_case_fix

    episode = blob_episode(frames=4, seed=1, size=16).save(tmp_path / "ep0.npz")
    upper = episode.rename(tmp_path / "EP0.NPZ")
    text = _refused(capsys, ["bag-from-npz", str(tmp_path / "bag"), "--episode", str(upper)])
    assert text == f"episode {upper}: {upper_case_fix(upper)}"
    assert f"`mv -n {upper} {tmp_path / 'EP0.npz'}`" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["EP0.NPZ"]
