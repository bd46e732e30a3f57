"""Session 6's GPU check of `context = "gru"` (the step-by-step BiGRU): its speed against nn.GRU and against the
self-attention it replaces, solo and in a fused group, on the device machine.

    PYTHONPATH=. python3 benchmarks/gpu_context.py
    .venv/bin/python benchmarks/gpu_context.py --cpu     # the kernel timing only, one thread on the CPU

Prints one line per measurement. Every time is a mean over repeats after a warm-up, with the device synchronised.
"""

from __future__ import annotations

import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def timed(step, repeats: int) -> float:
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    step()
    sync()
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    sync()
    return (time.perf_counter() - started) / repeats


def kernels(device: str) -> None:
    from cmathlab.model.cmath import ContextGRU

    for b, n, d in ((4, 30, 400), (16, 110, 500)):
        x = torch.randn(b, n, d, device=device, requires_grad=True)
        lengths = torch.tensor([n - 3 * i for i in range(b)]).clamp(min=1)
        padding = (torch.arange(n)[None, :] >= lengths[:, None]).to(device)
        ours = ContextGRU(d).to(device)
        reference = torch.nn.GRU(d, d // 2, batch_first=True, bidirectional=True).to(device)

        def step_ours():
            ours(x, padding).sum().backward()

        def step_reference():
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            pad_packed_sequence(reference(packed)[0], batch_first=True, total_length=n)[0].sum().backward()

        print(
            f"B={b} n={n} d={d} forward+backward: ContextGRU {1e3 * timed(step_ours, 20):.2f} ms, "
            f"nn.GRU {1e3 * timed(step_reference, 20):.2f} ms",
            flush=True,
        )


def epochs() -> None:
    from cmathlab.config import Config
    from cmathlab.data import make_synthetic
    from cmathlab.train import fit

    for name, scale in (("meld", 0.2), ("iemocap", 0.2)):
        corpus = make_synthetic(name, scale=scale, seed=0)
        for context in ("attention", "gru"):
            cfg = Config.for_dataset(name, context=context, epochs=3, patience=0, device="cuda")
            started = time.perf_counter()
            result = fit(cfg, corpus)
            print(
                f"synthetic {name} x{scale}, context={context}: {(time.perf_counter() - started) / 3:.1f} s/epoch "
                f"(3 epochs, solo, incl. evaluation), valid W-F1 {100 * result.valid['wf1']:.2f}",
                flush=True,
            )
        group = [Config.for_dataset(name, context="gru", epochs=3, patience=0, device="cuda", seed=s) for s in range(4)]
        started = time.perf_counter()
        fit(group, corpus)
        print(
            f"synthetic {name} x{scale}, context=gru, fused group of 4: "
            f"{(time.perf_counter() - started) / 3:.1f} s/epoch for all 4",
            flush=True,
        )


if __name__ == "__main__":
    import sys

    if "--cpu" in sys.argv:
        torch.set_num_threads(1)
        print(torch.__version__, "CPU, one thread", flush=True)
        kernels("cpu")
    else:
        print(torch.__version__, torch.cuda.get_device_name(0), flush=True)
        kernels("cuda")
        epochs()
