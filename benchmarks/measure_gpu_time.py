"""Measure whole-network throughput of torchvision models on a CUDA GPU, for the time model's
calibration (docs/time.md). Prints rows in the format of src/cnncost/data/measurements.yaml
(add a `source` for the machine, and `fit: false` for rows to hold out).

    python benchmarks/measure_gpu_time.py --gpu h100-80gb resnet50 mobilenet_v2 \\
        --batch 256 --dtypes fp32,amp --modes infer,train

CUDA events around `--steps` timed steps after `--warmup` untimed ones; training steps are
forward + backward + SGD-momentum step (GradScaler under amp), NCHW, cudnn.benchmark on.
"""

from __future__ import annotations

import argparse


def step_fn(model, x, dtype: str, train: bool):
    import torch

    amp = dtype in ("amp", "fp16", "bf16")
    half = torch.bfloat16 if dtype == "bf16" else torch.float16
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = dtype == "tf32"
    if not train:
        model.eval()

        def run():
            with torch.no_grad(), torch.autocast("cuda", half, enabled=amp):
                model(x)
        return run
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler(enabled=amp and half is torch.float16)

    def run():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", half, enabled=amp):
            loss = model(x).float().sum()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    return run


def measure(name: str, batch: int, dtype: str, train: bool, warmup: int, steps: int) -> float:
    """Images per second."""
    import torch
    import torchvision

    torch.backends.cudnn.benchmark = True
    model = getattr(torchvision.models, name)().cuda()
    x = torch.randn(batch, 3, 224, 224, device="cuda")
    run = step_fn(model, x, dtype, train)
    for _ in range(warmup):
        run()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(steps):
        run()
    end.record()
    torch.cuda.synchronize()
    return batch * steps / (start.elapsed_time(end) / 1e3)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--gpu", required=True, help="the catalog name of this GPU")
    p.add_argument("--batch", type=int, nargs="+", default=[256])
    p.add_argument("--dtypes", default="fp32,amp")
    p.add_argument("--modes", default="infer,train")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    a = p.parse_args()
    for name in a.models:
        for batch in a.batch:
            for dtype in a.dtypes.split(","):
                for mode in a.modes.split(","):
                    ips = measure(name, batch, dtype, mode == "train", a.warmup, a.steps)
                    print(f"  - {{source: local, gpu: {a.gpu}, model: {name}, mode: {mode}, "
                          f"dtype: {dtype}, batch: {batch}, img_s: {ips:.1f}, fit: false}}",
                          flush=True)


if __name__ == "__main__":
    main()
