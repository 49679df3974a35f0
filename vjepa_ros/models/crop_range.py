"""DROID's central-crop aspect ratio range, torch-free (its settings check it without torch).

Source: V-JEPA 2-AC's DROID training transform (``app/vjepa_droid/transforms.py``): the central
crop's width / height is clamped into this range (``models.preprocess``); V-JEPA 2's
pretraining ``data_aug.random_resize_aspect_ratio`` default is the same range.
"""

DROID_ASPECT_RATIO_RANGE = (0.75, 1.35)  # (min, max) width / height of the central crop
