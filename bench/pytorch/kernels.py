"""The convolution kernels of bench/kernels.ts in PyTorch on a CUDA GPU (cuDNN), for the comparison
in `npm run bench -- --only=kernels` on a lent device.

Reads a JSON list of cases on stdin, each {"op": "conv2d" | "conv2dBackpropInput" |
"conv2dBackpropFilter", "x": [batch, height, width, inChannels] (NHWC, as tfjs), "filter": [kh, kw,
inChannels, outChannels], "stride": s, "pads": [top, bottom, left, right]} (tfjs's padding, which
may be one pixel larger at the bottom and right), and times the op of each (the forward
convolution, or cuDNN's backward-data or backward-filter through aten::convolution_backward), with
torch.backends.cudnn.benchmark = True, first with TF32 off (plain fp32, as WebGPU computes), then
on. Prints one JSON line: {"torch": version, "device": name, "timings": [{"case": index, "tf32":
bool, "ms": median}]}; without CUDA, {"error": why} (a CPU's PyTorch is not the twin of a GPU kernel).
Usage: python3 kernels.py --repeats N < cases.json
"""
import argparse
import json
import sys

import torch
import torch.nn.functional as F


def time_case(case, repeats):
    b, h, w, cin = case["x"]
    kh, kw, _, cout = case["filter"]
    top, bottom, left, right = case["pads"]
    x = torch.randn(b, cin, h, w, device="cuda")
    x = F.pad(x, (left, right, top, bottom))
    weight = torch.randn(cout, cin, kh, kw, device="cuda")
    stride = case["stride"]
    out = F.conv2d(x, weight, stride=stride)
    dy = torch.randn_like(out)

    op = case.get("op", "conv2dBackpropFilter")
    mask = [op == "conv2dBackpropInput", op == "conv2dBackpropFilter", False]

    def kernel():
        if op == "conv2d":
            return F.conv2d(x, weight, stride=stride)
        return torch.ops.aten.convolution_backward(
            dy, x, weight, None, [stride, stride], [0, 0], [1, 1], False, [0, 0], 1, mask)

    for _ in range(3):  # cuDNN's benchmark picks its algorithm on the first calls
        kernel()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        kernel()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"error": "PyTorch sees no CUDA GPU", "torch": torch.__version__}))
        return
    cases = json.load(sys.stdin)
    torch.backends.cudnn.benchmark = True
    timings = []
    for tf32 in (False, True):
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        for index, case in enumerate(cases):
            timings.append({"case": index, "tf32": tf32, "ms": time_case(case, args.repeats)})
    print(json.dumps({
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(),
        "timings": timings,
    }))


if __name__ == "__main__":
    main()
