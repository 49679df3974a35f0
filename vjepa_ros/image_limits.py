"""Size limits of the images this package plans on: goal image files, the image publisher's file.

The world model centre-crops a frame to an aspect ratio w/h in ``model.aspect_ratio_min ..
model.aspect_ratio_max`` (0.75 .. 1.35, DROID's) and resizes the crop to its input (256 px for
vjepa2-ac-vitg, 16 px patches; 128 px for the demo model), so:

- :data:`MIN_SIDE_PX` 32: a smaller image holds less than 2 x 2 of the encoder's 16 px patches
  worth of pixels; blown up to the input it shows no scene to plan toward (a 1x1 image passed).
- :data:`MAX_ASPECT` 4: the long side at most 4 times the short one. A camera frame is 1.33
  (4:3) to 1.78 (16:9); beyond 4:1 the centre crop keeps a third of the image or less.
- :data:`MAX_SIDE_PX` 8192: larger than any camera frame; checked from the file's header before
  its pixels are decoded, so a 48 KB PNG that claims 20000x20000 px (1.2 GB of pixels) is refused
  at once.

:func:`goal_image_problem` holds every check a decoded goal image gets, whatever its source (a
goal file, the planner node's ~/goal_image topic); :func:`transparency_problem` the one rule for
an alpha channel, which both read before dropping it. :func:`camera_shape_problem` is the same size
rule for a camera's width and height where a user sets them (``vjepa-ros run``/``collect``/
``record``'s ``--width``/``--height``, ``SimConfig``'s ``camera.width``/``height``, ``reach``'s
``sim.width``/``height``, the camera node's ``width``/``height``): a camera whose frames every plan
would refuse is refused before anything starts, in the words of :func:`camera_shape_refusal`.
"""

from __future__ import annotations

import numpy as np

MIN_SIDE_PX = 32
MAX_SIDE_PX = 8192
MAX_ASPECT = 4.0


def image_size_problem(width: int, height: int, advice: str = "") -> str:
    """Why an image of ``width`` x ``height`` px cannot be planned on ("" when it can).

    ``advice``: what to do, instead of the advice for an image file (give a camera-sized,
    camera-shaped one); e.g. for a recording's frames (``Recording.check_plannable_size``).
    """
    size = f"{width}x{height} px"
    if min(width, height) < MIN_SIDE_PX:
        return (f"is {size}, smaller than {MIN_SIDE_PX} px a side: too few pixels to plan on; "
                + (advice or "give a camera-sized image (e.g. a frame of the robot's camera)"))
    if max(width, height) > MAX_SIDE_PX:
        return (f"is {size}, larger than {MAX_SIDE_PX} px a side: "
                + (advice or "resize it to the camera's resolution"))
    if max(width, height) > MAX_ASPECT * min(width, height):
        return (f"is {size}: long side more than {MAX_ASPECT:g} times the short one, so the "
                "model's centre crop would keep a small strip of it; "
                + (advice or "give a camera-shaped image (4:3 or 16:9)"))
    return ""


CAMERA_SHAPE_ADVICE = "give a camera's shape: 4:3 (e.g. 640x480) or 16:9 (e.g. 640x360)"


def camera_shape_problem(width: int, height: int) -> str:
    """Why a camera of ``width`` x ``height`` px gives frames no plan takes ("" when it can).

    :func:`image_size_problem` (the planner's rule for every frame and goal image) with the
    advice for a camera's settings; the text starts with "is ..." (the caller names the settings
    in front: ``--width 33 --height 1000: the camera image is 33x1000 px: long side more than 4
    times the short one ...``). A 4:3 or 16:9 camera, 32 px a side or more, passes.
    """
    return image_size_problem(int(width), int(height), CAMERA_SHAPE_ADVICE)


