"""fix60z: review60c's defects fixed as kinds, and the free memory a container leaves.

``launch --node sim``'s TCP rounding and refusal wording: ``test_sim_same_robot.py``; the busy
domain check passes over a viewer or recorder of ``/target_pose`` unless it publishes an arm's
state or offers a controller's services;
``planning.memory.available_bytes`` takes the cgroup's limit where lower (v1 and v2, every level);
``record``/``collect`` accept an episode only within the half of the free memory they advise.
"""

import time

import pytest

WAIT_S = 60.0


def _cgroup(folder, limit, usage, stat="", v1=False):
    folder.mkdir(parents=True, exist_ok=True)
    names = ("memory.limit_in_bytes", "memory.usage_in_bytes") if v1 else ("memory.max",
                                                                           "memory.current")
    (folder / names[0]).write_text(f"{limit}\n")
    (folder / names[1]).write_text(f"{usage}\n")
    (folder / "memory.stat").write_text(stat)


def test_cgroup_v2_limits_at_every_level(tmp_path):
    from vjepa_ros.planning.cgroup_memory import cgroup_free_bytes

    proc = tmp_path / "cgroup"
    proc.write_text("0::/user.slice/app.scope\n")
    root = tmp_path / "fs"
    _cgroup(root / "user.slice" / "app.scope", "max", 5000, "anon 1\ninactive_file 300\n")
    assert cgroup_free_bytes(proc, root) is None  # no limit anywhere
    _cgroup(root / "user.slice", 8000, 6000, "inactive_file 500\n")  # the parent's limit binds
    assert cgroup_free_bytes(proc, root) == 8000 - 6000 + 500
    _cgroup(root / "user.slice" / "app.scope", 5200, 5000, "inactive_file 300\n")
    assert cgroup_free_bytes(proc, root) == 5200 - 5000 + 300  # the tighter of the two
    _cgroup(root / "user.slice" / "app.scope", 5200, 6000, "")  # over (cache not counted)
    assert cgroup_free_bytes(proc, root) == 0
    assert cgroup_free_bytes(tmp_path / "absent", root) is None  # not Linux


def test_cgroup_v1_memory_controller_and_a_container_at_the_mounts_root(tmp_path):
    from vjepa_ros.planning.cgroup_memory import cgroup_free_bytes

    proc = tmp_path / "cgroup"
    proc.write_text("5:cpu,cpuacct:/x\n4:memory:/docker/abc\n0::/\n")
    root = tmp_path / "fs"
    # inside the container only the mount's root is there (the host's path is not)
    _cgroup(root / "memory", 2 ** 63 - 4096, 10, "inactive_file 1\n", v1=True)
    assert cgroup_free_bytes(proc, root) is None  # v1's "no limit"
    _cgroup(root / "memory", 4 * 2 ** 30, 3 * 2 ** 30,
            "inactive_file 7\ntotal_inactive_file 2048\n", v1=True)
    assert cgroup_free_bytes(proc, root) == 2 ** 30 + 2048
    _cgroup(root / "cpu,cpuacct" / "x", 1, 1, v1=True)  # another controller: not memory
    assert cgroup_free_bytes(proc, root) == 2 ** 30 + 2048


def test_available_memory_is_the_cgroups_where_lower(monkeypatch):
    from vjepa_ros.planning import cgroup_memory, memory

    host = memory.host_available_bytes()
    monkeypatch.setattr(cgroup_memory, "cgroup_free_bytes", lambda: 12345)
    assert memory.available_bytes("cpu") == 12345 if host is None or host > 12345 else host
    monkeypatch.setattr(cgroup_memory, "cgroup_free_bytes", lambda: None)
    assert memory.available_bytes("cpu") == host


