"""RealSense helper without hardware: CameraInfo from intrinsics, device errors, a fake SDK."""

import sys
import threading
import time
import types

import numpy as np
import pytest

from vjepa_ros.robot.camera import (
    CameraConfig,
    CameraError,
    RealSenseColor,
    camera_info_fields,
    import_realsense,
)


def test_camera_info_from_intrinsics_projects_like_a_pinhole():
    info = camera_info_fields(640, 480, 615.0, 616.0, 320.5, 240.25,
                              coeffs=[0.1, -0.2, 0.001, 0.002, 0.05], model="brown_conrady")
    k = np.array(info["k"]).reshape(3, 3)
    p = np.array(info["p"]).reshape(3, 4)
    point = np.array([0.1, -0.05, 0.8])
    pixel = k @ point
    np.testing.assert_allclose(pixel[:2] / pixel[2], [615 * 0.125 + 320.5, -616 * 0.0625 + 240.25])
    np.testing.assert_allclose(p[:, :3], k)
    assert info["distortion_model"] == "plumb_bob" and len(info["d"]) == 5
    assert np.array(info["r"]).reshape(3, 3).tolist() == np.eye(3).tolist()
    fisheye = camera_info_fields(848, 800, 286.0, 286.0, 424.0, 400.0, [0.1, 0.2, 0.3, 0.4, 0.0],
                                 "distortion.kannala_brandt4")
    assert fisheye["distortion_model"] == "equidistant" and len(fisheye["d"]) == 4


def test_bad_intrinsics_are_clear_errors():
    with pytest.raises(ValueError, match="positive"):
        camera_info_fields(0, 480, 600, 600, 320, 240)
    with pytest.raises(ValueError, match="fx, fy > 0"):
        camera_info_fields(640, 480, float("nan"), 600, 320, 240)
    with pytest.raises(ValueError, match="unknown distortion model"):
        camera_info_fields(640, 480, 600, 600, 320, 240, model="weird")


def test_missing_pyrealsense2_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyrealsense2", None)  # import raises ImportError
    with pytest.raises(CameraError, match="pip install pyrealsense2"):
        import_realsense()


class FakeDevice:
    def __init__(self, serial):
        self.serial = serial

    def get_info(self, key):
        return self.serial


DOMAINS = ("hardware_clock", "system_time", "global_time")  # rs2_timestamp_domain


class Domain:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return f"timestamp_domain.{self.name}"


def fake_sdk(serials, frame=None, timestamp_ms=1.7e12, domain="global_time"):
    """Return a stand-in for the slice of pyrealsense2 that RealSenseColor uses.

    Its colour frames carry ``timestamp_ms`` in ``domain`` (a member of ``timestamp_domain``,
    whose str is ``timestamp_domain.<name>`` as pybind11 writes it).
    """
    intrinsics = types.SimpleNamespace(width=64, height=48, fx=50.0, fy=51.0, ppx=32.0, ppy=24.0,
                                       coeffs=[0.0] * 5, model="distortion.inverse_brown_conrady")
    profile = types.SimpleNamespace(get_stream=lambda stream: types.SimpleNamespace(
        as_video_stream_profile=lambda: types.SimpleNamespace(get_intrinsics=lambda: intrinsics)))
    started = {}

    class Pipeline:
        def start(self, config):
            started["config"] = config
            return profile

        def try_wait_for_frames(self, timeout_ms):
            """(arrived, frameset), as pyrealsense2's; no frame ever arrives without ``frame``."""
            if frame is None:
                return False, None
            color = types.SimpleNamespace(
                get_data=lambda: frame, get_timestamp=lambda: timestamp_ms,
                get_frame_timestamp_domain=lambda: getattr(sdk.timestamp_domain, domain))
            return True, types.SimpleNamespace(get_color_frame=lambda: color)

        def stop(self):
            started["stopped"] = True

    class Config:
        def __init__(self):
            self.calls = []

        def enable_device(self, serial):
            self.calls.append(("device", serial))

        def enable_stream(self, *args):
            self.calls.append(("stream", args))

    sdk = types.SimpleNamespace(
        context=lambda: types.SimpleNamespace(query_devices=lambda: [FakeDevice(s)
                                                                    for s in serials]),
        camera_info=types.SimpleNamespace(serial_number="serial"),
        stream=types.SimpleNamespace(color="color"), format=types.SimpleNamespace(rgb8="rgb8"),
        config=Config, pipeline=Pipeline,
        timestamp_domain=types.SimpleNamespace(**{name: Domain(name) for name in DOMAINS}),
    )
    return sdk, started


def stalled_sdk(serials=("817612070540",), unplugged=False):
    """Return (sdk, pipelines): :func:`fake_sdk` whose device stalled, locked as librealsense's.

    No frame comes. ``try_wait_for_frames`` holds the pipeline mutex for its whole wait and
    returns ``(False, None)``; for an ``unplugged`` device it waits twice (librealsense restarts
    the pipeline and waits again) and ``stop`` raises RuntimeError after taking the mutex.
    ``stop`` takes the mutex (``src/pipeline/pipeline.cpp``). Each pipeline made records
    ``waits`` (the ``timeout_ms`` of each wait), ``waiting`` (set once a wait began) and
    ``stop_behind_ms`` (the ``timeout_ms`` of the wait in progress when ``stop`` was called:
    what the stop sat through; None when none was).
    """
    sdk, _ = fake_sdk(list(serials))
    pipelines = []

    class StalledPipeline(sdk.pipeline):
        def __init__(self):
            self.mutex, self.waiting = threading.Lock(), threading.Event()
            self.running, self.waits, self.current_ms = False, [], None
            self.stop_behind_ms = None
            pipelines.append(self)

        def start(self, config):
            self.running = True
            return super().start(config)

        def try_wait_for_frames(self, timeout_ms):
            with self.mutex:
                if not self.running:
                    raise RuntimeError("try_wait_for_frames cannot be called before start()")
                self.current_ms = timeout_ms
                self.waits.append(timeout_ms)
                self.waiting.set()
                time.sleep(timeout_ms / 1000.0 * (2 if unplugged else 1))
                self.current_ms = None
                return False, None

        def stop(self):
            self.stop_behind_ms = self.current_ms
            with self.mutex:
                self.running = False
                if unplugged:
                    raise RuntimeError("failed to set power state")

    sdk.pipeline = StalledPipeline
    return sdk, pipelines


