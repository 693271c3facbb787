"""Draws the PWA icons (public/icons/icon-192.png, icon-512.png): a rising glide path on blue.

Pure Python (zlib), so anyone can re-draw them; the SVG icon is written by hand beside them.
"""
import math
import struct
import zlib


def png(size: int) -> bytes:
    bg, fg = (11, 92, 173), (255, 255, 255)
    stroke = size * 0.07
    pts = []
    for i in range(201):
        t = i / 200
        x = 0.18 + 0.64 * t
        y = 0.78 - 0.56 * (1 - math.cos(t * math.pi)) / 2
        pts.append((x * size, y * size))
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            d = min(math.hypot(px + 0.5 - x, py + 0.5 - y) for x, y in pts[::4])
            a = max(0.0, min(1.0, stroke / 2 - d + 0.5))
            row += bytes(round(b + (f - b) * a) for b, f in zip(bg, fg))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


for n in (192, 512):
    with open(f"public/icons/icon-{n}.png", "wb") as f:
        f.write(png(n))
