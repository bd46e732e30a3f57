"""A study on a two-node Ray cluster on one machine: trials on both nodes, and a worker node lost mid-study.

The cluster is `ray.cluster_utils.Cluster`, whose processes the test stops itself (never `ray stop`,
which would kill every Ray process on the machine). The driver is `cmathlab study run --address`.
"""

import glob
import subprocess
import sys
import time

import pytest
import torch
from conftest import write_spec
from test_study import runs_of

from cmathlab.config import Config
from cmathlab.data.synthetic import make_synthetic
from cmathlab.train import fit


def test_a_cluster_runs_trials_on_both_nodes_and_survives_losing_a_worker(tmp_path):
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker = cluster.add_node(num_cpus=1)
    head_id, worker_id = cluster.head_node.node_id, worker.node_id
    spec = write_spec(
        tmp_path,
        'name = "c"\ndatasets = ["iemocap"]\nseeds = 3\nepochs = 6\nscale = 0.2\n'
        'max_failures = 2\ncheckpoint_every = 1\n[data]\niemocap = "synthetic:iemocap"\n[fixed]\ndim = 32\n'
        "[grid]\ngamma1 = [1.0, 2.0]\n",
    )
    study = tmp_path / "study"
    driver = subprocess.Popen(
        [sys.executable, "-m", "cmathlab", "study", "run", spec, "--out", str(study), "--address", cluster.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            time.sleep(0.3)
            if not (study / "study.json").exists():
                continue
            _, _, runs = runs_of(study)
            on_worker = [r for r in runs.values() if r.data.tags.get("cmathlab.node") == worker_id]
            # a checkpoint the driver has registered: Tune deletes the one before (num_to_keep = 1) only when it
            # registers the next, so a lone checkpoint_00000k with k >= 1 is one a restarted trial is given (a
            # folder on disk alone is not: the report that registers it may still be on its way)
            checkpointed = [
                r
                for r in on_worker
                if r.info.status == "RUNNING"
                and len(
                    found := glob.glob(str(study / "tune" / "c" / r.data.tags["cmathlab.trial_id"] / "checkpoint_*"))
                )
                == 1
                and not found[0].endswith("checkpoint_000000")
            ]
            if any(r.info.status == "FINISHED" for r in on_worker) and checkpointed:
                break
        else:
            pytest.fail("no trial finished and another ran past a checkpoint on the worker node")
        finished_before = {k: r.info.end_time for k, r in runs.items() if r.info.status == "FINISHED"}
        lost = {
            k for k, r in runs.items() if r.info.status == "RUNNING" and r.data.tags.get("cmathlab.node") == worker_id
        }
        cluster.remove_node(worker)  # the worker node dies with its running trial
        out, _ = driver.communicate(timeout=300)
        assert driver.returncode == 0, out.decode()[-2000:]
    finally:
        if driver.poll() is None:
            driver.kill()
        cluster.shutdown()
    client, parent, runs = runs_of(study)
    assert len(runs) == 6 and all(r.info.status == "FINISHED" for r in runs.values())
    for key, end in finished_before.items():  # nothing finished was lost or rerun
        assert runs[key].info.end_time == end and runs[key].data.tags["cmathlab.attempts"] == "1"
    for key in lost:  # rerun on the surviving node, in the same MLflow run, from the trial's last checkpoint
        assert int(runs[key].data.tags["cmathlab.attempts"]) >= 2
        assert runs[key].data.tags["cmathlab.node"] == head_id
    resumed = [key for key in lost if int(runs[key].data.tags.get("cmathlab.resumed_from_epoch", 0)) >= 1]
    assert resumed, "the lost trial started again from its first epoch"
    key = resumed[0]
    series = client.get_metric_history(runs[key].info.run_id, "valid_wf1")
    assert sorted(m.step for m in series) == list(range(1, 7))  # every epoch once: none lost, none twice
    # and it ends as a run never stopped would: the same config trained here, on one thread, in one go
    torch.set_num_threads(1)
    gamma1 = float(runs[key].data.params["cmath.gamma1"])
    whole = fit(
        Config.for_dataset("iemocap", dim=32, epochs=6, gamma1=gamma1, seed=int(runs[key].data.params["seed"])),
        make_synthetic("iemocap", scale=0.2),
    )
    assert runs[key].data.metrics["test/wf1"] == whole.test["wf1"]
    assert not glob.glob(str(study / "tune" / "c" / "*" / "checkpoint_*" / "*"))  # emptied once each trial was tracked
    nodes = {r.data.tags["cmathlab.node"] for r in runs.values()}
    assert nodes == {head_id, worker_id}
