#!/usr/bin/env bash
# The benchmarks on a borrowed GPU machine, in the repository root there, from
# what scripts/device-bench/pack.sh put in .device/ (each part fits one call's 64 MiB):
#   run.sh stash   first call, carrying .device/part1: keeps it in /tmp for the next call.
#   run.sh cuda-steps  PyTorch's training steps on the GPU (bench/pytorch/step.py --device cuda):
#                  the seed SegNet and DenseNet-121 at the engine benchmark's sizes and batches, TF32
#                  off (plain fp32, as WebGPU computes) and at batch 16 on; needs nothing unpacked,
#                  so it can follow stash in the first call. JSON lines in $OUT/cuda-steps.jsonl.
#   run.sh bench [plan…]  second call, carrying .device/part2 and .device/gl, at once (a machine
#                  stays warm 30 s): unpacks Node, Chromium and node_modules, finds the Chromium
#                  flags that put WebGPU and WebGL on the GPU (probe.ts), runs the SegNet,
#                  Diagnose, DenseNet and step benchmarks on webgpu and webgl (or the plan given)
#                  within BENCH_SECONDS (default 420), and copies the results to $OUT. A later
#                  call on the same warm machine needs no carry.
set -uo pipefail
keep=/tmp/lesion-lab-bench
out=${OUT:-$keep/out}

case "${1:-}" in
  stash)
    mkdir -p "$keep" && cp .device/part1/* "$keep/" && ls -l "$keep"
    nvidia-smi -L
    exit
    ;;
  cuda-steps)
    mkdir -p "$out"
    step() { timeout 60 python3 bench/pytorch/step.py --device cuda --steps 10 "$@"; }
    {
      step --model segnet --size 200 --batch 4,16
      step --model densenet121 --size 224 --batch 4,8,16,32
      step --model segnet --size 200 --batch 16 --tf32 on
      step --model densenet121 --size 224 --batch 16 --tf32 on
    } | tee "$out/cuda-steps.jsonl"
    exit
    ;;
  bench) ;;
  *)
    echo "usage: run.sh stash|cuda-steps|bench" >&2
    exit 2
    ;;
esac

started=$(date +%s)
deadline=$((started + ${BENCH_SECONDS:-420}))
mkdir -p "$keep/root" "$out"
log=$out/bench.log
exec > >(tee "$log") 2>&1

root=$keep/root
# Unpacked once per machine (a later call on the same warm machine skips it).
if [ ! -x "$root/bin/node" ]; then
  cat "$keep"/bundle.* .device/part2/bundle.* | xz -dc -T0 | tar xf - -C "$root" || exit 1
fi
# Vite serves only files under the project, so node_modules moves in rather than being linked.
if [ -d "$root/node_modules" ]; then rm -rf node_modules && mv "$root/node_modules" node_modules; fi
# glvnd's EGL and GL dispatch libraries, which NVIDIA's Vulkan and EGL drivers load.
for deb in .device/gl/*.deb; do [ -f "$deb" ] && dpkg -x "$deb" "$keep/gl"; done
[ -d "$keep/gl" ] && cp -a "$keep"/gl/usr/lib/x86_64-linux-gnu/*.so* "$root/lib/"
export PATH=$root/bin:$PATH
export CHROMIUM_PATH=$root/chromium/chromium-headless-shell
export LD_LIBRARY_PATH=$root/chromium:$root/lib:/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
nvidia=/usr/local/nvidia/share
[ -f $nvidia/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=$nvidia/vulkan/icd.d/nvidia_icd.json
[ -f $nvidia/glvnd/egl_vendor.d/10_nvidia.json ] &&
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nvidia/glvnd/egl_vendor.d/10_nvidia.json
echo "unpacked in $(($(date +%s) - started)) s; node $(node --version); $("$CHROMIUM_PATH" --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
ls /usr/local/nvidia/share/vulkan/icd.d /etc/vulkan/icd.d /usr/share/vulkan/icd.d 2>/dev/null

# Flag sets, most likely first: ANGLE and Dawn on Vulkan without a surface (Chrome's recipe for
# GPU tests in headless servers), the same with ANGLE's Vulkan features forced or native Vulkan
# named, ANGLE on EGL.
vulkan='--use-angle=vulkan --enable-features=Vulkan --disable-vulkan-surface --ignore-gpu-blocklist'
forced="$vulkan,VulkanFromANGLE,DefaultANGLEVulkan --enable-gpu"
native='--use-vulkan=native --use-angle=vulkan --enable-features=Vulkan --disable-vulkan-surface --ignore-gpu-blocklist'
egl='--use-gl=angle --use-angle=gl-egl --ignore-gpu-blocklist --enable-features=Vulkan'
timeout 120 node node_modules/tsx/dist/cli.mjs scripts/device-bench/probe.ts \
  "$vulkan" "$forced" "$native" "$egl" | tee "$out/probe.jsonl"
# Both on the GPU, else WebGPU on it, else WebGL on it, else Chromium's defaults.
pick() { grep -i "$1" "$out/probe.jsonl" | head -1 | sed 's/^{"flags":"\([^"]*\)".*/\1/'; }
flags=$(pick '"webgpu":"[^"]*nvidia.*"webgl":"[^"]*nvidia')
[ -n "$flags" ] || flags=$(pick '"webgpu":"[^"]*nvidia')
[ -n "$flags" ] || flags=$(pick '"webgl":"[^"]*nvidia')
export CHROMIUM_FLAGS=$flags
echo "Chromium flags: $CHROMIUM_FLAGS"

# One benchmark in the time left (at most its own cap), its results kept as it finishes.
bench() {
  local name=$1 cap=$2
  shift 2
  local left=$((deadline - $(date +%s)))
  ((left > 30)) || {
    echo "== $name: skipped, ${left} s left"
    return
  }
  ((cap < left)) || cap=$left
  echo "== $name (at most $cap s)"
  # A benchmark stopped by the timeout writes nothing: no earlier call's results in its place.
  rm -f bench/results/latest-"$name".*
  timeout -k 5 "$cap" node node_modules/tsx/dist/cli.mjs bench/run.ts --only="$name" "$@"
  pkill -f chromium-headless-shell # a benchmark stopped by the timeout leaves its browser
  # Numbered in the plan's order, so that a benchmark run twice (engine rows apart) keeps both.
  ((++runs))
  cp bench/results/latest-"$name".json "$out/$runs-$name.json" 2>/dev/null
  cat bench/results/latest-"$name".md >>"$out/results.md" 2>/dev/null
}
shift
runs=0
if (($# == 0)); then
  bench segnet 150 --seed --segnet-backends=webgpu,webgl
  bench diagnose 90 --diagnose-backends=webgpu,webgl
  bench densenet 240 --densenet-backends=webgpu,webgl --densenet-timeout=60
  bench step 150 --step-backends=webgpu,webgl --step-timeout=45
fi
# Or the plan given: each argument "name cap flags…", e.g. "step 120 --step-backends=webgpu".
for plan in "$@"; do
  # shellcheck disable=SC2086 # the flags are meant to split
  bench $plan
done
echo "done in $(($(date +%s) - started)) s"
