"""Draw the bot's three diagrams as PNGs: `python images/src/draw.py` (needs `pip install -e ".[draw]"`).

Original, simplified drawings in one calm clinical style: dark labels on white, a few muted colours,
thick shapes that stay readable on a phone. Each is drawn at twice its size and scaled down, which
smooths the edges; the result is reduced to a small palette so each file stays far under 200 KB.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent  # images/
WIDTH, HEIGHT = 1200, 900  # final size: wide enough for a phone's full-width photo
SCALE = 2  # drawn at twice the size, then scaled down (anti-aliasing)
COLOURS = 96  # palette size of the saved PNG: plenty for flat shapes, keeps files small

INK = (31, 41, 51)  # labels and outlines: near-black slate, high contrast on white
PAPER = (255, 255, 255)
SKIN = (226, 232, 240)  # body outline fill, light grey-blue
BONE = (244, 238, 222)
BONE_EDGE = (120, 110, 90)
HIGHLIGHT = (11, 122, 117)  # teal: the thing the picture is about
HAMSTRING = (178, 72, 59)  # muted red
GLUTE = (47, 109, 181)  # muted blue
CAUTION = (194, 87, 26)  # muted orange: the pattern to avoid
GOOD = (11, 122, 117)
MUTED = (88, 100, 114)
LABEL = 34  # label size in final pixels: about 11 pt when the picture fills a phone's width

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf",
    "/Library/Fonts/Arial{}.ttf",
    "C:/Windows/Fonts/arial{}.ttf",
)


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A sans-serif font at a final-image size, bold or regular; Pillow's own font when none is found."""
    for pattern in FONT_PATHS:
        path = Path(
            pattern.format("-Bold" if bold else "")
            if "DejaVu" in pattern
            else pattern.format(" Bold" if bold and "Library" in pattern else ("bd" if bold else ""))
        )
        if path.exists():
            return ImageFont.truetype(str(path), size * SCALE)
    return ImageFont.load_default(size * SCALE)


