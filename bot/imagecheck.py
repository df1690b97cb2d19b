"""Check a picture file the way Telegram will judge it, reading only its header (no image library)."""

from __future__ import annotations

import struct
from pathlib import Path

# Telegram's limits for sendPhoto (core.telegram.org/bots/api#sendphoto).
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDES = 10_000  # width + height
PHOTO_MAX_RATIO = 20  # longer side / shorter side
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# JPEG start-of-frame markers, which carry the size (not DHT C4, JPG C8 or DAC CC).
JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def image_size(data: bytes) -> tuple[str, int, int]:
    """The format ('png' or 'jpeg') and pixel size; raises ValueError for anything else."""
    if data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data.startswith(JPEG_MAGIC):
        return ("jpeg", *_jpeg_size(data))
    raise ValueError("not a PNG or JPEG file")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the JPEG segments to the frame header that holds the size."""
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise ValueError("JPEG file without a readable size")


def photo_problems(path: Path) -> list[str]:
    """Why Telegram would refuse this file as a photo (empty when it would take it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [f"cannot read the picture: {exc.strerror}"]
    try:
        _, width, height = image_size(data)
    except ValueError as exc:
        return [str(exc)]
    problems = []
    if len(data) > PHOTO_MAX_BYTES:
        problems.append(f"the picture is {len(data) // 1024} KB; Telegram takes photos up to 10 MB")
    if width + height > PHOTO_MAX_SIDES:
        problems.append(f"the picture is {width}x{height}; Telegram wants width + height at most {PHOTO_MAX_SIDES}")
    if min(width, height) == 0 or max(width, height) / min(width, height) > PHOTO_MAX_RATIO:
        problems.append(f"the picture is {width}x{height}; Telegram wants sides at most {PHOTO_MAX_RATIO} to 1")
    return problems
