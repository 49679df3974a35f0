"""Intel RealSense colour camera without ROS: open a device, read RGB frames, CameraInfo fields.

Each frame read also gives its capture time on the host clock where the device's timestamp domain
allows (:attr:`RealSenseColor.capture_time_s`); the camera node stamps frames with it.

``pyrealsense2`` is imported only in :func:`open_realsense`; without it (or without a connected
device) a :class:`CameraError` says what is missing and how to get it.
"""

from __future__ import annotations

import dataclasses
import math
import threading

import numpy as np

from vjepa_ros.config import check_values, param
from vjepa_ros.image_limits import MIN_SIDE_PX, camera_shape_refusal

# librealsense distortion model name → sensor_msgs/CameraInfo distortion_model
DISTORTION_MODELS = {
    "none": "plumb_bob",
    "brown_conrady": "plumb_bob",
    "modified_brown_conrady": "plumb_bob",
    "inverse_brown_conrady": "plumb_bob",
    "kannala_brandt4": "equidistant",
    "ftheta": "equidistant",
}
# librealsense timestamp domains (rs2_timestamp_domain) whose frame timestamps are the host's
# system clock [ms since the epoch]: global_time (the camera clock mapped onto the host clock by
# a continuously measured offset) and system_time (the host clock when the frame reached the
# driver). hardware_clock is the camera's own clock, which the host cannot compare with.
HOST_CLOCK_DOMAINS = ("global_time", "system_time")
STAMP_SOURCES = ("device", "arrival")  # CameraConfig.stamp_source
# A colour stream's width and height [px]: at least the smallest image the planner takes
# (image_limits.MIN_SIDE_PX), at most 4096 (beyond any RealSense's 1920x1080); its frame rate
# [Hz] (RealSense colour streams run at 6..90). Before: 0, -5 or 100000 reached the driver.
STREAM_SIZE_PX = (MIN_SIDE_PX, 4096)
STREAM_FPS = (1, 300)
# The longest single wait of a read: librealsense's pipeline::try_wait_for_frames (and
# wait_for_frames) holds the pipeline mutex for its whole wait, and pipeline::stop takes the same
# mutex (src/pipeline/pipeline.cpp), so a stop waits out the read in progress. A read of
# timeout_s waits in slices of at most this [ms], checking between them whether it was stopped.
READ_SLICE_MS = 100


class CameraError(RuntimeError):
    """The camera cannot be used: driver module missing, no device, stream not available."""


@dataclasses.dataclass
class CameraConfig:
    serial: str = param("", "Serial number of the RealSense to open; empty: the one connected "
                        "(with several connected the node refuses to pick one, naming their "
                        "serials).")
    width: int = param(640, "Colour stream width [px], 32..4096; the long side at most 4 times "
                       "the short.", range=STREAM_SIZE_PX)
    height: int = param(480, "Colour stream height [px], 32..4096.", range=STREAM_SIZE_PX)
    fps: int = param(30, "Colour stream frame rate [Hz], 1..300.", range=STREAM_FPS)
    frame_id: str = param(
        "camera_color_optical_frame", "header.frame_id of image and camera_info (a ROS frame "
        "id).", frame_id="required"
    )
    timeout_s: float = param(5.0, "Give up when no frame arrives for this long [s], (0, 600], "
                             "longer than one frame period (1 / fps).", range=(0, 600),
                             low_open=True)
    stamp_source: str = param(
        "device", "header.stamp of image and camera_info: device = the frame's capture time from "
        "the RealSense (global_time or system_time domain); arrival = the node clock when the "
        "frame is read, tens of ms after capture. device stamps on arrival, with one warning, "
        "under use_sim_time, in the hardware_clock domain, and for a capture time after arrival "
        "or more than 1 s before it."
    )

    def __post_init__(self):
        check_values(self)  # width, height, fps, timeout_s in their ranges; frame_id's form
        shape = camera_shape_refusal(self.width, self.height,  # the planner's rule for frames
                                     image="the colour stream's image")
        if shape:
            raise ValueError(shape)
        if self.stamp_source not in STAMP_SOURCES:
            raise ValueError(f"stamp_source must be one of {', '.join(STAMP_SOURCES)}, got "
                             f"{self.stamp_source!r}")
        period_s = 1.0 / self.fps
        if self.timeout_s <= period_s:  # before: 0.0004 reached wait_for_frames as 0 ms
            raise ValueError(
                f"timeout_s {self.timeout_s} s is not longer than one frame period at fps "
                f"{self.fps} ({period_s:.3g} s): no frame could arrive in time and every read "
                f"would fail; give timeout_s more than {period_s:.3g} (the default "
                f"{CameraConfig.timeout_s} s waits out a slow start)")


def camera_info_fields(width: int, height: int, fx: float, fy: float, cx: float, cy: float,
                       coeffs=(0.0, 0.0, 0.0, 0.0, 0.0), model: str = "none") -> dict:
    """``sensor_msgs/CameraInfo`` fields of a pinhole camera with the given intrinsics."""
    if width <= 0 or height <= 0:
        raise ValueError(f"camera size must be positive, got {width}x{height}")
    values = np.array([fx, fy, cx, cy], dtype=float)
    if not np.isfinite(values).all() or fx <= 0 or fy <= 0:
        raise ValueError(f"camera intrinsics must be finite with fx, fy > 0, got {values}")
    model = str(model).split(".")[-1].lower()
    if model not in DISTORTION_MODELS:
        raise ValueError(f"unknown distortion model {model!r}; known: {sorted(DISTORTION_MODELS)}")
    distortion = [float(c) for c in coeffs]
    if DISTORTION_MODELS[model] == "equidistant":
        distortion = distortion[:4]
    return {
        "width": int(width),
        "height": int(height),
        "distortion_model": DISTORTION_MODELS[model],
        "d": distortion,
        "k": [fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0],
        "r": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        "p": [fx, 0.0, cx, 0.0, 0.0, fy, cy, 0.0, 0.0, 0.0, 1.0, 0.0],
    }


