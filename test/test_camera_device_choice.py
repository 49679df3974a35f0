"""Which RealSense the camera opens, how long it waits for a frame, how it stops (breaker57f).

Several cameras with ``serial`` empty are refused naming every serial (USB enumeration order
picks "the first" differently between boots); a ``timeout_s`` no longer than one frame period is
refused naming both; a read waits in short slices, so stopping a node whose device stalled or was
unplugged ends its reader within one.
"""

import numpy as np
import pytest
from test_robot_camera import fake_sdk

from vjepa_ros.robot.camera import CameraConfig, CameraError, RealSenseColor, opened_serial

FRAME = np.zeros((48, 64, 3), np.uint8)


@pytest.mark.parametrize("serials", [["817612070540", "819612071794"],
                                     ["817612070540", "819612071794", "123622270311"]])
def test_several_cameras_without_a_serial_are_refused_naming_each(serials):
    with pytest.raises(CameraError) as refused:
        RealSenseColor(CameraConfig(), rs=fake_sdk(serials, FRAME)[0])
    said = str(refused.value)
    assert all(serial in said for serial in serials) and "serial" in said, said
    assert f"serial: '{serials[0]}'" in said and "\n" not in said  # the fix, quoted: a string


@pytest.mark.parametrize("serials, given, opened", [
    (["817612070540"], "", "817612070540"),  # one camera: still just works
    (["817612070540", "819612071794"], "819612071794", "819612071794"),  # the one named
    (["817612070540", "819612071794"], "817612070540", "817612070540"),
])
def test_the_camera_opened_is_the_one_named_or_the_only_one(serials, given, opened):
    sdk, started = fake_sdk(serials, FRAME)
    camera = RealSenseColor(CameraConfig(serial=given), rs=sdk)
    assert camera.serial == opened
    # enabled by serial even when it is the only one: one plugged in after the check is not taken
    assert [call for call in started["config"].calls if call[0] == "device"] == [
        ("device", opened)]
    assert opened_serial(given, serials) == opened


def test_a_serial_not_connected_is_refused_naming_the_connected_ones():
    with pytest.raises(CameraError, match=r"no RealSense with serial 1; connected: \['2', '3'\]"):
        opened_serial("1", ["2", "3"])


@pytest.mark.parametrize("fps, timeout_s", [(30, 1 / 30), (30, 0.001), (6, 0.15), (300, 0.003),
                                            (1, 1.0)])
def test_a_timeout_not_longer_than_a_frame_period_is_refused_naming_both(fps, timeout_s):
    with pytest.raises(ValueError) as refused:
        CameraConfig(fps=fps, timeout_s=timeout_s)
    said = str(refused.value)
    assert said.startswith(f"timeout_s {timeout_s} s is not longer than one frame period at "
                           f"fps {fps} ({1 / fps:.3g} s)"), said


@pytest.mark.parametrize("fps, timeout_s, waited_ms", [
    (30, 0.0334, 34),  # just over a period (33.3 ms): rounded up, never down to 33
    (6, 0.17, 170), (300, 0.004, 4), (1, 1.5, 1500), (30, 0.2501, 251)])
def test_a_timeout_longer_than_a_frame_period_waits_at_least_that_long(fps, timeout_s,
                                                                       waited_ms):
    """No frame: the slices of the read (READ_SLICE_MS each at most) sum to timeout_s."""
    from vjepa_ros.robot.camera import READ_SLICE_MS

    sdk, _ = fake_sdk(["1"])  # no frame comes: every wait ends empty
    waits = []

    class Pipeline(sdk.pipeline):
        def try_wait_for_frames(self, timeout_ms):
            waits.append(timeout_ms)
            return super().try_wait_for_frames(timeout_ms)

    sdk.pipeline = Pipeline
    with pytest.raises(CameraError, match="no frame"):
        RealSenseColor(CameraConfig(fps=fps, timeout_s=timeout_s), rs=sdk).read()
    assert sum(waits) == waited_ms and 0 < min(waits) and max(waits) <= READ_SLICE_MS, waits


def test_the_camera_node_refuses_such_a_timeout_before_opening_and_names_its_serial(context,
                                                                                   capfd):
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.camera_node import CameraNode

    opened = []

    def factory(config):
        opened.append(config)
        return RealSenseColor(config, rs=fake_sdk(["817612070540"], FRAME)[0])

    size = [Parameter("width", value=64), Parameter("height", value=48)]
    with pytest.raises(ValueError, match="timeout_s 0.02 s is not longer than one frame period"):
        CameraNode(camera_factory=factory, context=context,
                   parameter_overrides=[*size, Parameter("timeout_s", value=0.02)])
    assert opened == []
    node = CameraNode(camera_factory=factory, context=context, parameter_overrides=size)
    node.destroy_node()
    assert "(64x48, RealSense 817612070540)" in capfd.readouterr().err  # which one it opened


def test_a_stop_that_raises_still_ends_the_reader_and_destroys_the_node(context, capfd):
    """A RealSense unplugged while its read waits: the stop raises (a USB link gone)."""
    from rclpy.parameter import Parameter
    from test_robot_camera import stalled_sdk

    from vjepa_ros.nodes.camera_node import CameraNode

    sdk, pipelines = stalled_sdk(unplugged=True)
    node = CameraNode(camera_factory=lambda config: RealSenseColor(config, rs=sdk),
                      context=context, parameter_overrides=[
                          Parameter("width", value=64), Parameter("height", value=48),
                          Parameter("timeout_s", value=60.0)])
    assert pipelines[0].waiting.wait(30.0), "the reader never read"
    node.destroy_node()  # the stop's error: one warning, the node destroyed anyway
    assert not node.thread.is_alive() and node.exit_status() == 0  # ended by the stop
    assert not pipelines[0].running and pipelines[0].stop_behind_ms is None
    err = capfd.readouterr().err
    assert "stopping the camera failed (RuntimeError: failed to set power state)" in err, err
