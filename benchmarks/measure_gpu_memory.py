"""Measure real CUDA memory of torchvision models, for docs/memory.md (not a pytest module).

Run on a machine with a CUDA GPU and torchvision:

    python benchmarks/measure_gpu_memory.py OUT.json

For each (model, batch, mode) it records ``torch.cuda.max_memory_allocated`` over one steady-state
step (inference: one ``no_grad`` forward; training: the second of two SGD/Adam steps, so gradients
and optimizer state already exist), ``max_memory_reserved``, the bytes allocated before the step,
and the bytes autograd saves for backward (``saved_tensors_hooks``, each storage once, parameters
excluded). cnncost's predictions are computed apart from this script (it needs only torch).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from typing import Any

import torch
import torch.nn.functional as F
import torchvision

CASES: list[tuple[str, int, str, str, bool]] = [
    # model, batch, mode, optimizer, amp
    ("alexnet", 128, "inference", "-", False),
    ("alexnet", 128, "train", "momentum", False),
    ("alexnet", 128, "train", "adam", False),
    ("vgg16", 64, "inference", "-", False),
    ("vgg16", 32, "train", "momentum", False),
    ("vgg16", 64, "train", "adam", False),
    ("vgg16", 64, "train", "momentum", True),
    ("vgg16_bn", 32, "train", "momentum", False),
    ("resnet18", 128, "train", "momentum", False),
    ("resnet50", 256, "inference", "-", False),
    ("resnet50", 112, "train", "momentum", False),
    ("resnet50", 256, "train", "momentum", True),
    ("resnet50", 64, "train", "adam", False),
    ("googlenet", 64, "train", "momentum", False),
    ("densenet121", 64, "train", "momentum", False),
    ("mobilenet_v2", 128, "train", "momentum", False),
    ("mobilenet_v2", 128, "inference", "-", False),
]


def build(name: str) -> Any:
    kwargs: dict[str, Any] = {"weights": None}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=False)
    return getattr(torchvision.models, name)(**kwargs)


def saved_bytes(model: Any, x: Any, amp: bool) -> int:
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    params |= {b.untyped_storage().data_ptr() for b in model.buffers()}
    seen: dict[int, int] = {}

    def pack(t: Any) -> Any:
        st = t.untyped_storage()
        if st.data_ptr() not in params:
            seen.setdefault(st.data_ptr(), st.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            out = model(x)
    del out
    return sum(seen.values())


def measure(name: str, batch: int, mode: str, opt_name: str, amp: bool) -> dict[str, Any]:
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    model = build(name).cuda()
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    x = torch.randn(batch, 3, 224, 224, device="cuda")
    row: dict[str, Any] = {"model": name, "batch": batch, "mode": mode, "optimizer": opt_name,
                           "amp": amp, "weights": weights, "buffers": buffers,
                           "input": x.numel() * 4}
    if mode == "inference":
        model.eval()
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        with torch.no_grad():
            out = model(x)
        torch.cuda.synchronize()
        del out
    else:
        model.train()
        y = torch.randint(0, 1000, (batch,), device="cuda")
        if opt_name == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        else:
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        scaler = torch.amp.GradScaler("cuda", enabled=amp)

        def step() -> None:
            opt.zero_grad()
            with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                loss = F.cross_entropy(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

        step()
        opt.zero_grad()
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        step()
        torch.cuda.synchronize()
        row["after_step"] = torch.cuda.memory_allocated()
        row["saved"] = saved_bytes(model, x, amp)
    row["before"] = before
    row["peak_allocated"] = torch.cuda.max_memory_allocated()
    row["peak_reserved"] = torch.cuda.max_memory_reserved()
    del model, x
    return row


def main(path: str) -> None:
    torch.backends.cudnn.benchmark = False
    rows = []
    for case in CASES:
        try:
            row = measure(*case)
        except torch.cuda.OutOfMemoryError as exc:  # record, keep going
            row = {"case": list(case), "error": str(exc)[:200]}
        print(json.dumps(row), flush=True)
        rows.append(row)
    gc.collect()
    torch.cuda.empty_cache()
    reserved = torch.cuda.memory_reserved()
    used = subprocess.run(["nvidia-smi", "--query-gpu=memory.used,memory.total,name",
                           "--format=csv,noheader,nounits"], capture_output=True, text=True)
    info = {"torch": torch.__version__, "torchvision": torchvision.__version__,
            "cudnn": torch.backends.cudnn.version(), "device": torch.cuda.get_device_name(),
            "reserved_at_end": reserved, "nvidia_smi_used_total_name": used.stdout.strip()}
    print(json.dumps(info), flush=True)
    with open(path, "w") as fh:
        json.dump({"info": info, "rows": rows}, fh, indent=1)


def cap_check(name: str, batch: int, amp: bool, capacity: int, context: int) -> dict[str, Any]:
    """Train two steps (SGD momentum) with the allocator capped at ``capacity - context`` bytes,
    as on a card of ``capacity`` bytes whose CUDA context takes ``context``: does it fit?"""
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction((capacity - context) / total)
    row: dict[str, Any] = {"model": name, "batch": batch, "amp": amp, "capacity": capacity,
                           "context": context}
    try:
        measure_step(name, batch, amp)
        row["fits"] = True
    except torch.cuda.OutOfMemoryError:
        row["fits"] = False
    row["peak_allocated"] = torch.cuda.max_memory_allocated()
    row["peak_reserved"] = torch.cuda.max_memory_reserved()
    return row


def measure_step(name: str, batch: int, amp: bool) -> None:
    model = build(name).cuda().train()
    x = torch.randn(batch, 3, 224, 224, device="cuda")
    y = torch.randint(0, 1000, (batch,), device="cuda")
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    for _ in range(2):
        opt.zero_grad()
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            loss = F.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    torch.cuda.synchronize()


if __name__ == "__main__":
    if sys.argv[1] == "--case":  # --case INDEX: one case of CASES in a fresh process
        print(json.dumps(measure(*CASES[int(sys.argv[2])])), flush=True)
    elif sys.argv[1] == "--cap":  # --cap MODEL BATCH AMP(0|1) CAPACITY_BYTES CONTEXT_BYTES
        print(json.dumps(cap_check(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1",
                                   int(sys.argv[5]), int(sys.argv[6]))), flush=True)
    else:
        main(sys.argv[1])
