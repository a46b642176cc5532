"""Drawing on frames and blank canvases: skeleton, plumb lines, offset labels, foot angle.

Everything is drawn with Pillow in plain, non-antialiased strokes so the tests can find a plumb line
by its exact colour. Positions come in the data's own frame (image pixels, y down; or body-frame
metres, Y up) and a :class:`View` maps them to output pixels."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
Point = tuple[float, float]

LEFT_COLOUR: RGB = (255, 106, 19)  # orange
RIGHT_COLOUR: RGB = (123, 97, 255)  # violet
HIP_LINE: RGB = (255, 212, 0)  # yellow plumb line through the mid-hip
ANKLE_LINE: RGB = (0, 229, 255)  # cyan plumb line through the stance ankle
TRUNK_COLOUR: RGB = (245, 245, 245)
PELVIS_LINE: RGB = (255, 0, 170)  # magenta hip line (stance hip → swing hip) in rear/front views
LEG_LINE: RGB = (150, 240, 0)  # lime thigh/shank lines of the knee's frontal-plane angle
REFERENCE_LINE: RGB = (255, 255, 255)  # dashed horizontal / vertical references
OUTLINE: RGB = (0, 0, 0)
GROUND: RGB = (90, 90, 90)
CANVAS_BG: RGB = (246, 246, 242)
BAND_COLOUR: dict[str | None, RGB] = {
    "behind": (200, 30, 30),
    "barely ahead": (200, 130, 0),
    "ahead": (20, 130, 60),
    None: (60, 60, 60),
}
SIDE_COLOUR: dict[str, RGB] = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR}

PARTS = ("shoulder", "hip", "knee", "ankle", "heel", "toe")
LEG = (("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("heel", "toe"), ("toe", "ankle"))


def hex_colour(c: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: no system fonts needed, nothing downloaded. It has no U+2212 minus, so
    drawn labels use '-'."""
    return ImageFont.load_default(size=max(8, int(size)))


@dataclass(frozen=True)
class View:
    """Data coordinates → output pixels. ``(x0, y0)`` is the data point at the output's top-left;
    ``y_up`` for body-frame metres (Y up), false for image pixels (y down)."""

    x0: float
    y0: float
    scale: float
    y_up: bool = False

    def px(self, p: Point) -> Point:
        x = (p[0] - self.x0) * self.scale
        y = (self.y0 - p[1]) * self.scale if self.y_up else (p[1] - self.y0) * self.scale
        return x, y

    def x(self, data_x: float) -> float:
        return (data_x - self.x0) * self.scale


def pose_from_stance_points(points: Mapping[str, tuple[float, float]], side: str) -> dict[str, Point]:
    """A stance's key-instant points (``mid_hip``, ``hip``, ``knee`` …) under full names."""
    out: dict[str, Point] = {}
    for name, xy in points.items():
        out[name if name.startswith("mid_") else f"{side}_{name}"] = (float(xy[0]), float(xy[1]))
    return out


def with_midpoints(pose: dict[str, Point]) -> dict[str, Point]:
    """Add mid_hip / mid_shoulder when both sides are there and the midpoint is missing."""
    out = dict(pose)
    for part in ("hip", "shoulder"):
        a, b = out.get(f"left_{part}"), out.get(f"right_{part}")
        if f"mid_{part}" not in out and a is not None and b is not None:
            out[f"mid_{part}"] = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return out


def _line(
    draw: ImageDraw.ImageDraw, a: Point, b: Point, colour: RGB, width: int, outline: bool = True
) -> None:
    if outline:
        draw.line([a, b], fill=OUTLINE, width=width + 2)
    draw.line([a, b], fill=colour, width=width)


def _dot(draw: ImageDraw.ImageDraw, p: Point, r: float, colour: RGB) -> None:
    draw.ellipse([p[0] - r - 1, p[1] - r - 1, p[0] + r + 1, p[1] + r + 1], fill=OUTLINE)
    draw.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=colour)