class Canvas:
    """A drawing surface in final-image coordinates (scaled internally)."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), PAPER)
        self.draw = ImageDraw.Draw(self.image)

    def _p(self, points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * SCALE, y * SCALE) for x, y in points]

    def polygon(
        self,
        points: Sequence[tuple[float, float]],
        fill: tuple[int, int, int],
        outline: tuple[int, int, int] | None = None,
        width: int = 3,
    ) -> None:
        """A filled shape with an optional outline."""
        self.draw.polygon(self._p(points), fill=fill, outline=outline, width=width * SCALE)

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: tuple[int, int, int] | None,
        outline: tuple[int, int, int] | None = None,
        width: int = 3,
    ) -> None:
        """An ellipse around a centre."""
        box = self._p([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        self.draw.ellipse(box, fill=fill, outline=outline, width=width * SCALE)

    def limb(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        thickness: float,
        fill: tuple[int, int, int],
        outline: tuple[int, int, int] | None = INK,
    ) -> None:
        """A rounded bar from a to b: a body segment."""
        (x1, y1), (x2, y2) = a, b
        angle = math.atan2(y2 - y1, x2 - x1) + math.pi / 2
        dx, dy = math.cos(angle) * thickness / 2, math.sin(angle) * thickness / 2
        if outline is not None:
            for x, y in (a, b):
                self.ellipse(x, y, thickness / 2 + 1.5, thickness / 2 + 1.5, outline)
            self.line([a, b], outline, int(thickness + 3))
        self.polygon([(x1 + dx, y1 + dy), (x2 + dx, y2 + dy), (x2 - dx, y2 - dy), (x1 - dx, y1 - dy)], fill)
        for x, y in (a, b):
            self.ellipse(x, y, thickness / 2, thickness / 2, fill)

    def line(self, points: Sequence[tuple[float, float]], colour: tuple[int, int, int], width: int = 4) -> None:
        """A polyline."""
        self.draw.line(self._p(points), fill=colour, width=width * SCALE, joint="curve")

    def dashed(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        colour: tuple[int, int, int],
        width: int = 4,
        dash: float = 18,
    ) -> None:
        """A dashed straight line."""
        length = math.dist(a, b)
        steps = int(length // dash)
        for i in range(0, steps, 2):
            t1, t2 = i / steps, min((i + 1) / steps, 1)
            self.line(
                [
                    (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1),
                    (a[0] + (b[0] - a[0]) * t2, a[1] + (b[1] - a[1]) * t2),
                ],
                colour,
                width,
            )

    def arrow(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        colour: tuple[int, int, int] = INK,
        width: int = 4,
        head: float = 18,
        both: bool = False,
    ) -> None:
        """A straight arrow from a to b (and back, when both)."""
        self.line([a, b], colour, width)
        for tip, tail in ((b, a), (a, b)) if both else ((b, a),):
            angle = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
            left = (tip[0] - head * math.cos(angle - 0.45), tip[1] - head * math.sin(angle - 0.45))
            right = (tip[0] - head * math.cos(angle + 0.45), tip[1] - head * math.sin(angle + 0.45))
            self.polygon([tip, left, right], colour, colour, 1)

    def arc_arrow(
        self,
        centre: tuple[float, float],
        radius: float,
        start: float,
        end: float,
        colour: tuple[int, int, int],
        width: int = 6,
    ) -> None:
        """An arc (degrees, clockwise from east as Pillow draws) ending in an arrowhead."""
        cx, cy = centre
        self.draw.arc(
            self._p([(cx - radius, cy - radius), (cx + radius, cy + radius)]),
            start,
            end,
            fill=colour,
            width=width * SCALE,
        )
        t = math.radians(end)
        tip = (cx + radius * math.cos(t), cy + radius * math.sin(t))
        back = math.radians(end - 6)
        tail = (cx + radius * math.cos(back), cy + radius * math.sin(back))
        self.arrow(tail, tip, colour, width, head=26)

    def text(
        self,
        xy: tuple[float, float],
        words: str,
        size: int = 30,
        colour: tuple[int, int, int] = INK,
        bold: bool = False,
        anchor: str = "la",
    ) -> None:
        """Text at a final-image position (multi-line with \\n)."""
        self.draw.multiline_text(
            self._p([xy])[0], words, fill=colour, font=font(size, bold), anchor=anchor, spacing=8 * SCALE
        )

    def label(
        self,
        xy: tuple[float, float],
        words: str,
        target: tuple[float, float],
        colour: tuple[int, int, int] = INK,
        size: int = 30,
        bold: bool = True,
    ) -> None:
        """A label with a leader line to the point it names (the line starts at the label's nearer side)."""
        lines = words.split("\n")
        measure = font(size, bold)
        width = max(measure.getlength(line) for line in lines) / SCALE
        height = len(lines) * (size + 8)
        start_x = xy[0] if target[0] < xy[0] else xy[0] + width
        start = (start_x + (-10 if target[0] < xy[0] else 10), xy[1] + height / 2 - 4)
        self.line([start, target], colour, 3)
        self.ellipse(target[0], target[1], 7, 7, colour)
        self.text(xy, words, size, colour, bold)

    def title(self, heading: str, footer: str) -> None:
        """The heading at the top and a one-line explanation at the bottom, with a thin rule under the heading."""
        self.text((WIDTH / 2, 42), heading, 44, INK, bold=True, anchor="ma")
        self.line([(60, 110), (WIDTH - 60, 110)], (200, 208, 216), 2)
        self.text((WIDTH / 2, HEIGHT - 36), footer, 30, MUTED, anchor="md")

    def save(self, name: str) -> Path:
        """Scale down, reduce to a small palette and write images/<name>."""
        small = self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        path = OUT / name
        small.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
        return path


def sit_bone() -> Canvas:
    """The pelvis from behind, with the sitting bones (ischial tuberosities) marked."""
    c = Canvas()
    c.title("Where is the sitting bone?", "The bony point you sit on, low in each buttock")
    cx = 430  # the figure's middle; labels go to the right
    # The body's outline: hips and upper thighs from behind, for orientation.
    c.polygon(
        [
            (cx - 250, 190),
            (cx + 250, 190),
            (cx + 275, 420),
            (cx + 245, 800),
            (cx + 30, 800),
            (cx, 520),
            (cx - 30, 800),
            (cx - 245, 800),
            (cx - 275, 420),
        ],
        SKIN,
    )
    c.line([(cx, 420), (cx, 520)], MUTED, 3)  # the cleft between the buttocks
    for side in (-1, 1):
        # Hip bone: the wide wing on top narrowing to the sitting bone at the bottom.
        wing = [
            (cx + side * 40, 235),
            (cx + side * 120, 175),
            (cx + side * 215, 200),
            (cx + side * 235, 290),
            (cx + side * 185, 360),
            (cx + side * 150, 420),
            (cx + side * 150, 480),
            (cx + side * 110, 520),
            (cx + side * 70, 505),
            (cx + side * 55, 440),
            (cx + side * 40, 330),
        ]
        c.polygon(wing, BONE, BONE_EDGE, 4)
        c.ellipse(cx + side * 105, 455, 26, 36, SKIN, BONE_EDGE, 3)  # the hole in the hip bone
        # Thigh bone from the hip joint down and slightly in.
        c.ellipse(cx + side * 185, 395, 36, 36, BONE, BONE_EDGE, 4)
        c.limb((cx + side * 215, 425), (cx + side * 145, 790), 44, BONE, BONE_EDGE)
        # Hamstring: from the sitting bone down the back of the thigh.
        c.polygon(
            [(cx + side * 92, 505), (cx + side * 128, 505), (cx + side * 190, 790), (cx + side * 110, 790)], HAMSTRING
        )
        # The sitting bone itself.
        c.ellipse(cx + side * 110, 510, 30, 24, HIGHLIGHT, INK, 3)
    c.polygon([(cx - 40, 235), (cx + 40, 235), (cx + 35, 380), (cx, 420), (cx - 35, 380)], BONE, BONE_EDGE, 4)
    c.label((730, 470), "Sitting bone\n(ischial tuberosity)", (cx + 140, 510), HIGHLIGHT, LABEL)
    c.label(
        (730, 620),
        "Hamstring tendons\nstart here and run\ndown the back of\nthe thigh",
        (cx + 140, 700),
        HAMSTRING,
        LABEL,
    )
    c.label((730, 215), "Pelvis, seen\nfrom behind", (cx + 200, 250), INK, LABEL)
    return c


def runner(c: Canvas, hip_x: float, foot_x: float, ground: float, colour: tuple[int, int, int]) -> None:
    """A side-view runner at the moment the front foot lands (facing right)."""
    hip = (hip_x, ground - 290)
    shoulder, head = (hip_x + 20, ground - 470), (hip_x + 28, ground - 525)
    knee_front = ((hip[0] + foot_x) / 2 + 25, ground - 150)
    back_knee, back_foot = (hip_x - 65, ground - 160), (hip_x - 160, ground - 125)
    c.limb(hip, back_knee, 40, SKIN)
    c.limb(back_knee, back_foot, 34, SKIN)
    c.limb(shoulder, (hip_x - 35, ground - 370), 26, SKIN)  # back arm
    c.limb((hip_x - 35, ground - 370), (hip_x - 5, ground - 310), 22, SKIN)
    c.limb(shoulder, hip, 62, SKIN)
    c.ellipse(head[0], head[1], 36, 40, SKIN, INK, 3)
    c.limb(hip, knee_front, 42, colour)
    c.limb(knee_front, (foot_x, ground - 18), 34, colour)
    c.limb((foot_x - 10, ground - 14), (foot_x + 40, ground - 14), 22, colour)  # the foot
    c.limb(shoulder, (hip_x + 65, ground - 385), 26, SKIN)  # front arm
    c.limb((hip_x + 65, ground - 385), (hip_x + 95, ground - 440), 22, SKIN)


def over_striding() -> Canvas:
    """Two runners at foot landing: far in front of the body vs under it."""
    c = Canvas()
    c.title("Over-striding: where the foot lands", "A line down from the hip shows how far in front the foot lands")
    ground = 700
    c.line([(60, ground), (WIDTH - 60, ground)], INK, 4)
    c.line([(WIDTH / 2, 150), (WIDTH / 2, ground + 40)], (200, 208, 216), 2)
    for hip_x, foot_x, colour, heading, note in (
        (250, 470, CAUTION, "Over-striding", "Foot lands far in front"),
        (800, 850, GOOD, "Foot under the body", "Foot lands below the hips"),
    ):
        runner(c, hip_x, foot_x, ground, colour)
        c.text(
            (WIDTH / 4 if hip_x < WIDTH / 2 else WIDTH * 3 / 4, ground + 18),
            heading,
            36,
            colour,
            bold=True,
            anchor="ma",
        )
        c.dashed((hip_x, ground - 300), (hip_x, ground), MUTED, 4)
        c.text((WIDTH / 4 if hip_x < WIDTH / 2 else WIDTH * 3 / 4, ground + 66), note, LABEL, INK, anchor="ma")
        if foot_x - hip_x > 100:
            c.arrow((hip_x + 8, ground - 45), (foot_x - 45, ground - 45), colour, 5, both=True)
    return c


def hip_extension() -> Canvas:
    """Gluteus maximus and hamstrings pulling the thigh back: hip extension (side view, facing right)."""
    c = Canvas()
    c.title("Glutes and hamstrings extend the hip", "Both pull the thigh backwards, as when pushing off in a stride")
    hip, thigh, shin, back = (700.0, 390.0), 210.0, 190.0, math.radians(28)
    knee = (hip[0] - thigh * math.sin(back), hip[1] + thigh * math.cos(back))
    ankle = (knee[0] - 25, knee[1] + shin)
    ground = hip[1] + thigh + shin + 18
    c.line([(420, ground), (1000, ground)], MUTED, 3)
    # Standing leg, trunk and head.
    c.limb(hip, (hip[0] + 15, hip[1] + thigh), 70, SKIN)
    c.limb((hip[0] + 15, hip[1] + thigh), (hip[0] + 15, ground - 14), 54, SKIN)
    c.limb((hip[0] + 5, ground - 14), (hip[0] + 80, ground - 14), 26, SKIN)
    c.limb((hip[0] + 10, 220), hip, 110, SKIN)
    c.ellipse(hip[0] + 18, 165, 36, 40, SKIN, INK, 3)
    # Where the thigh starts (straight down), faint, then the thigh swung back.
    c.limb(hip, (hip[0] - 5, hip[1] + thigh), 74, (243, 245, 248), (205, 212, 220))
    c.limb(hip, knee, 76, SKIN)
    c.limb(knee, ankle, 56, SKIN)
    c.limb((ankle[0] - 10, ankle[1]), (ankle[0] + 60, ankle[1] + 4), 26, SKIN)
    # Gluteus maximus: the big buttock muscle, from the back of the pelvis to the top of the thigh.
    along = ((knee[0] - hip[0]) / thigh, (knee[1] - hip[1]) / thigh)
    c.polygon(
        [
            (hip[0] - 20, hip[1] - 95),
            (hip[0] - 62, hip[1] - 60),
            (hip[0] - 78, hip[1]),
            (hip[0] - 70, hip[1] + 45),
            (hip[0] + along[0] * 95 - 38, hip[1] + along[1] * 95 - 5),
            (hip[0] + along[0] * 95 - 8, hip[1] + along[1] * 95 + 10),
            (hip[0] - 5, hip[1] - 20),
        ],
        GLUTE,
        INK,
        3,
    )
    # Hamstrings: from the sitting bone down the back of the thigh to just below the knee.
    sit = (hip[0] - 35, hip[1] + 40)
    c.limb(sit, (knee[0] - 28, knee[1] + 30), 30, HAMSTRING)
    c.ellipse(sit[0], sit[1], 11, 11, HIGHLIGHT, INK, 2)
    # The movement: the thigh swinging back around the hip.
    c.arc_arrow(hip, thigh + 70, 90, 90 + math.degrees(back) + 4, INK, 7)
    c.label((60, 240), "Gluteus maximus\n(buttock muscle)", (hip[0] - 50, hip[1] - 20), GLUTE, LABEL)
    c.label((60, 470), "Hamstrings\n(back of the thigh)", (hip[0] - 95, hip[1] + 150), HAMSTRING, LABEL)
    c.label((60, 365), "Sitting bone", sit, HIGHLIGHT, LABEL)
    c.label((880, 560), "Hip extension:\nthe thigh\nmoves back", (hip[0] - 10, hip[1] + thigh + 70), INK, LABEL)
    return c


PICTURES: dict[str, Callable[[], Canvas]] = {
    "sit-bone.png": sit_bone,
    "over-striding.png": over_striding,
    "hip-extension.png": hip_extension,
}


def main() -> int:
    """Render every picture and say where each went and how big it is."""
    for name, draw in PICTURES.items():
        path = draw().save(name)
        print(f"{path.relative_to(OUT.parent)}: {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