def test_an_episode_fits_in_the_half_of_the_free_memory_that_the_refusal_advises():
    from vjepa_ros.sim.frames_memory import episode_bytes, frames_memory_problem

    free = 1024 ** 3
    frame = episode_bytes(1, 128, 128)
    half = free // 2 // frame
    assert frames_memory_problem(half, 128, 128, available=free) == ""
    line = frames_memory_problem(half + 1, 128, 128, available=free)  # all of it would fit
    assert episode_bytes(half + 1, 128, 128) <= free
    assert "more than half the 1.0 GiB free on cpu: give at most " in line, line
    most = int(line.split("give at most ")[1].split(" ")[0])
    assert frames_memory_problem(most, 128, 128, available=free) == ""  # the advice is taken


@pytest.mark.parametrize("name, publishes", [
    ("rviz2", True),  # a "viewer" publishing an arm's state (/franka/joint_states)
    ("lab_listener", False),  # not a known viewer: an arm's controller, until shown not
])
def test_a_listener_that_acts_like_an_arm_is_still_refused(name, publishes):
    """Only a known viewer or recorder that moves nothing is passed over (real graph)."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from geometry_msgs.msg import PoseStamped
    from sensor_msgs.msg import JointState
    from test_busy_domain import NAMES, OWN, PUBLISHED, SUBSCRIBED, found_within, graph

    from vjepa_ros.nodes.busy_domain import occupants

    with graph() as (make, me):
        node = make(name)
        node.create_subscription(PoseStamped, "/target_pose", lambda msg: None, 10)
        if publishes:
            node.create_publisher(JointState, "/franka/joint_states", 10)
        want = f"/{name} subscribed to /target_pose"
        found = found_within(me, lambda found: want in found)
        assert found == [want], found
        assert occupants(me, NAMES, PUBLISHED, SUBSCRIBED, own=OWN) == [want]


class _Graph:
    """What the graph lists of one node (``only_watches`` asks rclpy only these two)."""

    def __init__(self, publishes=(), services=()):
        self.publishes, self.services = list(publishes), list(services)

    def get_publisher_names_and_types_by_node(self, name, namespace):
        return self.publishes

    def get_service_names_and_types_by_node(self, name, namespace):
        return self.services


PARAMETER_SERVICES = [("/rviz2/get_parameters", ["rcl_interfaces/srv/GetParameters"])]


@pytest.mark.parametrize("full, graph, watches", [
    ("/rviz2", _Graph(services=PARAMETER_SERVICES), True),
    ("/lab/rviz", _Graph([("/initialpose", ["geometry_msgs/msg/PoseWithCovarianceStamped"])]),
     True),
    ("/rosbag2_recorder", _Graph(), True),
    ("/_ros2cli_31337", _Graph(), True),
    ("/rviz2", _Graph([("/arm/current_pose", ["geometry_msgs/msg/PoseStamped"])]), False),
    ("/rviz2", _Graph([("/states", ["sensor_msgs/msg/JointState"])]), False),
    ("/rosbag2_recorder", _Graph(services=[
        ("/rosbag2_recorder/list_controllers", ["controller_manager_msgs/srv/ListControllers"])]),
     False),
    ("/impedance_controller", _Graph(), False),
    ("a node of another process (name not discovered yet)", _Graph(), False),
])
def test_only_a_known_viewer_that_moves_nothing_only_watches(full, graph, watches):
    from vjepa_ros.nodes.graph_viewers import only_watches

    assert only_watches(graph, full) is watches


def test_a_viewer_in_another_namespace_with_its_display_topics_is_passed_over():
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from geometry_msgs.msg import PoseStamped
    from std_msgs.msg import String
    from test_busy_domain import NAMES, PUBLISHED, SUBSCRIBED, graph

    from vjepa_ros.nodes.busy_domain import occupants

    with graph() as (make, me):
        viewer = make("rqt_gui_py_node_4242", "/lab")
        viewer.create_subscription(PoseStamped, "/target_pose", lambda msg: None, 10)
        viewer.create_publisher(String, "/lab/markers", 10)  # a viewer's own output
        end = time.monotonic() + WAIT_S
        while time.monotonic() < end and not me.get_subscriptions_info_by_topic("/target_pose"):
            time.sleep(0.05)
        assert me.get_subscriptions_info_by_topic("/target_pose")
        assert occupants(me, NAMES, PUBLISHED, SUBSCRIBED) == []