def draw_skeleton(
    draw: ImageDraw.ImageDraw, view: View, pose: Mapping[str, Point], stance_side: str | None, width: int
) -> None:
    """Both legs (the stance leg thicker, the other one thinner) and the trunk."""
    pose = with_midpoints(dict(pose))
    px = {k: view.px(v) for k, v in pose.items() if all(math.isfinite(c) for c in v)}
    order = [s for s in ("left", "right") if s != stance_side] + ([stance_side] if stance_side else [])
    for side in order:
        w = width if side == stance_side or stance_side is None else max(1, width * 2 // 3)
        colour = SIDE_COLOUR[side]
        for a, b in LEG:
            pa, pb = px.get(f"{side}_{a}"), px.get(f"{side}_{b}")
            if pa is not None and pb is not None:
                _line(draw, pa, pb, colour, w)
    if "mid_hip" in px and "mid_shoulder" in px:
        _line(draw, px["mid_hip"], px["mid_shoulder"], TRUNK_COLOUR, width)
    for part in ("hip", "shoulder"):
        pl, pr = px.get(f"left_{part}"), px.get(f"right_{part}")
        if pl is not None and pr is not None:
            _line(draw, pl, pr, TRUNK_COLOUR, max(1, width // 2))
    if "nose" in px and "mid_shoulder" in px:
        _line(draw, px["mid_shoulder"], px["nose"], TRUNK_COLOUR, max(1, width // 2))
    r = max(2.0, width * 0.9)
    for side in order:
        for part in ("hip", "knee", "ankle"):
            p = px.get(f"{side}_{part}")
            if p is not None:
                _dot(draw, p, r, SIDE_COLOUR[side])
    if "mid_hip" in px:
        _dot(draw, px["mid_hip"], r * 1.2, HIP_LINE)


def plumb_line(
    draw: ImageDraw.ImageDraw, x: float, top: float, bottom: float, colour: RGB, width: int
) -> None:
    """A vertical line at output column ``x`` with a 1-px dark edge each side (visible on any frame)."""
    xi = round(x)
    half = width // 2
    draw.rectangle([xi - half - 1, top, xi - half - 1 + width + 1, bottom], fill=OUTLINE)
    draw.rectangle([xi - half, top, xi - half + width - 1, bottom], fill=colour)


def text_box(
    draw: ImageDraw.ImageDraw,
    xy: Point,
    text: str,
    size: int,
    fg: RGB = (255, 255, 255),
    bg: RGB = (20, 20, 20),
    anchor: str = "la",
    clamp_width: float | None = None,
) -> tuple[float, float, float, float]:
    """Text on a filled box; returns the box. ``clamp_width`` keeps the box inside the image."""
    f = font(size)
    pad = max(2, size // 4)
    x, y = xy
    left, top, right, bottom = draw.textbbox((x, y), text, font=f, anchor=anchor)
    if clamp_width is not None:
        shift = 0.0
        if right + pad > clamp_width:
            shift = clamp_width - (right + pad)
        if left - pad + shift < 0:
            shift = -(left - pad)
        x += shift
        left, right = left + shift, right + shift
    box = (left - pad, top - pad, right + pad, bottom + pad)
    draw.rectangle(box, fill=bg)
    draw.text((x, y), text, font=f, fill=fg, anchor=anchor)
    return box


def arrow(draw: ImageDraw.ImageDraw, a: Point, b: Point, colour: RGB, width: int) -> None:
    """A horizontal double-headed arrow from ``a`` to ``b`` (same y)."""
    _line(draw, a, b, colour, width)
    head = max(4.0, width * 2.5)
    for tip, other in ((a, b), (b, a)):
        d = 1.0 if other[0] > tip[0] else -1.0
        if abs(other[0] - tip[0]) < 2 * head:
            continue
        draw.polygon(
            [tip, (tip[0] + d * head, tip[1] - head * 0.6), (tip[0] + d * head, tip[1] + head * 0.6)],
            fill=colour,
            outline=OUTLINE,
        )


def foot_angle(
    draw: ImageDraw.ImageDraw, view: View, heel: Point, toe: Point, label: str, size: int, width: int
) -> None:
    """The heel→toe line at contact against a horizontal through the heel, labelled."""
    h, t = view.px(heel), view.px(toe)
    length = max(math.dist(h, t), 10.0)
    forward = 1.0 if t[0] >= h[0] else -1.0
    ground_end = (h[0] + forward * length * 1.3, h[1])
    # dashed ground reference
    n = 8
    for i in range(0, n, 2):
        a = (h[0] + (ground_end[0] - h[0]) * i / n, h[1])
        b = (h[0] + (ground_end[0] - h[0]) * (i + 1) / n, h[1])
        _line(draw, a, b, (255, 255, 255), max(1, width // 2))
    _line(draw, h, t, (255, 255, 255), width)
    # above the foot and kept inside the picture (the runner may face either way)
    text_box(
        draw,
        ((h[0] + t[0]) / 2, min(h[1], t[1]) - size * 1.2),
        label,
        size,
        anchor="md",
        clamp_width=draw.im.size[0],
    )


def dashed(draw: ImageDraw.ImageDraw, a: Point, b: Point, colour: RGB, width: int, dash: float = 8.0) -> None:
    """A dashed line from ``a`` to ``b`` (dark-edged dashes, visible on any frame)."""
    length = math.dist(a, b)
    if length < 1:
        return
    n = max(1, int(length // dash))
    for i in range(0, n, 2):
        f0, f1 = i / n, min(1.0, (i + 1) / n)
        p0 = (a[0] + (b[0] - a[0]) * f0, a[1] + (b[1] - a[1]) * f0)
        p1 = (a[0] + (b[0] - a[0]) * f1, a[1] + (b[1] - a[1]) * f1)
        _line(draw, p0, p1, colour, width)


def line(draw: ImageDraw.ImageDraw, a: Point, b: Point, colour: RGB, width: int) -> None:
    """A solid line with a 1-px dark edge."""
    _line(draw, a, b, colour, width)


def ground_line(draw: ImageDraw.ImageDraw, y: float, width_px: float, colour: RGB = GROUND) -> None:
    draw.rectangle([0, y, width_px, y + 2], fill=colour)


def blank(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (max(1, width), max(1, height)), CANVAS_BG)