def camera_shape_refusal(width: int, height: int, names: tuple[str, str] = ("width", "height"),
                         image: str = "the camera image", named: str = "") -> str:
    """One line refusing a camera setting of ``width`` x ``height`` px ("" where plans take it).

    :func:`camera_shape_problem` after the settings and the image they shape: ``names`` the
    width's and height's settings (``("camera.width", "camera.height")``: ``camera.width 33 and
    camera.height 1000: the camera image is 33x1000 px: long side more than 4 times the short
    one; give a camera's shape ...``); ``image``: what the sizes shape (the camera node's "the
    colour stream's image"); ``named``: the settings' text in place of ``names``' (``run``'s
    options name a default side as such: ``(default --width 128) --height 600``). The caller
    raises it (ValueError, one line).
    """
    problem = camera_shape_problem(width, height)
    if not problem:
        return ""
    named = named or f"{names[0]} {width} and {names[1]} {height}"
    return f"{named}: {image} {problem}"


def goal_image_problem(rgb) -> str:
    """Why a decoded goal image cannot be planned toward ("" when it can).

    ``rgb``: the decoded image, ``[H, W, 3]`` uint8 RGB [px]. Refused: anything but a 3-D array
    of 3 channels, pixels other than uint8 (a float image: also how many values are not finite),
    and the size limits of :func:`image_size_problem`. The text starts with a verb ("is ...",
    "has ..."): the caller puts the image's name (a path, "the image") in front.
    """
    shape = tuple(np.shape(rgb))
    if len(shape) != 3:
        return (f"has shape {shape}, not [H, W, 3]: give a colour image (RGB) of the robot's "
                "camera")
    if shape[2] != 3:
        return (f"has {shape[2]} channels (shape {shape}), not 3: give a colour image (RGB) of "
                "the robot's camera")
    dtype = np.asarray(rgb).dtype
    if dtype != np.uint8:
        bad = ""
        if np.issubdtype(dtype, np.floating):
            count = int(np.size(rgb) - np.count_nonzero(np.isfinite(rgb)))
            bad = f", {count} of them not finite (NaN or inf)" if count else ""
        return (f"has {dtype} pixels{bad}, not 8-bit (uint8): save it as an 8-bit image "
                "(e.g. an 8-bit PNG)")
    return image_size_problem(shape[1], shape[0])


def transparency_problem(alpha, premultiplied: bool = False) -> str:
    """Why a goal image with this alpha channel cannot be planned toward ("" when it can).

    ``alpha``: ``[H, W]`` uint8 (a 16-bit alpha scaled to 8 bits first), of a goal file
    (``image_files``: Pillow's alpha of every kind, RGBA, grey+alpha, a palette's or colour key's
    transparent entries) or a 4-channel ``~/goal_image`` (rgba8, bgra8, 8UC4, rgba16, ...). The
    decoders keep colour only: a pixel seen through (alpha below 255) would load as its hidden
    colour, black where an editor erased the background, a scene the robot can never reach. An
    alpha of one value above 0 everywhere shows no cut-out (a driver or exporter that leaves
    alpha unset for every pixel): it is ignored, as is an opaque one. Refused: alpha 0
    everywhere (nothing visible: an empty canvas or layer, whose hidden colour would be the
    goal), and ``premultiplied`` (associated) alpha below 255 anywhere (a TIFF's ExtraSamples 1:
    its colours are stored multiplied by alpha, darkened; dividing back is not exact). The text
    starts with "has" (the caller names the image in front).
    """
    alpha = np.asarray(alpha)
    low, high = int(alpha.min()), int(alpha.max())
    if low == 255:
        return ""
    if high == 0:
        return ("has alpha 0 in every pixel (fully transparent: nothing is visible), so it would "
                "load as its hidden colour, not the scene: give the scene's image without alpha "
                "(an RGB PNG or JPEG; rgb8 or bgr8 on a topic)")
    if premultiplied:
        return (f"has premultiplied (associated) alpha below 255 (as low as {low}), so its "
                "colours are stored darkened by it, not as the scene: save it without alpha "
                "(an RGB PNG or JPEG) or with unassociated alpha")
    if low == high:
        return ""
    share = 100.0 * np.count_nonzero(alpha < 255) / alpha.size
    return (f"has transparent pixels (alpha below 255 in {share:.3g}% of them), which would load "
            "as their hidden colour (often black), not the scene: flatten it onto the scene's "
            "background or save it without alpha (an RGB PNG or JPEG; rgb8 or bgr8 on a topic)")
