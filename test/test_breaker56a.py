"""breaker56a: goal images, captures and sub-goal lists as a lab sets them, fifth round.

Attacked at 2513e1c8 (base56): ``robot/goal_session.py`` (``_captured_subgoal``: the moved and
frozen-camera refusals), ``robot/capture_pictures.py``, ``robot/frame_rest.py``,
``nodes/planner_goals.py`` (``_take_goal_image``, ``_same_goal_image``), ``nodes/goal_images.py``,
the decoders of ``image_encodings.py`` / ``image_files.py`` (every encoding and file kind of the
task). Session tests are ROS-free on the tiny random world model and hand-driven clock of
``test_robot_goals``; node tests run over ROS (the planner harness).

Defects (strict xfails; each docstring: input, what happens, what should happen), by harm:

- A camera that froze while the arm was guided (a hung driver re-publishing its last image
  with fresh stamps), then the *first* capture of that picture: ``~/capture_goal`` /
  ``~/add_subgoal`` take the frozen image (the arm 7.5 cm back) with the state of now. fix54a's
  rule only compares with earlier *captures* (``CapturePictures``), never with the frames the
  node itself saw while the arm moved under an unchanged picture.
- A goal image on ``~/goal_image`` whose ``header.frame_id`` names another camera than the
  frames' (a wrist camera's picture relayed to an exterior-camera planner): taken silently.
- A goal with red and blue swapped against the frames (``cv2.imwrite`` of an RGB array, a BGR
  buffer published as ``rgb8``): no note (size and greyness are the only goal notes).
- A 12-bit camera's ``rgb16`` / ``bayer_*16`` (values 0..4095 in 16-bit words, unshifted): the
  fixed v / 257 scale gives frames and goals of 0..16 levels, without a word.
- ``~/clear_goals`` while ``ros2 topic pub`` (no ``--once``) keeps re-sending the goal at 1 Hz:
  the next copy sets the goal again; an enabled arm resumes within a second, unsaid.
- A goal image from a best-effort (sensor-data QoS) publisher never reaches the node (both goal
  subscriptions RELIABLE); only rclpy's generic incompatible-QoS line.
- A hand-made list of captured sub-goals replaced by ``~/goal_image`` or ``goal_image_path``:
  one info line "new goal: goal 1/1 (...)", where ``~/capture_goal`` says it replaced the list.
- A second single goal of the same wrong size (another picture) is never noted: the size notes
  are kept once per text, the grey ones per content.

Held up (run, no test): every Bayer pattern, 8 and 16 bit (big-endian too), demosaics a uniform
colour exactly; rgb16 with an odd row padding; YUV 4:2:2 white; nv12/nv24/i420, 8UC2, 16SC1,
32FC1, mono16 refused naming the fix; goal files with EXIF orientation 3/6/8 in JPEG, PNG and
WebP, CMYK JPEG/TIFF, YCbCr JPEG, palette and 2-bit PNG, 1-bit, grey JPEG, grey+alpha, GIF, BMP
(24/32), PPM, TGA, JPEG 2000, ICO, PCX all load as Pillow shows them (a CIE Lab TIFF differs by
57 levels: exotic, left); file:// URIs (``%20``, localhost), http:// refused naming what to do;
the rest rule's roll at +-pi (wrap-free). Seen, left alone: a ``$HOME`` or quoted path is "not
found" with no hint (visible in the line); ``goal_steps`` set mid-list restarts an enabled arm
at sub-goal 1 (documented); a camera relayed onto ``~/goal_image`` replaces the goal with each
frame (plans voided: the arm holds).
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402
from test_robot_goals import START, make_session, observe  # noqa: E402
from test_robot_mpc import tiny_world_model  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("service", ["capture_goal", "add_subgoal"])
def test_a_camera_frozen_while_the_arm_was_guided_refuses_the_first_capture(model, service):
    """A frame whose picture has not changed while the arm moved 7.5 cm is no goal of now.

    Input: a live camera (a new picture at each pose) while the arm is guided 10 cm along +y
    over 1 s; after 2.5 cm the driver hangs and re-publishes that picture with fresh stamps
    (a USB hiccup, a republisher in front of a dead camera), the arm guided on 7.5 cm and held
    (the rest rule satisfied); ``~/capture_goal`` (or ``~/add_subgoal``), no capture before.
    Happens: taken (``new goal: goal 1/1 (captured frame)``; ``sub-goal 1 added at TCP (0.500,
    0.100, 0.300) m``): the goal's picture shows the arm at y 0.025, its state y 0.100; once the
    camera is back, an enabled arm is driven 7.5 cm back toward the picture.
    ``CapturePictures.offer`` compares the frame with earlier captures only, and there is none.
    Should: refused in one line naming the service and the camera (the same picture since the
    arm was 7.5 cm away: the camera sends no new images), as a repeat of an earlier capture is
    (``stale_capture_refusal``); the goal unchanged.
    """
    session, clock, _ = make_session(model)
    state = START.copy()
    for i in range(1, 21):
        state = START.copy()
        state[1] += 0.10 * i / 20
        observe(session, clock, seed=min(i, 5), state=state)  # frozen from pose 5 (y 0.025)
    for _ in range(5):
        observe(session, clock, seed=5, state=state)
    with pytest.raises(RuntimeError, match=rf"^~/{service} refused: .*camera"):
        getattr(session, service)()
    assert session.goals is None


def _send_every_second(h, message, times):
    """Publish ``message`` (unchanged: same stamp) ``times`` times ~1 s apart, spinning between."""
    for _ in range(times):
        h.goal_pub.publish(message)
        h.pump(1.0)


def test_clear_goals_holds_while_a_publisher_keeps_re_sending_the_cleared_goal(harness):  # noqa: F811
    """``~/clear_goals`` stops the arm even while ``ros2 topic pub`` re-sends the goal at 1 Hz.

    Input: ``ros2 topic pub /vjepa_planner/goal_image sensor_msgs/msg/Image "..."`` without
    ``--once`` (one publisher re-sending one message, stamp as given, at 1 Hz): the goal is
    taken, its copies are no new goal (fix54a); ``~/enable true``; the person calls
    ``~/clear_goals`` to stop the arm ("an enabled arm holds until a new goal"), the publisher
    still running. Happens: the next copy (same publisher, stamp and pixels as the copies
    swallowed before) is taken as a new goal within a second: "new goal: goal 1/1
    (~/goal_image)", the arm moves again, and nothing said the clear would not hold. Should:
    the copies of a publisher seen re-sending the goal are not a new goal after the clear
    either (a message sent on purpose again, once, stays taken: breaker49i's pins), or the
    clear's answer says that publisher still sends it (stop it first).
    """
    h = harness()
    message = Image(**rgb_to_image_fields(np.random.default_rng(56).integers(
        0, 256, (48, 64, 3), dtype=np.uint8)))
    h.goal_pub.publish(message)
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    _send_every_second(h, message, 2)  # its copies: swallowed (fix54a)
    assert len(h.logs("new goal")) == 1
    assert h.enable().success
    answer = h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request())
    assert answer.success and h.session.goals is None
    _send_every_second(h, message, 3)
    warned = "goal_image" in answer.message and "publish" in answer.message
    assert h.session.goals is None or warned, \
        "the cleared goal came back from the re-sending publisher without a word"


@pytest.mark.parametrize("source", ["~/goal_image", "goal_image_path"])
def test_a_hand_made_sub_goal_list_replaced_by_one_goal_says_so(harness, tmp_path,  # noqa: F811
                                                                source):
    """A list of captured sub-goals replaced by a single goal says what it replaced.

    Input: the person guides the arm to three poses and calls ``~/add_subgoal`` at each (a
    pick-and-place list, minutes of work); then a goal image comes on ``~/goal_image`` (a
    script's, a latched publisher left from an earlier run) or ``ros2 param set
    /vjepa_planner goal_image_path x.png``. Happens: the list is gone with one info line,
    ``new goal: goal 1/1 (...)``, which does not say that 3 captured sub-goals were dropped
    (and they cannot be captured again without guiding the arm anew). ``~/capture_goal``, the
    same replacement through a service, answers "replaced the list of 3 sub-goals with this
    one goal (to change one sub-goal: ...)" (user52u). Should: every source of a single goal
    says so when it replaces a list (logged as a warning), in ``~/capture_goal``'s words.
    """
    from test_ros_planner_goals import image_msg, set_goal_param

    from vjepa_ros.images import save_image_file

    h = harness()
    for seed in range(3):
        h.feed_frame(0.2, image_msg(seed))
        answer = h.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request())
        assert answer.success, answer.message
    assert len(h.session.goals.goals) == 3
    goal = np.random.default_rng(57).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    if source == "~/goal_image":
        h.goal_pub.publish(Image(**rgb_to_image_fields(goal)))
    else:
        path = str(save_image_file(tmp_path / "x.png", goal))
        assert set_goal_param(h, "goal_image_path", path).successful
    assert h.pump(3.0, until=lambda: len(h.session.goals.goals) == 1)
    h.take_queued()
    said = h.logs("replaced the list of 3 sub-goals")
    assert said, [line for line in h.logs("new goal")]


def test_a_goal_image_from_another_camera_frame_is_not_taken_silently(harness):  # noqa: F811
    """A goal image whose ``header.frame_id`` names another camera than the frames' is said.

    Input: a DROID-like cell (two exterior cameras and a wrist camera, all RealSense D435 at
    one resolution); the planner's camera frames carry ``header.frame_id``
    ``exterior_left_color_optical_frame``; a goal image is relayed to ``~/goal_image`` from the
    wrong topic, its ``frame_id`` ``wrist_color_optical_frame`` (the ROS way of naming the
    camera a picture comes from). Happens: taken with nothing said (``new goal: goal 1/1
    (~/goal_image)``; same size: no size note): the planner plans the exterior view toward a
    wrist-camera picture, a goal no motion reaches, and an enabled arm moves for it. Should:
    refused (or at least a warning) naming both frame ids and what to do (send a picture of
    the planner's camera, or ``~/capture_goal``); an empty ``frame_id`` on either side
    (``ros2 topic pub``, a goal file's publisher) is no evidence and stays taken.
    """
    h = harness()
    camera = Image(**rgb_to_image_fields(np.random.default_rng(58).integers(
        0, 256, (48, 64, 3), dtype=np.uint8)))
    camera.header.frame_id = "exterior_left_color_optical_frame"
    h.pump(0.5, image=camera)
    unnamed = np.random.default_rng(61).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    h.goal_pub.publish(Image(**rgb_to_image_fields(unnamed)))  # frame_id '': no evidence
    assert h.pump(3.0, until=lambda: h.session.goals is not None, image=camera)
    goal = Image(**rgb_to_image_fields(np.random.default_rng(59).integers(
        0, 256, (48, 64, 3), dtype=np.uint8)))
    goal.header.frame_id = "wrist_color_optical_frame"
    goal.header.stamp = h.stamp()
    h.goal_pub.publish(goal)
    h.pump(3.0, until=lambda: not np.array_equal(h.session.goals.current.image, unnamed),
           image=camera)
    h.pump(0.5, image=camera)
    warned = [line for line in h.logs("wrist_color_optical_frame")
              if "exterior_left_color_optical_frame" in line]
    kept = np.array_equal(h.session.goals.current.image, unnamed)
    assert kept or warned, "a goal of another camera taken without a word"


def _notes_of(notes, session):
    """Return the size and colour notes the node gives for the session's newest frame."""
    from types import SimpleNamespace

    from vjepa_ros.nodes.planner_inputs import PlannerInputs

    goals = PlannerInputs._goal_images(SimpleNamespace(session=session, _labelled=(None, ())))
    rgb = session.inputs.frame.value
    return notes.check(rgb.shape, goals=goals) + notes.colour(rgb, goals=goals)


def test_a_second_goal_of_another_size_than_the_frames_is_noted_too(model):
    """Each new goal of another size than the camera's frames is noted, not only the first.

    Input: camera frames 64x48; ``goal_image_path a.png`` (128x96, exported from another
    camera): noted ("the goal image is 128x96 px and the camera's frames are 64x48 px ...").
    The person exports the goal again, or sends another one (``b.png``, another picture, the
    same wrong size: the same export preset) and sets it. Happens: nothing is said: the notes
    are kept once per text (``SizeNotes.check``: a single goal's label is "" and the text names
    no file), so the goal now pursued was never judged in the log. A grey goal is noted again
    for each new picture (by content, breaker42c). Should: a goal of other pixels of a wrong
    size is noted again (as a grey one is).
    """
    from vjepa_ros.image_notes import SizeNotes
    from vjepa_ros.robot.subgoal import SubGoal

    session, clock, _ = make_session(model)
    rng = np.random.default_rng(0)
    notes = SizeNotes(None)
    first = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    session.set_goals([SubGoal(first, None, "a.png")])
    observe(session, clock, seed=1)
    (said,) = _notes_of(notes, session)
    assert "128x96" in said
    session.set_goals([SubGoal(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8), None,
                               "b.png")])
    observe(session, clock, seed=2)
    assert any("128x96" in note for note in _notes_of(notes, session)), "b.png never judged"


def test_a_goal_image_from_a_sensor_data_publisher_is_taken(harness):  # noqa: F811
    """A goal image published best effort (sensor-data QoS) reaches the planner.

    Input: a lab script that publishes its goal image with ``qos_profile_sensor_data`` (as
    image publishers and camera relays usually do: ``image_tools``, a ``topic_tools relay``
    of a camera topic, ``ros2 topic pub --qos-reliability best_effort``). Happens: neither of
    the node's goal subscriptions (both RELIABLE: the latched one and the volatile one) matches
    a best-effort writer, so the image never arrives: "no goal" stays, and the only word is
    rclpy's generic line "New publisher discovered on topic '~/goal_image', offering
    incompatible QoS ... Last incompatible policy: RELIABILITY" (the topic unexpanded, no
    fix). The node's own robot-state subscriptions are best effort so that "reliable and
    sensor-data publishers alike" are heard (``state_qos``). Should: taken, as from a
    reliable publisher (or a line of the node's naming the goal topic and "reliable").
    """
    from rclpy.qos import qos_profile_sensor_data

    h = harness()
    publisher = h.node.create_publisher(Image, "/vjepa_planner/goal_image",
                                        qos_profile_sensor_data)
    goal = Image(**rgb_to_image_fields(np.random.default_rng(60).integers(
        0, 256, (48, 64, 3), dtype=np.uint8)))
    taken = False
    for _ in range(3):  # best effort: a message may be lost; three chances, a second apart
        goal.header.stamp = h.stamp()
        publisher.publish(goal)
        taken = h.pump(1.0, until=lambda: h.session.goals is not None)
        if taken:
            break
    # rclpy's own "offering incompatible QoS ... RELIABILITY" line names '~/goal_image' as
    # written in the code and no fix: the node's line would name the topic and "reliable"
    said = [line for line in h.logs("/vjepa_planner/goal_image") if "reliable" in line]
    assert taken or said, "a best-effort goal publisher was never heard, without a word"


@pytest.fixture(scope="module")
def scene_views():
    """Return the package's pybullet scene at the home pose and 8 cm lower: two RGB frames."""
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.sim.sim import Sim

    with Sim(SimConfig()) as sim:
        sim.reset(seed=0)
        home = sim.render().copy()
        lower = sim.ee_state().copy()
        lower[2] -= 0.08
        assert sim.move_to(lower)
        return home, sim.render().copy()


@pytest.mark.parametrize("how", ["cv2.imwrite of an RGB array", "bgr published as rgb8"])
def test_a_goal_with_red_and_blue_swapped_against_the_frames_is_noted(model, scene_views, how):
    """A goal whose red and blue are the camera's swapped is said, as a grey goal is.

    Input: camera frames of the scene (the package's pybullet scene: mean R 206, G 195, B 185
    levels); the goal, a picture of the same scene with the arm 8 cm lower, saved with
    ``cv2.imwrite(path, rgb)`` (OpenCV writes its array as BGR: the commonest colour bug in a
    lab's scripts), or published on ``~/goal_image`` as ``rgb8`` from a BGR buffer
    (``cv2_to_imgmsg(bgr, 'rgb8')``): red and blue swapped (mean R 185, B 206). Happens: no
    note at all (``SizeNotes.check`` / ``colour`` judge size and greyness only): the world
    model encodes a goal no frame of the scene ever looks like, and the planner chases the
    colour difference, silently. Should: a note (once per goal, as the grey one) that the
    goal's red and blue look swapped against the camera's frames, and how it happens (saved
    with cv2.imwrite of an RGB array, or published with the wrong encoding); the goal as the
    camera saw it gets no note.
    """
    from vjepa_ros.image_notes import SizeNotes
    from vjepa_ros.robot.subgoal import SubGoal

    home, lower = scene_views
    for goal, swapped in ((lower, False), (np.ascontiguousarray(lower[..., ::-1]), True)):
        session, clock, _ = make_session(model)
        session.set_goals([SubGoal(goal, None, how)])
        clock.now += 0.05
        session.observe_image(home, clock.now)
        session.observe_state(START, clock.now)
        said = _notes_of(SizeNotes(None), session)
        if swapped:
            assert any("blue" in note and "swapped" in note for note in said), said
        else:
            assert said == [], said


def _twelve_bit_message(rgb, encoding, top=4095):
    """Return an rgb16 / bayer_rggb16 message of ``rgb`` as a 12-bit camera sends it: 0..4095."""
    from types import SimpleNamespace

    values = (rgb.astype(np.int64) * top // 255).astype("<u2")
    if encoding == "bayer_rggb16":
        mosaic = np.empty(rgb.shape[:2], "<u2")
        for dy, dx, channel in ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 2)):
            mosaic[dy::2, dx::2] = values[dy::2, dx::2, channel]
        values = mosaic
    height, width = rgb.shape[:2]
    return SimpleNamespace(height=height, width=width, encoding=encoding,
                           step=values[0].nbytes, is_bigendian=0, data=values.tobytes())


@pytest.mark.parametrize("encoding", ["rgb16", "bayer_rggb16"])
def test_a_twelve_bit_camera_in_sixteen_bit_containers_is_not_planned_on_black(model, scene_views,
                                                                             encoding):
    """A 12-bit camera's images (values 0..4095 in 16-bit words) are no silent black frames.

    Input: a machine-vision camera (camera_aravis, Spinnaker) at 12 bits a channel, its driver
    unpacking each value into a 16-bit word without shifting it (right-aligned, 0..4095), as
    ``rgb16`` or ``bayer_rggb16``: the camera stream, and a goal image on ``~/goal_image`` from
    it. Happens: the fixed 16-to-8-bit scale (v / 257) makes every pixel 0..16 of 255 (mean
    12: the scene at 6 % brightness), taken without a word as frame and goal alike: the world
    model sees near-black pictures. Should: said (a note naming the 12-bit range, 4095, and
    the driver's shift-to-MSB setting) or refused; a 16-bit image using its range is not.
    """
    from vjepa_ros.image_encodings import image_msg_to_rgb
    from vjepa_ros.image_notes import SizeNotes
    from vjepa_ros.images import ImageError
    from vjepa_ros.robot.subgoal import SubGoal

    home, lower = scene_views
    full = image_msg_to_rgb(_twelve_bit_message(home, encoding, 65535))  # the whole range: fine
    notes = SizeNotes(None)
    assert not [n for n in notes.check(full.shape) + notes.colour(full) if "4095" in n]
    try:
        camera = image_msg_to_rgb(_twelve_bit_message(home, encoding))
        goal = image_msg_to_rgb(_twelve_bit_message(lower, encoding), goal=True)
    except ImageError as exc:
        assert "4095" in str(exc) or "12-bit" in str(exc), exc
        return
    assert camera.max() <= 16  # what the fixed scale gives now
    session, clock, _ = make_session(model)
    session.set_goals([SubGoal(goal, None, "~/goal_image")])
    clock.now += 0.05
    session.observe_image(camera, clock.now)
    session.observe_state(START, clock.now)
    said = _notes_of(SizeNotes(None), session)
    assert any("4095" in note or "12-bit" in note for note in said), said
