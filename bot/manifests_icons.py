"""The Teams app icons, drawn deterministically: a tiny PNG encoder (zlib + struct) and a few shapes.

color.png (192x192): a white chat bubble with a check mark on the accent colour.
outline.png (32x32): the same bubble as a white outline on transparent pixels (Teams' rule).
Shapes are signed distance functions; a pixel's coverage is its distance clamped to one pixel,
which anti-aliases the edges without supersampling.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

COLOR_SIZE = 192
OUTLINE_SIZE = 32

Point = tuple[float, float]
Shape = Callable[[float, float], float]  # signed distance in icon units (0..1); negative inside


def encode_png(width: int, height: int, rgba: bytes) -> bytes:
    """An 8-bit RGBA PNG (filter 0 on every row, fixed compression level: same pixels, same bytes)."""
    if len(rgba) != width * height * 4:
        raise ValueError("pixel buffer does not match the size")
    stride = width * 4
    raw = b"".join(b"\x00" + rgba[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _rounded_box(cx: float, cy: float, hw: float, hh: float, r: float) -> Shape:
    def sdf(x: float, y: float) -> float:
        qx, qy = abs(x - cx) - (hw - r), abs(y - cy) - (hh - r)
        outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
        return outside + min(max(qx, qy), 0.0) - r

    return sdf


def _polygon(points: list[Point]) -> Shape:
    def sdf(x: float, y: float) -> float:
        best, sign = math.inf, 1.0
        for (ax, ay), (bx, by) in zip(points, points[1:] + points[:1], strict=True):
            ex, ey, wx, wy = bx - ax, by - ay, x - ax, y - ay
            t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
            best = min(best, math.hypot(wx - ex * t, wy - ey * t))
            crosses = (ay <= y) != (by <= y)
            if crosses and x < ax + (y - ay) * ex / ey:
                sign = -sign
        return sign * best

    return sdf


def _polyline(points: list[Point], half_width: float) -> Shape:
    def sdf(x: float, y: float) -> float:
        best = math.inf
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            ex, ey, wx, wy = bx - ax, by - ay, x - ax, y - ay
            t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
            best = min(best, math.hypot(wx - ex * t, wy - ey * t))
        return best - half_width

    return sdf


def _bubble() -> Shape:
    body = _rounded_box(0.5, 0.45, 0.34, 0.26, 0.11)
    tail = _polygon([(0.27, 0.6), (0.43, 0.6), (0.25, 0.84)])
    return lambda x, y: min(body(x, y), tail(x, y))


def _check(half_width: float) -> Shape:
    return _polyline([(0.35, 0.45), (0.46, 0.56), (0.66, 0.35)], half_width)


def _coverage(distance: float, pixel: float) -> float:
    return max(0.0, min(1.0, 0.5 - distance / pixel))


def _parse_hex(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@lru_cache(maxsize=4)
def color_icon(accent: str, size: int = COLOR_SIZE) -> bytes:
    """Full-colour icon: opaque accent background, white bubble, accent check mark."""
    ar, ag, ab = _parse_hex(accent)
    bubble, check, pixel = _bubble(), _check(0.035), 1.0 / size
    out = bytearray()
    for row in range(size):
        y = (row + 0.5) / size
        for col in range(size):
            x = (col + 0.5) / size
            white = _coverage(bubble(x, y), pixel) * (1.0 - _coverage(check(x, y), pixel))
            out += bytes(round(c + (255 - c) * white) for c in (ar, ag, ab)) + b"\xff"
    return encode_png(size, size, bytes(out))


@lru_cache(maxsize=2)
def outline_icon(size: int = OUTLINE_SIZE) -> bytes:
    """Outline icon: only white pixels, shape carried by alpha, transparent elsewhere."""
    bubble, check, pixel = _bubble(), _check(0.04), 1.0 / size
    stroke = 0.045
    out = bytearray()
    for row in range(size):
        y = (row + 0.5) / size
        for col in range(size):
            x = (col + 0.5) / size
            ring = abs(bubble(x, y)) - stroke
            alpha = _coverage(min(ring, check(x, y)), pixel)
            out += b"\xff\xff\xff" + bytes((round(255 * alpha),))
    return encode_png(size, size, bytes(out))
