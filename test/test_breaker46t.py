"""breaker46t: today's goal-image features tried as a new user, from the command line.

What a user runs: ``vjepa-ros eval --goal`` on a bag written by ``vjepa-ros bag-from-npz`` (the
real Franka frames), with every kind of goal file README's Goal images paragraph names
(``file://`` URIs, ``package://`` URLs against a sourced workspace, an animated GIF, transparent
and constant-alpha PNGs, a 16-bit grey PNG, a symlink loop, other URL schemes), and the planner
node's ``goal_image_path`` set over ROS (in-process node, oracle world model).

Held up (pins): file:// URIs (%20, localhost, query and fragment dropped) and package:// URLs
(double slash, upper-case scheme) load; every refusal is one line on stderr, exit 1, naming the
file, with README's quoted phrases; constant alpha 1 loads, alpha 0 everywhere is refused; a
``..`` escape names the URL; no workspace sourced says so and gives ``$(ros2 pkg prefix ...)``;
the node takes a file:// goal_image_path and refuses a transparent one naming the parameter.

Defects (fixed: descriptions, --help and the refusals name the URL forms): ``eval --help``'s
``--goal``, the image publisher's ``path`` and the
planner's ``goal_image_path`` descriptions say nothing of file:// or package:// (README says all
three take them); the other-scheme refusal lists "an absolute path or a file:// URI" as what is
read, leaving out package:// (README: "an absolute path, a file:// URI or a package:// URL");
``package://my_pkg`` (no file part) is refused as "<share>/my_pkg is a folder" without the URL
the user typed, while a missing file under the same URL says "(named by package://...)".
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = Path("/work/shared/data/franka_example_traj.npz")
if not EXAMPLE.is_file():
    EXAMPLE = ROOT.parent / "shared" / "data" / "franka_example_traj.npz"
FAST = ["--max-steps", "1", "--no-plots", "--quiet", "--samples", "4", "--topk", "2",
        "--iterations", "1", "--landscape-points", "0", "--threads", "1"]


def vjepa_ros(*args, env=None, cwd=None):
    """Run ``vjepa-ros ARGS`` as a user would (this checkout's package); return the process."""
    code = "import sys; from vjepa_ros.entry_points import vjepa_ros_command as m; sys.exit(m())"
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=full, cwd=cwd, timeout=120)


def _frame():
    return np.load(EXAMPLE)["observations"][0, 1]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Make the bag and one goal file of each kind; return their folder."""
    d = tmp_path_factory.mktemp("goals")
    done = vjepa_ros("bag-from-npz", str(d / "bag"))
    assert done.returncode == 0, done.stderr
    f = _frame()
    Image.fromarray(f).save(d / "my goal.png")
    opaque = np.full(f.shape[:2], 255, np.uint8)
    half = opaque.copy()
    half[:128] = 0
    for name, alpha in (("transp.png", half), ("const1.png", opaque // 255),
                        ("zero.png", opaque * 0)):
        Image.fromarray(np.dstack([f, alpha]), "RGBA").save(d / name)
    Image.fromarray(f).save(d / "anim.gif", save_all=True,
                            append_images=[Image.fromarray(255 - f)], duration=100)
    Image.fromarray(f[..., 0].astype(np.uint16) * 257).save(d / "grey16.png")
    os.symlink(d / "loopb.png", d / "loopa.png")
    os.symlink(d / "loopa.png", d / "loopb.png")
    share = d / "ws" / "share"
    (share / "ament_index" / "resource_index" / "packages").mkdir(parents=True)
    (share / "ament_index" / "resource_index" / "packages" / "my_pkg").touch()
    (share / "my_pkg" / "goals").mkdir(parents=True)
    Image.fromarray(f).save(share / "my_pkg" / "goals" / "goal.png")
    Image.fromarray(f).save(share / "top.png")
    return d


def eval_goal(d, goal, workspace=False):
    """Run ``vjepa-ros eval BAG --goal GOAL`` (fast settings); return the process."""
    env = {"AMENT_PREFIX_PATH": str(d / "ws")} if workspace else {"AMENT_PREFIX_PATH": ""}
    out = d / f"out{abs(hash(goal)) % 10**8}"
    return vjepa_ros("eval", str(d / "bag"), "--out", str(out), "--goal", goal, *FAST, env=env)


def refusal(done):
    """Return the one stderr line of a refused eval (exit 1, nothing else printed)."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("vjepa-ros eval: --goal: ")
    return lines[0]


