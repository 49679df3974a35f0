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


@pytest.mark.parametrize("cut", [0, 40])
def test_an_unreadable_last_split_part_is_named_once_in_the_packages_words(tmp_path, cut):
    """An empty (or cut before its first message) last part of a bag folder: one note.

    rosbags' ``cannot open as a rosbag2 bag: File '.../x_2.mcap' seems to be empty: reading its
    data files directly`` came beside the package's note saying the same.
    """
    from test_discovery_low28 import _killed

    from vjepa_ros.recordings.bags import read_recording

    folder = _killed(tmp_path, (0, 1, 2), True)
    (folder / "x_2.mcap").write_bytes((folder / "x_1.mcap").read_bytes()[:cut])
    recording = read_recording(folder)
    assert len(recording.image_times) == 8
    assert len(recording.notes) == 1, recording.notes
    assert recording.notes[0].startswith(f"{folder / 'x_2.mcap'} is ")
    assert "it is the last file of a split recording" in recording.notes[0]


def test_an_out_beside_an_episode_file_given_is_no_out_among_the_data(tmp_path):
    """``--data dir/ep0.npz --out dir/run`` stays allowed (decided, not changed, in data29).

    The data given is the file; a run writes no file a later ``--data dir`` reads as data, and
    ``train --data two.npz --out run`` in one folder is the common call. A bag's data file
    given: its folder is the recording, guarded.
    """
    from vjepa_ros.train.out_check import out_among_data

    episode = blob_episode(frames=4, seed=1, size=16).save(tmp_path / "dir" / "ep0.npz")
    assert out_among_data(tmp_path / "dir" / "run", {"--data": [episode]}) == ""
    assert out_among_data(tmp_path / "dir" / "enc.pt", {"--data": [episode]}, file=True) == ""
    assert out_among_data(tmp_path / "dir" / "run", {"--data": [episode.parent]}) != ""

def test_pretrain_out_beside_a_loose_data_file_is_written_an_out_folder_holding_one_is_not(
        tmp_path, capsys):
    """``pretrain --out rec/enc.pt``, ``rec`` holding a loose ``x.mcap``: written beside it.

    The folder guard is for an output folder the command writes into: ``train --out rec`` is
    refused (the run would write among the data files), but ``--out enc.pt`` is a file, and a
    loose ``x.mcap`` is a recording of its own, left whole (no ``.pt``/``.json``/``.png`` is
    read as data). It was refused as ``rec`` "holds rosbag2 data files".
    """
    episode = blob_episode(frames=6, seed=1, size=16).save(tmp_path / "eps" / "ep0.npz")
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "x.mcap").write_bytes(b"a recording")
    into = "would write its files into the recording; give an --out outside the data"
    assert _refused(capsys, ["train", "--data", str(episode.parent), "--out", str(rec),
                             "--encoder", "demo", "--steps", "1", "--quiet"]) == (
        f"--out {rec} holds rosbag2 data files (x.mcap): the run {into}")
    enc = rec / "enc.pt"
    assert main(["pretrain", "--data", str(episode.parent), "--out", str(enc),
                 "--steps", "0"]) == 0, capsys.readouterr().err
    assert enc.is_file() and (rec / "x.mcap").read_bytes() == b"a recording"


@pytest.mark.parametrize("recording, why", [
    ({"metadata.yaml": "rosbag2_bagfile_information: {}\n"}, "is a rosbag2 bag"),
    ({"x_0.mcap": "part"}, "holds a rosbag2 recording's data files (x_0.mcap)"),  # killed
    ({"rec.mcap": "data"}, "holds a rosbag2 recording's data files (rec.mcap)"),  # as named
])
def test_pretrain_out_in_a_recordings_own_folder_is_still_refused(recording, why, tmp_path):
    """A bag's folder, or a recorder's killed before its metadata.yaml: into the recording."""
    from vjepa_ros.train.out_check import out_among_data

    rec = tmp_path / "rec"
    rec.mkdir()
    for name, text in recording.items():
        (rec / name).write_text(text)
    assert out_among_data(rec / "enc.pt", {"--data": [tmp_path / "eps"]}, setting="--out",
                          writer="pretraining", file=True) == (
        f"--out {rec / 'enc.pt'} lies in {rec}, which {why}: pretraining would write its files "
        "into the recording; give an --out outside the data")


NEWLINE = "a\nb.mcap"  # a name a user's script can write (a label with a line break)


