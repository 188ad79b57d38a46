#!/usr/bin/env bash
# Packs what the benchmarks need on a borrowed GPU machine, which has neither
# Node nor Chromium and reaches no registry: this machine's Node, Debian's Chromium headless shell
# (the same version as /usr/bin/chromium) with the shared libraries it links beyond glibc, and
# node_modules without source maps, type declarations, tfjs's minified and flat single-file bundles
# (Vite serves its modules; the benchmarks' Node side loads its *.node.js) and the lint/format/unit-test tools.
#
# The device tool carries at most 64 MiB a call, so the one xz stream is split in two: .device/part1
# travels with the first call (run.sh stash keeps it), .device/part2 with the second (run.sh bench),
# with .device/gl: glvnd's EGL and GL dispatch libraries (.deb), which NVIDIA's Vulkan driver needs.
# Needs: apt-get (for the two .deb files), xz. Takes a few minutes (xz on ~500 MB).
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$work/pack
mkdir -p "$pack/chromium" "$pack/lib" "$pack/bin" .device
rm -rf .device/part1 .device/part2 .device/gl
mkdir -p .device/gl
(cd .device/gl && apt-get download -q libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)

version=$(dpkg-query -W -f='${Version}' chromium)
(cd "$work" && apt-get download -q "chromium-headless-shell=$version" "chromium-common=$version")
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
chrome=$work/root/usr/lib/chromium
# The headless shell and what it loads at start (its resources, ICU data, V8 snapshots, Vulkan
# loader, ANGLE's stubs); not the locales beyond what it needs, nor the Vulkan validation layers.
cp -a "$chrome"/{chromium-headless-shell,headless_command_resources.pak,headless_lib_data.pak} \
  "$chrome"/{headless_lib_strings.pak,icudtl.dat,v8_context_snapshot.bin,snapshot_blob.bin} \
  "$chrome"/{libvulkan.so.1,libEGL.so,libGLESv2.so} "$pack/chromium/"

# Every library the shell links, except glibc's own and the C++ runtime (the device has newer ones).
ldd "$pack/chromium/chromium-headless-shell" | awk '/=> \// {print $3}' |
  grep -Ev '/(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' |
  while read -r lib; do cp -L "$lib" "$pack/lib/"; done

cp /usr/bin/node "$pack/bin/node"

tar cf - --exclude='*.map' --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' \
  --exclude='*.min.js.html' --exclude='*/miniprogram/*' --exclude='*/tf.es2017*' \
  --exclude='*/tf-*.es2017*' \
  --exclude=node_modules/typescript --exclude='node_modules/eslint*' \
  --exclude='node_modules/@eslint*' --exclude=node_modules/@typescript-eslint \
  --exclude=node_modules/typescript-eslint --exclude=node_modules/prettier \
  --exclude=node_modules/@types --exclude=node_modules/vitest --exclude=node_modules/@vitest \
  --exclude=node_modules/core-js --exclude=node_modules/.cache \
  --exclude='node_modules/@tensorflow/*/dist/tf*.min.js' --exclude='node_modules/@tensorflow/*/dist/tf*.fesm.js' \
  --exclude='node_modules/@tensorflow/*/dist/*.html' \
  node_modules | tar xf - -C "$pack"

tar cf - -C "$pack" . | xz -T0 -6 >"$work/bundle.tar.xz"
mkdir -p .device/part1 .device/part2
# Two equal halves: each travels with a copy of the working tree, under one call's 64 MiB.
split -n 2 -d "$work/bundle.tar.xz" "$work/bundle."
mv "$work/bundle.00" .device/part1/
mv "$work/bundle.01" .device/part2/
du -b .device/part1 .device/part2
