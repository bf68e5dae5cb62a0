#!/usr/bin/env bash
# Screenshot of a gpuxfer HTML report in headless Chromium, checked to be non-blank.
#
#   scripts/screenshot_report.sh REPORT.html OUT.png
#
# Uses Debian's chromium (apt-get install -y chromium). The window is 1400 px wide and
# SCREENSHOT_HEIGHT px high (default 2400): the top of the page, as a person first sees it.
# The PNG is decoded with Python's zlib (no extra packages) and must have at least
# MIN_INK_PERCENT % (default 3) non-white pixels.
# Exit codes: 0 ok, 1 blank or failed screenshot, 2 usage, 77 chromium not installed (ctest SKIP).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT.html OUT.png" >&2
  exit 2
fi
html="$1"
png="$2"
if [ ! -f "$html" ]; then
  echo "screenshot_report: $html: no such file" >&2
  exit 2
fi

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$browser" ]; then
  echo "screenshot_report: SKIP: chromium not installed (apt-get install -y chromium)" >&2
  exit 77
fi

height="${SCREENSHOT_HEIGHT:-2400}"
abs_html="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
abs_png="$(cd "$(dirname "$png")" && pwd)/$(basename "$png")"
rm -f "$abs_png"
# A private profile so parallel runs and a user's browser do not collide.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --no-first-run --disable-extensions \
  --screenshot="$abs_png" --window-size="1400,$height" "file://$abs_html" >"$profile/log" 2>&1 || {
  echo "screenshot_report: $browser failed:" >&2
  tail -20 "$profile/log" >&2
  exit 1
}
if [ ! -s "$abs_png" ]; then
  echo "screenshot_report: no screenshot written" >&2
  tail -20 "$profile/log" >&2
  exit 1
fi

python3 - "$abs_png" "${MIN_INK_PERCENT:-3}" <<'PY'
import struct, sys, zlib

path, min_ink = sys.argv[1], float(sys.argv[2])
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"screenshot_report: {path}: not a PNG")
pos, idat, width, height, depth, ctype = 8, b"", 0, 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        if depth != 8 or ctype not in (2, 6) or interlace:
            sys.exit(f"screenshot_report: unexpected PNG format (depth {depth}, color type {ctype})")
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
bpp = 3 if ctype == 2 else 4
stride = width * bpp
raw = zlib.decompress(idat)
prev = bytearray(stride)
ink = 0
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif f == 2:
        for i in range(stride):
            line[i] = (line[i] + prev[i]) & 0xFF
    elif f == 3:
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF
    n = 0
    for x in range(0, stride, bpp):
        if line[x] < 235 or line[x + 1] < 235 or line[x + 2] < 235:
            n += 1
    ink += n
    prev = line
total = width * height
percent = 100.0 * ink / total
print(f"screenshot_report: {path}: {width}x{height}, {percent:.1f}% non-white pixels")
if percent < min_ink:
    sys.exit(f"screenshot_report: {path} looks blank ({percent:.2f}% non-white < {min_ink}%)")
PY