def test_no_device_and_wrong_serial_are_clear_errors():
    with pytest.raises(CameraError, match="no RealSense device connected"):
        RealSenseColor(CameraConfig(), rs=fake_sdk([])[0])
    with pytest.raises(CameraError, match="no RealSense with serial 123"):
        RealSenseColor(CameraConfig(serial="123"), rs=fake_sdk(["999"])[0])


def test_fake_device_streams_frames_and_intrinsics():
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    sdk, started = fake_sdk(["999"], frame=image)
    camera = RealSenseColor(CameraConfig(serial="999", width=64, height=48, fps=15), rs=sdk)
    assert ("device", "999") in started["config"].calls
    assert ("stream", ("color", 64, 48, "rgb8", 15)) in started["config"].calls
    assert camera.info["k"][0] == 50.0 and camera.info["distortion_model"] == "plumb_bob"
    np.testing.assert_array_equal(camera.read(), image)
    camera.stop()
    assert started["stopped"]
    silent = RealSenseColor(CameraConfig(), rs=fake_sdk(["1"])[0])
    with pytest.raises(CameraError, match="no frame from the RealSense"):
        silent.read()


@pytest.mark.parametrize("domain", ["global_time", "system_time"])
def test_a_frame_on_the_host_clock_gives_its_capture_time_in_seconds(domain):
    image = np.zeros((48, 64, 3), np.uint8)
    camera = RealSenseColor(CameraConfig(), rs=fake_sdk(["1"], image, 1764628000123.5, domain)[0])
    assert camera.capture_time_s is None and camera.timestamp_domain == ""  # before a frame
    np.testing.assert_array_equal(camera.read(), image)  # read() still returns the frame
    assert camera.capture_time_s == pytest.approx(1764628000.1235, abs=1e-6)
    assert camera.timestamp_domain == domain


def test_a_frame_on_the_camera_clock_gives_no_capture_time():
    camera = RealSenseColor(CameraConfig(), rs=fake_sdk(["1"], np.zeros((48, 64, 3), np.uint8),
                                                        12345.0, "hardware_clock")[0])
    camera.read()
    assert camera.capture_time_s is None and camera.timestamp_domain == "hardware_clock"


def test_an_unknown_stamp_source_is_refused_naming_the_parameter():
    assert CameraConfig().stamp_source == "device"
    assert CameraConfig(stamp_source="arrival").stamp_source == "arrival"
    with pytest.raises(ValueError, match="stamp_source must be one of device, arrival, got 'x'"):
        CameraConfig(stamp_source="x")


@pytest.mark.parametrize("unplugged", [False, True])
def test_a_stop_from_another_thread_ends_a_stalled_read_within_one_slice(unplugged):
    """A stop waits for the wait in progress (librealsense's): a read waits in short slices."""
    from vjepa_ros.robot.camera import READ_SLICE_MS

    sdk, pipelines = stalled_sdk(unplugged=unplugged)
    camera = RealSenseColor(CameraConfig(timeout_s=600.0), rs=sdk)
    ended = []

    def reader():
        try:
            camera.read()
        except CameraError as exc:
            ended.append(str(exc))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    pipeline = pipelines[0]
    assert pipeline.waiting.wait(30.0), "the read never waited"
    try:
        camera.stop()
    except RuntimeError as exc:  # the device gone: librealsense's error, after the stop
        assert unplugged, exc
    thread.join(30.0)
    assert ended and "stopped" in ended[0], ended  # the read ended, saying why
    assert not pipeline.running  # the device was stopped
    assert pipeline.stop_behind_ms is None, f"stopped behind a wait of {pipeline.stop_behind_ms}"
    assert max(pipeline.waits) <= READ_SLICE_MS, pipeline.waits


def test_a_stalled_read_waits_the_whole_timeout_in_slices_then_says_so():
    from vjepa_ros.robot.camera import READ_SLICE_MS

    sdk, pipelines = stalled_sdk()
    camera = RealSenseColor(CameraConfig(fps=30, timeout_s=0.25), rs=sdk)
    with pytest.raises(CameraError, match=r"no frame from the RealSense for 0\.25 s"):
        camera.read()
    waits = pipelines[0].waits
    assert sum(waits) == 250 and max(waits) <= READ_SLICE_MS, waits
    camera.stop()  # after a failed read: stops, no wait in progress
    assert not pipelines[0].running


def test_a_library_error_while_waiting_is_a_camera_error_naming_it():
    sdk, _ = fake_sdk(["1"])

    class Failing(sdk.pipeline):
        def try_wait_for_frames(self, timeout_ms):
            raise RuntimeError("Device disconnected. Failed to recconect: No device connected")

    sdk.pipeline = Failing
    with pytest.raises(CameraError, match="Device disconnected"):
        RealSenseColor(CameraConfig(), rs=sdk).read()
