"""`precision = "bf16"`: the forward pass under bf16 autocast (a GPU speed option), which must train, not NaN."""

import math

import pytest
import torch

from cmathlab.config import BEFORE, Config
from cmathlab.errors import BadInput
from cmathlab.train import fit


def config(**kw) -> Config:
    return Config.for_dataset("iemocap", **{"dim": 16, "heads": 2, "epochs": 1, "patience": 0, **kw})


@pytest.mark.parametrize("model", ["cmath", "mmgcn"])  # mmgcn: its arccos edge weights once gave NaN in bf16
def test_bf16_trains_without_a_non_finite_loss(tiny_corpus, model):
    result = fit(config(model=model, precision="bf16"), tiny_corpus)
    assert result.health != "diverged" and all(math.isfinite(v) for r in result.history for k, v in r.items())


def test_bf16_trains_fused_and_evaluates_in_fp32(tiny_corpus):
    results = fit([config(seed=0, precision="bf16"), config(seed=1, precision="bf16", variant="w/o HD")], tiny_corpus)
    assert all(r.health != "diverged" for r in results)
    assert all(0 <= r.test["wf1"] <= 1 for r in results)


def test_precision_is_a_choice_and_old_records_ran_in_fp32():
    assert Config().precision == "fp32" and BEFORE["precision"] == "fp32"
    assert Config.for_dataset("meld", recipe="paper").precision == "fp32"
    with pytest.raises(BadInput, match="field precision: 'fp16' is not one of fp32 | bf16"):
        config(precision="fp16")


def test_the_edge_weight_of_a_cosine_rounded_past_one_is_finite():
    from cmathlab.model.mmgcn import angular

    weights = angular(torch.tensor([1.0001, 1.0, -1.0001], dtype=torch.bfloat16))
    assert weights.dtype == torch.float32 and torch.isfinite(weights).all()
