"""Pictures as Telegram sees them: a photo must be a JPEG, PNG or GIF whose size its header tells."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageShape:
    kind: str  # a key of PHOTO_TYPES
    width: int
    height: int


def image_shape(data: bytes) -> ImageShape | None:
    """Type and size of a JPEG, PNG or GIF from its header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageShape("png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageShape("gif", width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_shape(data)
    return None


def _jpeg_shape(data: bytes) -> ImageShape | None:
    # Walk the segments to the first start-of-frame marker, which carries the dimensions.
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return ImageShape("jpeg", width, height)
        position += 2 + length
    return None