@pytest.mark.parametrize("goal", ["file://{d}/my%20goal.png",
                                  "file://localhost{d}/my%20goal.png?x=1#frag",
                                  "FILE:{d}/my%20goal.png"])
def test_eval_takes_file_uris(files, goal):
    """README: file:///data/my%20goal.png, file://localhost/..., query/fragment dropped."""
    done = eval_goal(files, goal.format(d=files))
    assert done.returncode == 0, done.stderr
    assert "report.json" in done.stdout


@pytest.mark.parametrize("goal", ["package://my_pkg/goals/goal.png",
                                  "package://my_pkg//goals/goal.png",
                                  "PACKAGE://my_pkg/goals/goal.png"])
def test_eval_takes_package_urls_in_a_sourced_workspace(files, goal):
    """README: package://my_pkg/goals/goal.png is goals/goal.png in my_pkg's share folder."""
    done = eval_goal(files, goal, workspace=True)
    assert done.returncode == 0, done.stderr


def test_eval_takes_constant_nonzero_alpha(files):
    """README: alpha one value above 0 everywhere (an exporter leaving it unset) loads."""
    done = eval_goal(files, str(files / "const1.png"))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name, phrases", [
    ("transp.png", ["has transparent pixels (alpha below 255 in 50% of them)",
                    "flatten it onto the scene's background or save it without alpha"]),
    ("zero.png", ["alpha 0 in every pixel", "fully transparent"]),
    ("anim.gif", ["holds 2 frames", "export the frame that shows the goal as a still PNG"]),
    ("grey16.png", ["single-channel 16-bit", "colour image"]),
    ("loopa.png", ["symlink loop"]),
])
def test_eval_refuses_bad_goal_files_in_readme_words(files, name, phrases):
    """Each refusal: one line naming the file, in the words README quotes."""
    line = refusal(eval_goal(files, str(files / name)))
    assert str(files / name) in line
    for phrase in phrases:
        assert phrase in line


def test_eval_package_url_refusals_name_the_url_and_what_to_do(files):
    """No workspace sourced, and a .. escape: one line naming the URL and what to do."""
    line = refusal(eval_goal(files, "package://my_pkg/goals/goal.png"))
    assert "package://my_pkg/goals/goal.png" in line and "no ROS 2 workspace" in line
    assert "$(ros2 pkg prefix --share my_pkg)/goals/goal.png" in line
    line = refusal(eval_goal(files, "package://my_pkg/../top.png", workspace=True))
    assert "package://my_pkg/../top.png" in line and "'..'" in line
    line = refusal(eval_goal(files, "package://other/x.png", workspace=True))
    assert "no such package" in line


@pytest.mark.parametrize("url", ["http://example.com/g.png", "s3://bucket/g.png"])
def test_eval_refuses_other_schemes_naming_them(files, url):
    """README: http://, https://, s3:// are refused naming the URL."""
    line = refusal(eval_goal(files, url))
    assert url in line and "only local files are read" in line


def test_eval_help_mentions_uris_for_goal():
    """``vjepa-ros eval --help``.

    Printed: ``--goal GOAL  goal image file; default: the frame --goal-offset steps later``.
    Should: say it also takes a file:// URI or a package:// URL (README's Goal images lists
    ``eval --goal`` among the paths the one resolver reads), as a new user reads --help first.
    """
    text = " ".join(vjepa_ros("eval", "--help").stdout.split())
    goal = text[text.index("--goal GOAL "):text.index("--goal-offset GOAL_OFFSET goal")]
    assert "file://" in goal and "package://" in goal


