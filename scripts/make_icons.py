"""Draw the app icons (plexportal/static/icons/*.png) from the favicon's shape, without an image
library: the amber chevron of favicon.svg on its dark tile, 4x supersampled. Run once when the
shape changes and commit the files:  .venv/bin/python scripts/make_icons.py"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plexportal" / "static" / "icons"
TILE, MARK = (0x1F, 0x1F, 0x1F), (0xE5, 0xA0, 0x0D)
# favicon.svg's path in its 24-unit box: M6 4h6l6 8-6 8H6l6-8z
CHEVRON = [(6, 4), (12, 4), (18, 12), (12, 20), (6, 20), (12, 12)]


def inside(x: float, y: float, poly) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def draw(size: int, *, maskable: bool) -> bytes:
    # A maskable icon's mark stays inside the middle 80% (the platform crops the rest) and its tile
    # fills the square; the plain one has rounded corners like the favicon.
    scale = size / 24 * (0.6 if maskable else 1.0)
    offset = size * 0.2 if maskable else 0.0
    radius = 0 if maskable else size * 5 / 24
    poly = [(offset + x * scale, offset + y * scale) for x, y in CHEVRON]
    rows = []
    n = 4
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            mark = tile = 0
            for sy in range(n):
                for sx in range(n):
                    x, y = px + (sx + 0.5) / n, py + (sy + 0.5) / n
                    cx = min(max(x, radius), size - radius)
                    cy = min(max(y, radius), size - radius)
                    if (x - cx) ** 2 + (y - cy) ** 2 > radius ** 2:
                        continue
                    if inside(x, y, poly):
                        mark += 1
                    else:
                        tile += 1
            total = n * n
            alpha = (mark + tile) / total
            if mark + tile:
                color = [(m * mark + t * tile) / (mark + tile) for m, t in zip(MARK, TILE)]
            else:
                color = [0, 0, 0]
            row += bytes(round(c) for c in color) + bytes([round(alpha * 255)])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True)):
        (OUT / name).write_bytes(draw(size, maskable=maskable))
        print(OUT / name)


if __name__ == "__main__":
    main()
