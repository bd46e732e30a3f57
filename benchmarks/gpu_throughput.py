"""Issue 35: trainings per GPU-hour on a fixed slice of studies/paper.toml, under each throughput setting side by side.

The slice: the components ablation (Table 4, 6 variants) and the gamma grid (Figure 6, 6 x 6) on paper-scale
synthetic IEMOCAP, `--seeds` seeds, `--epochs` epochs each: 42 trainings a seed. Each setting is one
`cmathlab study run` of that slice (local Ray, MLflow sqlite, its own folder) with:

  one per GPU     resources.gpu = 1, fuse = "off"          the naive way
  k per GPU       resources.gpu = 1/k                      k trials share the GPU
  fused           fuse = "auto", resources.gpu = 1         compatible trials train as one vmapped model
  fused, k per GPU  both
each in fp32 and with `precision = "bf16"`. For each it prints wall seconds, trainings per hour, the ratio to the
naive setting, the GPU's mean utilisation (NVML, sampled every second; "-" without a GPU) and the mean test W-F1 of
its trainings (so a faster setting that learns worse shows it), and a projection of the whole studies/paper.toml
(620 trainings at 60 epochs at most; a projection from the slice's rate, not a measurement).

    .venv/bin/python benchmarks/gpu_throughput.py                    # on the GPU machine: every setting
    .venv/bin/python benchmarks/gpu_throughput.py --only fused,fused-k --precision bf16
    .venv/bin/python benchmarks/gpu_throughput.py --smoke            # CPU: a tiny corpus, 1 epoch, two settings
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

from rich.console import Console

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = """name = "{name}"
include = [{include}]
datasets = ["iemocap"]
seeds = {seeds}
epochs = {epochs}
scale = {scale}
fuse = "{fuse}"
checkpoint_every = 0
[resources]
cpu = {cpu}
gpu = {gpu}
[data]
iemocap = "{data}"
[fixed]
precision = "{precision}"
patience = 0
keep_embeddings = false
{dim}
"""
SETTINGS = {
    "one": ("one per GPU", 1, "off"),
    "k": ("{k} per GPU", None, "off"),
    "fused": ("fused", 1, "auto"),
    "fused-k": ("fused, {k} per GPU", None, "auto"),
}


class Utilisation:
    """The GPU's utilisation, sampled every second in a thread while a setting runs."""

    def __init__(self):
        self.samples: list[float] = []
        self.stop = threading.Event()

    def __enter__(self):
        try:
            import pynvml

            pynvml.nvmlInit()
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
        except Exception:  # noqa: BLE001 - no GPU: nothing to sample
            self.handles = []
        if self.handles:
            threading.Thread(target=self._sample, daemon=True).start()
        return self

    def _sample(self):
        import pynvml

        while not self.stop.wait(1.0):
            self.samples.append(statistics.mean(pynvml.nvmlDeviceGetUtilizationRates(h).gpu for h in self.handles))

    def __exit__(self, *exc):
        self.stop.set()

    def mean(self) -> str:
        return f"{statistics.mean(self.samples):.0f} %" if self.samples else "-"


def run_setting(work: str, key: str, precision: str, args) -> dict:
    from cmathlab.study.runner import run_study
    from cmathlab.study.spec import load_spec
    from cmathlab.study.status import export_runs

    label, gpu, fuse = SETTINGS[key]
    gpu = gpu if gpu is not None else round(1 / args.k, 4)
    if args.smoke:
        gpu = 0
    name = f"{key}-{precision}"
    path = os.path.join(work, f"{name}.toml")
    with open(path, "w") as handle:
        parts = ["ablations/components.toml"] + ([] if args.smoke else ["studies/gammas.toml"])
        handle.write(
            SPEC.format(
                name=name,
                include=", ".join(f'"{ROOT}/{p}"' for p in parts),
                seeds=args.seeds,
                epochs=args.epochs,
                scale=args.scale,
                fuse=fuse,
                cpu=args.cpu,
                gpu=gpu,
                data=args.data,
                precision=precision,
                dim=f"dim = {args.dim}" if args.dim else "",
            )
        )
    quiet = Console(file=open(os.devnull, "w"))
    started = time.perf_counter()
    with Utilisation() as busy:
        code = run_study(load_spec(path), os.path.join(work, name), console=quiet)
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"setting {name}: the study exited {code} (its folder: {os.path.join(work, name)})")
    runs = export_runs(os.path.join(work, name))
    return {
        "setting": label.format(k=args.k),
        "precision": precision,
        "trainings": len(runs),
        "seconds": seconds,
        "utilisation": busy.mean(),
        "wf1": 100 * float(runs["test/wf1"].mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--dim", type=int, default=0, help="d for every training (0: the paper's per dataset)")
    ap.add_argument("--k", type=int, default=4, help="trials sharing one GPU in the k-per-GPU settings")
    ap.add_argument("--cpu", type=float, default=1.0, help="CPUs per trial")
    ap.add_argument("--only", default=",".join(SETTINGS), help=f"settings, comma-separated: {', '.join(SETTINGS)}")
    ap.add_argument("--precision", default="fp32,bf16")
    ap.add_argument("--data", default="synthetic:iemocap")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="CPU, tiny, the components part alone: the script's own check (as the tests run it)",
    )
    ap.add_argument("--out", help="keep the studies here (default: a temporary folder)")
    args = ap.parse_args()
    if args.smoke:
        args.scale, args.epochs, args.dim, args.data = 0.06, 1, 16, "synthetic:iemocap/8"
        args.precision = "fp32"
        args.only = "one,fused" if args.only == ",".join(SETTINGS) else args.only
    work = args.out or tempfile.mkdtemp(prefix="cmathlab-gpu-")
    rows = [
        run_setting(work, key, precision, args)
        for key in args.only.split(",")
        for precision in args.precision.split(",")
    ]
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU (CPU only)"
    what = "components" if args.smoke else "components + 6 x 6 gamma grid"
    print(
        f"\nslice of studies/paper.toml: {what} on {args.data} scale {args.scale}, "
        f"{args.seeds} seed(s), {args.epochs} epoch(s), {args.cpu} CPU a trial; {device}; torch {torch.__version__}, "
        f"Python {sys.version.split()[0]}\n"
    )
    print(
        "| setting | precision | trainings | wall s | trainings / hour | vs one per GPU, fp32 | GPU busy | test W-F1 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    base = rows[0]["trainings"] * 3600 / rows[0]["seconds"]
    for r in rows:
        rate = r["trainings"] * 3600 / r["seconds"]
        print(
            f"| {r['setting']} | {r['precision']} | {r['trainings']} | {r['seconds']:.0f} | {rate:.0f} | "
            f"{rate / base:.2f}x | {r['utilisation']} | {r['wf1']:.2f} |"
        )
    best = max(rows, key=lambda r: r["trainings"] / r["seconds"])
    hours = 620 * (60 / args.epochs) / (best["trainings"] * 3600 / best["seconds"])
    print(
        f"\nfastest: {best['setting']}, {best['precision']}. Projection (not a measurement): studies/paper.toml's 620 "
        f"trainings at all of their 60 epochs would take at most {hours:.1f} h in that setting (early stopping "
        "ends most runs sooner; the slice's runs are all CMATH, the paper's baselines are cheaper)."
    )


if __name__ == "__main__":
    main()