def test_an_eval_of_a_recording_named_with_a_newline_is_refused_in_one_line(tmp_path, capsys):
    r"""An eval of an empty ``a\nb.mcap``, and of its folder beside an episode: one line each.

    The name was printed as it is: the message went on on a second line.
    """
    from vjepa_ros.path_text import shown_path

    data = tmp_path / "data"
    data.mkdir()
    (data / NEWLINE).write_bytes(b"")
    shown = shown_path(data / NEWLINE)
    assert shown == "$'" + str(data).replace("'", "\\'") + "/a\\nb.mcap'"
    text = _refused(capsys, ["eval", str(data / NEWLINE), "--checkpoint", "demo", "--out",
                             str(tmp_path / "ev")])
    assert text.startswith(f"{shown} is empty (0 bytes): nothing to read; "), text
    blob_episode(frames=4, seed=1, size=16).save(data / "ep0.npz")
    text = _refused(capsys, ["eval", str(data), "--checkpoint", "demo", "--out",
                             str(tmp_path / "ev")])
    assert "its data file ($'a\\nb.mcap') beside other recordings" in text, text
    assert text.endswith(f"give one of them, e.g. {shown}"), text


def test_train_discovery_names_a_newline_in_a_file_name_on_one_line(tmp_path, capsys):
    """``train --data DIR``: the skip note's ``mv -n`` and the refusal stay one line each.

    The refusal's whitespace was collapsed (``a b.mcap``: another file's name); the note and its
    command spanned lines.
    """
    from vjepa_ros.path_advice import shell_command
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.train.episodes import EpisodeError, find_sources

    data = tmp_path / "data"
    data.mkdir()
    blob_episode(frames=4, seed=1, size=16).save(data / "ep0.npz")
    upper = data / "a\nb.MCAP"
    upper.write_bytes(b"x")
    notes: list[str] = []
    find_sources([data], notes)
    lower = data / NEWLINE
    assert notes == [f"skipped {shown_path(upper)}: its suffix is not lower case as data's are "
                     "(.mcap, .db3, .mcap.zstd, .db3.zstd, .npz); to read it: "
                     f"`{shell_command('mv', '-n', upper, lower)}`"], notes
    assert "\n" not in notes[0]
    lower.write_bytes(b"")
    text = _refused(capsys, ["train", "--data", str(data), "--out", str(tmp_path / "run"),
                             "--encoder", "demo", "--steps", "1", "--quiet"])
    assert text.startswith(f"{shown_path(lower)} is empty (0 bytes): nothing to read"), text
    with pytest.raises(EpisodeError) as refused:
        find_sources([lower.with_name("c\td.db")])  # a tab: quoted as well
    assert str(refused.value).startswith(f"$'{data}/c\\td.db'"), refused.value


def test_advice_quoting_a_control_character_is_one_line_that_a_shell_reads_back(tmp_path):
    """shell_command: ``$'...'`` for a word with a line break, tab, quote or undecodable byte."""
    import os
    import subprocess
    from pathlib import Path

    from vjepa_ros.path_advice import shell_command

    names = ["a\nb.mcap", "it's\tx", os.fsdecode(b"\xff\x01z"), "plain", "a b", "-x.npz"]
    command = shell_command("printf", "%s\\0", *map(Path, names))
    assert "\n" not in command
    assert command.startswith("printf '%s\\0' $'a\\nb.mcap' $'it\\'s\\tx' $'\\xff\\x01z' "
                              "plain 'a b' ./-x.npz"), command
    out = subprocess.run(["bash", "-c", command], capture_output=True, check=True).stdout
    assert out.split(b"\0")[:-1] == [os.fsencode(n) for n in [*names[:5], "./-x.npz"]]


@pytest.mark.parametrize("numbers, gone", [
    ((0, 5), ["x_1.mcap", "x_2.mcap", "x_3.mcap"]),  # 4 gone for 2 found: a split's copy
    ((1, 3), ["x_0.mcap", "x_2.mcap"]),
    ((0, 6), []),  # 5 gone for 2 found: no split's numbering
    ((100, 400), []),  # < 1000 apart, by time or take: 398 parts were said lost
    ((1_701_600_000, 1_701_600_060), []),  # Unix time
])
def test_missing_parts_are_claimed_by_a_split_numbering_only(numbers, gone):
    """At most two parts gone per part found (``recorded_files.GONE_PER_PART``).

    Before: parts numbered from below 1000 and less than 1000 apart (``x_100``, ``x_400``)
    claimed every number between lost; only a first part past 1000 or 1000 gone said none.
    """
    from pathlib import Path

    from vjepa_ros.recordings.recorded_files import missing_parts

    folder = Path("/data/take")
    said = missing_parts([folder / f"x_{number}.mcap" for number in numbers])
    if not gone:
        assert said == [], said
    else:
        assert len(said) == 1 and said[0].startswith(f"{folder}: {', '.join(gone)}"), said
