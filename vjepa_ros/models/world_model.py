"""WorldModel: an encoder and an AC predictor on one device, with frame preprocessing.

Dtype rule of the models: they compute in their parameter dtype (bf16 by default on CUDA) and
accept inputs of any float dtype; outputs come back in the input's float dtype. Representations
from :meth:`WorldModel.encode` are layer-normed without affine parameters, in float32.
"""

import torch
from torch import Tensor

from .compiled import compile_blocks, is_compiled
from .device_names import check_device_name, check_dtype_name
from .encoder import VisionEncoder
from .planner_inputs import check_plannable
from .predictor import ACPredictor, layer_norm_reps
from .preprocess import DROID_ASPECT_RATIO_RANGE, frames_to_clip, preprocess_frames


def resolve_device(device=None) -> torch.device:
    """Return the given device, else CUDA when available, else CPU.

    ``device``: None, a ``torch.device`` or a name (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
    Raises ValueError (one line, with what to use instead) for a name torch does not know, and
    for a CUDA/MPS device this torch build or machine does not have, before any model is built.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, str):
        check_device_name(device)  # the message of the commands' torch-free check
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}: use cpu, cuda, cuda:N or mps") from None
    if resolved.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"device {device!r}: this torch has no CUDA device here "
                             f"(torch {torch.__version__}, cuda.is_available() False); use cpu "
                             "or a CUDA build of torch on a machine with an NVIDIA GPU")
        if resolved.index is not None and resolved.index >= count:
            raise ValueError(f"device {device!r}: only {count} CUDA device(s) here "
                             f"(cuda:0..cuda:{count - 1})")
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r}: MPS is not available here; use cpu")
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {device!r}: vjepa_ros runs on cpu, cuda or mps")
    return resolved


def resolve_dtype(dtype, device: torch.device) -> torch.dtype:
    """Return the dtype (torch.dtype or name), else bfloat16 on CUDA and float32 elsewhere."""
    if dtype is None:
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if isinstance(dtype, str):
        return getattr(torch, check_dtype_name(dtype))
    if dtype not in (torch.float32, torch.bfloat16, torch.float16):
        raise ValueError(f"dtype must be float32, bfloat16 or float16, got {dtype}")
    return dtype


class WorldModel:
    """Frozen V-JEPA 2 encoder (+ AC predictor, None for encoder-only checkpoints) for inference.

    ``encode(frames)`` turns uint8 camera frames into layer-normed representations [B, N, D];
    ``predictor`` is an :class:`ACPredictor` (``forward``, ``new_cache``, ``step``).
    ``trained_frame_sizes``: the (height, width) [px] sizes of the frames the model was
    post-trained on, as its file records them (``vjepa-ros train``), or None (unknown).
    ``trained_aspect_ratio_range``: the (min, max) w/h centre crop its predictor was
    post-trained with, as its file records it, or None (not recorded); ``aspect_ratio_range``:
    the crop it preprocesses with. ``compile_predictor``: compile the predictor's blocks with
    ``torch.compile`` (:mod:`vjepa_ros.models.compiled`: faster on a GPU, inexact, off by
    default); ``compiled`` says whether it was. ``trained_tcp`` ((tcp_xyz [m], tcp_rpy [rad])
    joint-state bags were labelled at), ``trained_without_gripper`` (bool) and
    ``trained_rate_hz`` (Hz, the step rate of its actions) and ``trained_gripper_max_width`` (m,
    the opening its closedness was computed with): the file's records (``load_world_model``);
    None / False / None / None when not recorded.
    """

    trained_tcp = None
    trained_without_gripper = False
    trained_rate_hz = None
    trained_gripper_max_width = None

    def __init__(
        self,
        encoder: VisionEncoder,
        predictor: ACPredictor | None = None,
        device=None,
        dtype=None,
        aspect_ratio_range=DROID_ASPECT_RATIO_RANGE,
        trained_frame_sizes=None,
        trained_aspect_ratio_range=None,
        compile_predictor: bool = False,
    ):
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.encoder = encoder.to(device=self.device, dtype=self.dtype).eval()
        self.predictor = None
        if predictor is not None:
            self.check_pair(encoder, predictor)
            self.predictor = predictor.to(device=self.device, dtype=self.dtype).eval()
            if compile_predictor:
                compile_blocks(self.predictor)  # models/compiled.py: opt-in, inexact
        self.img_size = encoder.img_size  # (height, width) frames are resized to
        self.trained_frame_sizes = trained_frame_sizes
        self.aspect_ratio_range = tuple(aspect_ratio_range)
        self.trained_aspect_ratio_range = (None if trained_aspect_ratio_range is None else
                                           tuple(trained_aspect_ratio_range))
        self.embed_dim = encoder.embed_dim
        self.tokens_per_frame = (self.img_size[0] // encoder.patch_size) * (
            self.img_size[1] // encoder.patch_size)

    @property
    def compiled(self) -> bool:
        """Whether the predictor's blocks go through ``torch.compile`` (``compile_predictor``)."""
        return self.predictor is not None and is_compiled(self.predictor)

    @staticmethod
    def check_pair(encoder: VisionEncoder, predictor: ACPredictor) -> None:
        """Raise ValueError unless the predictor fits the encoder: width, patch and image size."""
        enc, pred = encoder.config, predictor.config
        pairs = {"embed_dim": (enc.embed_dim, pred.embed_dim),
                 "patch_size": (enc.patch_size, pred.patch_size),
                 "img_size": (encoder.img_size,
                              (predictor.grid_height * pred.patch_size,
                               predictor.grid_width * pred.patch_size))}
        wrong = {name: values for name, values in pairs.items() if values[0] != values[1]}
        if wrong:
            raise ValueError("encoder and predictor do not fit together: " + ", ".join(
                f"{name} encoder {a} vs predictor {b}" for name, (a, b) in wrong.items()))

    def check_plannable(self, source) -> None:
        """Raise CheckpointError (a ValueError) unless CEM can plan with this model (``source``).

        Planning needs an AC predictor fed RGB frames, 7-dim actions and states and nothing
        else (a predictor built with ``use_extrinsics=True`` also needs camera extrinsics per
        frame, which no planner here provides): :func:`.planner_inputs.check_plannable`, which
        the loaders run when asked for a predictor (``need_predictor``).
        """
        check_plannable(self.encoder, self.predictor, source)

    def preprocess(self, frames, bgr: bool = False) -> Tensor:
        """Return normalized pixels [B, 3, H, W] float32 on the model device."""
        return preprocess_frames(frames, self.img_size, bgr=bgr,
                                 aspect_ratio_range=self.aspect_ratio_range, device=self.device)

    @torch.no_grad()
    def encode_pixels(self, pixels: Tensor) -> Tensor:
        """Layer-normed representations [B, N, D] (float32) of normalized pixels [B, 3, H, W].

        Each frame is repeated into one tubelet and encoded on its own, as in V-JEPA 2-AC.
        """
        clip = frames_to_clip(pixels.to(self.device), self.encoder.tubelet_size)
        return layer_norm_reps(self.encoder(clip))

    def encode(self, frames, bgr: bool = False) -> Tensor:
        """Layer-normed representations [B, N, D] (float32) of uint8 frames [B, H, W, 3]/[H, W, 3].

        RGB by default; ``bgr=True`` for OpenCV frames. Any frame size (see ``preprocess_frames``).
        """
        return self.encode_pixels(self.preprocess(frames, bgr=bgr))

    @torch.no_grad()
    def predict_next(self, reps: Tensor, actions: Tensor, states: Tensor) -> Tensor:
        """Layer-normed prediction [B, N, D] (float32) of the frame after the last of ``reps``.

        reps [B, T*N, D] (layer-normed), actions/states [B, T, 7]: a full forward, as the
        official planning code does at every rollout step (use ``predictor.step`` to go faster).
        """
        if self.predictor is None:
            raise RuntimeError("this world model has no predictor (encoder-only checkpoint)")
        out = self.predictor(reps.to(self.device), actions.to(self.device),
                             states.to(self.device))
        return layer_norm_reps(out[:, -self.predictor.tokens_per_frame:])
