"""benchmarks/gpu_throughput.py's CPU smoke path: the script that measures trainings per GPU-hour runs end to end
(a real study per setting) and prints its table, so the GPU session that runs it for real does not debug it."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_gpu_throughput_script_runs_its_cpu_smoke_path(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "benchmarks", "gpu_throughput.py"),
            "--smoke",
            "--only",
            "fused",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| fused |")]
    assert len(rows) == 1 and "| fp32 | 6 |" in rows[0] and "| - |" in rows[0]  # 6 trainings, no GPU to sample
    assert "Projection (not a measurement)" in run.stdout