def test_image_publisher_path_description_mentions_uris():
    """``ros2 param describe /image_publisher path`` (= config/image_publisher.yaml's comment).

    Printed: ``Image file (PNG, JPEG, ...) to publish; required. 32 to 8192 px a side, ...``.
    Should: say a file:// URI or package:// URL is taken (README: the image_publisher's ``path``
    is read by the same loader, and its URL paragraph applies).
    """
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig

    field = ImagePublisherConfig.__dataclass_fields__["path"]
    text = field.metadata["description"]
    assert "file://" in text and "package://" in text


def test_planner_goal_image_path_description_mentions_uris():
    """config/planner.yaml's goal_image_path comment (its parameter description).

    Printed: ``Goal image file (an absolute path: a relative one is the node's working
    directory's), 32..8192 px a side, ...``. Should: name the file:// URI and package:// URL
    forms README's Goal images paragraph promises for ``goal_image_path(s)``.
    """
    text = (ROOT / "config" / "planner.yaml").read_text()
    start = text.index("# Goal image file")
    comment = text[start:text.index("goal_image_path:", start)]
    assert "file://" in comment and "package://" in comment


def test_other_scheme_refusal_lists_package_urls(files):
    """``vjepa-ros eval BAG --goal http://example.com/g.png``.

    Printed: ``... is a http:// URL, not a local file: only local files are read (an absolute
    path or a file:// URI); copy the file here and give its path``. Should: as README says,
    "only local files are read (an absolute path, a file:// URI or a package:// URL)": a user
    with the image in an installed package is told of the one form that fits.
    """
    line = refusal(eval_goal(files, "http://example.com/g.png"))
    assert "package://" in line


def test_package_url_without_a_file_names_the_url(files):
    """``vjepa-ros eval BAG --goal package://my_pkg`` (workspace sourced).

    Printed: ``--goal: <ws>/share/my_pkg is a folder, not an image file: give an image file``,
    a folder the user never typed. Should: name the URL given, as a missing file under the same
    URL does (``image file not found: ... (named by package://my_pkg/goals/missing.png)``).
    """
    missing = refusal(eval_goal(files, "package://my_pkg/goals/missing.png", workspace=True))
    assert "(named by package://my_pkg/goals/missing.png)" in missing
    line = refusal(eval_goal(files, "package://my_pkg", workspace=True))
    assert "package://my_pkg" in line


def test_planner_takes_a_file_uri_and_refuses_transparency_naming_the_parameter(files):
    """``ros2 param set /vjepa_planner goal_image_path file:///...%20...`` on a running node.

    The URI becomes the goal (the same image as the plain path); a transparent PNG, which only
    its decode refuses (the set checks headers: fix59a), is refused after the set in one error
    line naming the parameter and the file, the URI goal stays, and ``goal_image_path`` is set
    back to the URI (review59r #3: it named the refused file).
    """
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from rcl_interfaces.msg import Log
    from test_ros_planner_goals import ORACLE, set_goal_param
    from test_ros_planner_node import Harness

    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.sim.oracle import OracleWorldModel

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PlannerNode, "_load_model", lambda self: OracleWorldModel())
        h = Harness("oracle (test stand-in)", **ORACLE)
        try:
            uri = f"file://localhost{files}/my%20goal.png#x"
            assert set_goal_param(h, "goal_image_path", uri).successful
            (goal,) = h.session.goals.goals
            np.testing.assert_array_equal(goal.image, _frame())
            set_goal_param(h, "goal_image_path", str(files / "transp.png"))  # (until decoded)
            h.pump(2.0, until=lambda: h.logs("transparent", level=Log.ERROR))
            (line,) = h.logs("transparent", level=Log.ERROR)
            assert "\n" not in line
            assert line.startswith(f"goal_image_path not applied: goal_image_path: "
                                   f"{files / 'transp.png'} has transparent pixels"), line
            assert f"goal_image_path is set back to {uri!r}" in line, line
            assert h.planner.get_parameter("goal_image_path").value == uri
            assert [g.source for g in h.session.goals.goals] == [uri]
        finally:
            h.close()
