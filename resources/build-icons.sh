#!/usr/bin/env bash
# Regenerates the raster app icons from resources/icon.svg
# (and resources/icon-small.svg for the 16px render).
#
#   resources/icons/<N>x<N>.png  for N in 16 32 48 64 128 256 512 1024
#   resources/icon.png           (512x512, used by the window/tray at runtime)
#
#   build/icon.icns, build/icon.ico  (packed from those PNGs by pack-icons.mjs)
#
# electron-builder uses resources/icons/ for Linux and build/icon.{icns,ico}
# for macOS and Windows as they are, so packaging needs no icon conversion.
#
# Needs node and rsvg-convert (Debian/Ubuntu: apt-get install -y --no-install-recommends librsvg2-bin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/icon.svg"
# Hand-hinted pixel-grid variant: the full artwork turns to mush at 16px.
small="$here/icon-small.svg"
out="$here/icons"

if ! command -v rsvg-convert >/dev/null 2>&1; then
  echo "build-icons.sh: rsvg-convert not found; install librsvg2-bin" >&2
  exit 1
fi

mkdir -p "$out"
for size in 16 32 48 64 128 256 512 1024; do
  svg="$src"
  if [ "$size" -lt 32 ]; then svg="$small"; fi
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio \
    --format png --output "$out/${size}x${size}.png" "$svg"
done
cp "$out/512x512.png" "$here/icon.png"
# macOS .icns and Windows .ico into electron-builder's build resources (build/).
node "$here/pack-icons.mjs" "$out" "$here/../build"

echo "build-icons.sh: wrote $(ls "$out" | wc -l) PNGs to $out and $here/icon.png"