def import_realsense():
    """Return the ``pyrealsense2`` module, or raise :class:`CameraError` saying how to get it."""
    try:
        import pyrealsense2
    except ImportError as exc:
        raise CameraError(
            f"pyrealsense2 cannot be imported ({exc}); install it with `pip install "
            "pyrealsense2` (needs libusb-1.0), or run the official realsense2_camera driver"
        ) from exc
    return pyrealsense2


def opened_serial(serial: str, connected: list[str]) -> str:
    """Return the serial of the RealSense to open: ``serial``, else the only one ``connected``.

    Raises :class:`CameraError` naming the connected serials for a ``serial`` not among them,
    and for an empty ``serial`` with several connected: librealsense lists them in USB
    enumeration order, which may change between boots, so "the first" could be the wrist
    camera one day and the exterior one the next.
    """
    if serial:
        if serial not in connected:
            raise CameraError(f"no RealSense with serial {serial}; connected: {connected}")
        return serial
    if len(connected) > 1:
        raise CameraError(
            f"{len(connected)} RealSense cameras connected ({', '.join(connected)}) and parameter "
            "serial is empty: which one opens would depend on USB enumeration order; set serial "
            f"to the camera to open (serial: '{connected[0]}' in the params file, quoted: a "
            "serial is a string)")
    return connected[0]


class RealSenseColor:
    """A started RealSense colour stream: ``read()`` → [H, W, 3] uint8 RGB, ``info`` fields.

    After each ``read()``: ``timestamp_domain``, the frame's librealsense timestamp domain
    (``global_time``, ``system_time``, ``hardware_clock``; "" before the first frame), and
    ``capture_time_s``, its capture time in seconds of the host's system clock (since the
    epoch), or None where the domain is not the host clock (``hardware_clock``).
    """

    def __init__(self, config: CameraConfig, rs=None):
        rs = rs or import_realsense()
        devices = list(rs.context().query_devices())
        if not devices:
            raise CameraError("no RealSense device connected (check the USB 3 cable and "
                              "`rs-enumerate-devices`)")
        serials = [d.get_info(rs.camera_info.serial_number) for d in devices]
        self.serial = opened_serial(config.serial, serials)
        self.rs, self.config = rs, config
        rs_config = rs.config()
        rs_config.enable_device(self.serial)  # the one checked, even if another is plugged in
        rs_config.enable_stream(rs.stream.color, config.width, config.height, rs.format.rgb8,
                                config.fps)
        self.pipeline = rs.pipeline()
        try:
            profile = self.pipeline.start(rs_config)
        except RuntimeError as exc:
            raise CameraError(f"cannot start colour stream {config.width}x{config.height} @ "
                              f"{config.fps} Hz: {exc}") from exc
        intr = profile.get_stream(rs.stream.color).as_video_stream_profile().get_intrinsics()
        self.info = camera_info_fields(intr.width, intr.height, intr.fx, intr.fy, intr.ppx,
                                       intr.ppy, intr.coeffs, str(intr.model))
        self.timestamp_domain = ""
        self.capture_time_s: float | None = None
        self._stopping = threading.Event()  # set by stop(): a read ends within one slice
        self._reading = threading.Lock()  # held by each slice of a read, and by stop()

    def read(self) -> np.ndarray:
        """Return the next colour frame, [H, W, 3] uint8 RGB; set its capture time and domain.

        Waits up to ``timeout_s`` in slices of at most :data:`READ_SLICE_MS`
        (``try_wait_for_frames``), so that :meth:`stop` from another thread ends it within one
        slice (two where the device was unplugged: librealsense then restarts the pipeline and
        waits once more). Raises :class:`CameraError` when no frame arrives within
        ``timeout_s``, on a librealsense error of the wait, and once stopped.
        """
        # rounded up: a timeout just over a frame period never becomes one just under it
        timeout_ms = math.ceil(round(self.config.timeout_s * 1000, 6))
        waited_ms, arrived, frames = 0, False, None
        while not arrived:
            if waited_ms >= timeout_ms:
                raise CameraError(f"no frame from the RealSense for {self.config.timeout_s} s "
                                  "(check the USB 3 cable and `rs-enumerate-devices`)")
            slice_ms = min(timeout_ms - waited_ms, READ_SLICE_MS)
            with self._reading:
                if self._stopping.is_set():
                    raise CameraError("the RealSense was stopped")
                try:
                    arrived, frames = self.pipeline.try_wait_for_frames(slice_ms)
                except RuntimeError as exc:
                    raise CameraError(f"the RealSense stream failed while waiting for a frame: "
                                      f"{exc}") from exc
            waited_ms += slice_ms
        color = frames.get_color_frame()
        rgb = np.asanyarray(color.get_data()).copy()
        self.timestamp_domain = str(color.get_frame_timestamp_domain()).split(".")[-1]
        self.capture_time_s = (color.get_timestamp() / 1000.0
                               if self.timestamp_domain in HOST_CLOCK_DOMAINS else None)
        return rgb

    def stop(self) -> None:
        """Stop the stream; safe from another thread while :meth:`read` waits.

        A read in progress ends within one slice (:data:`READ_SLICE_MS`), raising CameraError;
        then the pipeline stops (never while a wait holds its mutex: that stop would wait the
        wait out). A device gone raises librealsense's RuntimeError here.
        """
        self._stopping.set()
        with self._reading:
            self.pipeline.stop()
