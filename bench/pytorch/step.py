"""The training step of bench/step/step.worker.ts in PyTorch, for the comparison in `npm run bench`.

The seed SegNet (Conv3x3-BN-ReLU blocks 16,16 | 32,32 | 64,64,64, max-pooling, nearest upsampling,
1x1 sigmoid head, binary cross-entropy) or DenseNet-121 (blocks 6, 12, 24, 16, growth 32, a 3-class
softmax head, cross-entropy), Adam, a batch of random images; one warm-up step, then the timed ones.
Prints one JSON line: {"stepSeconds": [...], "warmUpSeconds": s, "threads": n, "torch": version,
"blas": the BLAS library loaded}. The BLAS matters: with one thread and a batch under 16, PyTorch
sends 1x1 convolutions to its own im2col path, which calls the system BLAS (not oneDNN); Debian's
reference BLAS (libblas3) makes DenseNet-121's step about 10x slower there than OpenBLAS
(libopenblas0-pthread) does.
On a CUDA GPU (`--device cuda`, the lent device's twin of the WebGPU engine's step; cuDNN's
benchmark mode on), `--tf32 on` lets cuDNN and cuBLAS use TF32 (off: plain fp32, as WebGPU
computes); a step's time then ends when its loss is read back, as the engine's does.
Usage: python3 step.py --model segnet|densenet121 --size PX --batch N --steps N --threads N
       [--device cpu|cuda] [--tf32 off|on]   (on CUDA, --batch may list several: 4,8,16)
"""
import argparse
import json
import time

import torch
from torch import nn


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def segnet(blocks=((16, 16), (32, 32), (64, 64, 64))):
    layers, cin = [], 3
    for block in blocks:
        for cout in block:
            layers += conv_bn_relu(cin, cout)
            cin = cout
        layers.append(nn.MaxPool2d(2))
    for block in reversed(blocks):
        layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        for cout in reversed(block):
            layers += conv_bn_relu(cin, cout)
            cin = cout
    layers += [nn.Conv2d(cin, 1, 1), nn.Sigmoid()]
    return nn.Sequential(*layers)


class DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, 4 * growth, 1, bias=False),
            nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True),
            nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


def densenet121(classes=3, blocks=(6, 12, 24, 16), growth=32):
    layers = [nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
              nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1)]
    channels = 64
    for i, count in enumerate(blocks):
        for _ in range(count):
            layers.append(DenseLayer(channels, growth))
            channels += growth
        if i < len(blocks) - 1:
            layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
                       nn.Conv2d(channels, channels // 2, 1, bias=False), nn.AvgPool2d(2)]
            channels //= 2
    layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1),
               nn.Flatten(), nn.Linear(channels, classes)]
    return nn.Sequential(*layers)


def loaded_blas():
    """The BLAS (or oneDNN's, MKL's) shared library this process has mapped, by file name."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    names = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = path.rsplit("/", 1)[-1]
                if any(key in base for key in ("blas", "mkl_rt", "blis")):
                    names.add(path.rsplit("/", 2)[-2] + "/" + base if "/" in path else base)
    except OSError:
        return "unknown"
    return ", ".join(sorted(names)) or "none found"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["segnet", "densenet121"], required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--batch", required=True,
                        help="images a step; on CUDA a comma-separated list, one line each")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--tf32", choices=["off", "on"], default="off")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    if args.device == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = args.tf32 == "on"
        torch.backends.cuda.matmul.allow_tf32 = args.tf32 == "on"
    for batch in [int(b) for b in args.batch.split(",")]:
        print(json.dumps(run(args, device, batch)), flush=True)


def run(args, device, batch):
    x = torch.rand(batch, 3, args.size, args.size)
    if args.model == "segnet":
        model, loss_fn = segnet(), nn.BCELoss()
        y = torch.rand(batch, 1, args.size, args.size).round()
    else:
        model, loss_fn = densenet121(), nn.CrossEntropyLoss()
        y = torch.arange(batch) % 3
    model, x, y = model.to(device), x.to(device), y.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        started = time.perf_counter()
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
        return time.perf_counter() - started

    warm_up = step()
    if args.device == "cuda":
        step()  # cuDNN's benchmark mode tries its algorithms on the first calls of each shape
    seconds = [step() for _ in range(args.steps)]
    result = {"stepSeconds": seconds, "warmUpSeconds": warm_up, "torch": torch.__version__}
    if args.device == "cuda":
        result.update(model=args.model, size=args.size, batch=batch, tf32=args.tf32,
                      device=torch.cuda.get_device_name())
    else:
        result.update(threads=torch.get_num_threads(), blas=loaded_blas())
    return result


if __name__ == "__main__":
    main()
