"""Pictures checked as Telegram will judge them, from their headers alone."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from bot.imagecheck import image_size, photo_problems


def png(width: int, height: int) -> bytes:
    """A minimal valid PNG header (signature and IHDR chunk)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def jpeg(width: int, height: int) -> bytes:
    """A JPEG start: SOI, an APP0 segment, then a baseline frame header holding the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + bytes(9)
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + bytes(3)
    return b"\xff\xd8" + app0 + sof0


def test_png_and_jpeg_sizes_are_read_from_the_header() -> None:
    assert image_size(png(1200, 900)) == ("png", 1200, 900)
    assert image_size(jpeg(800, 600)) == ("jpeg", 800, 600)


@pytest.mark.parametrize("data", [b"GIF89a....", b"<svg></svg>", b"", b"\xff\xd8\xff\xe0"])
def test_other_files_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        image_size(data)


def test_a_picture_telegram_takes_has_no_problems(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png(1200, 900))
    assert photo_problems(tmp_path / "a.png") == []


@pytest.mark.parametrize(("size", "problem"), [((9000, 2000), "width + height"), ((4000, 100), "20 to 1")])
def test_telegrams_photo_limits(tmp_path: Path, size: tuple[int, int], problem: str) -> None:
    (tmp_path / "a.png").write_bytes(png(*size))
    [found] = photo_problems(tmp_path / "a.png")
    assert problem in found


def test_over_ten_megabytes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(jpeg(800, 600) + bytes(10 * 1024 * 1024))
    assert any("10 MB" in p for p in photo_problems(tmp_path / "a.jpg"))


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    assert photo_problems(tmp_path / "none.png")[0].startswith("cannot read the picture")
