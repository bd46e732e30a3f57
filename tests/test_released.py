"""Each baseline as its authors' released code ran it: one switch, `MODEL.as_released = true`, that sets every
listed choice (the values below are read from the authors' code, file and line beside each), under whatever a
user sets explicitly; the paper reading stays the default."""

import sys

import pytest
import torch

from cmathlab.config import Config
from cmathlab.errors import BadInput
from cmathlab.model import registry
from cmathlab.model.dialoguegcn import DialogueGCN, RelationalGraphConv
from cmathlab.model.protocol import AS_RELEASED, Released

# what the released code runs, per dataset, where it departs from our paper reading (field -> iemocap, meld)
RELEASED = {
    "dialoguernn": {  # declare-lab/conv-emotion@6128ca2 DialogueRNN/
        "dialoguernn.emotion_attention_bias": (True, True),  # model.py:35-36,214: MatchingAttention 'general2'
        "modalities": ("t", "ta"),  # train_IEMOCAP.py:68-69 (t+a+v commented out); train_MELD.py:78 cat(text, audio)
        "standardize": (False, False),  # dataloader.py:22-24,85-86: the pickle's arrays as they are
    },
    "dialoguegcn": {  # declare-lab/conv-emotion@6128ca2 DialogueGCN/ (no MELD code released)
        "dialoguegcn.encoder": ("lstm", "lstm"),  # README.md:244 --base-model LSTM; model.py:830-831
        "dialoguegcn.encoder_layers": (2, 2),  # model.py:831 num_layers=2
        "dialoguegcn.edge_attention": ("code", "code"),  # model.py:540-568 MaskedEdgeAttention 'attn1'
        "dialoguegcn.normalise": ("none", "none"),  # model.py:693; torch_geometric rgcn_conv.py:39,87 aggr='add'
        "dialoguegcn.self_loop": ("code", "code"),  # model.py:653-656,705; rgcn_conv.py:89-97 root + bias
        "dialoguegcn.activation": ("none", "none"),  # model.py:806-808
        "dialoguegcn.nodal_attention": ("code", "code"),  # README.md:244 --nodal-attention; model.py:125-136
        "dialoguegcn.class_weight": ("code", "none"),  # README.md:244 --class-weight; train_IEMOCAP.py:302-311
        "dialoguegcn.root_init": ("pyg", "pyg"),  # torch_geometric 1.3.2 rgcn_conv.py:61-66
        "modalities": ("t", "tav"),  # train_IEMOCAP.py:142 text alone; MELD: not released, as read
        "standardize": (False, False),  # dataloader.py:21-23
    },
    "mmgcn": {  # hujingwen6666/MMGCN@85732d9
        "mmgcn.layers": (64, 64),  # model.py:1007 MM_GCN(..., nlayers=64) whatever --Deep_GCN_nlayers says
        "mmgcn.loss": ("code", "code"),  # train.py:441-461: IEMOCAP weighted NLL, MELD FocalLoss(gamma 2.5)
        "modalities": ("tav", "tav"),  # run.sh:1,3 --modals=avl
        "standardize": (False, False),  # dataloader.py:19-21
    },
    "mmdfn": {  # zerohd4869/MM-DFN@da97036
        "mmdfn.rnn": ("gru", "gru"),  # code/model.py:866,868 nn.GRU under 'LSTM'
        "mmdfn.loss": ("focal", "focal"),  # code/run_train_erc.py:320,504-506
        "mmdfn.focal_alpha": (True, False),  # run_train_ie.sh:51 --class_weight; run_train_me.sh passes none
        "modalities": ("tav", "tav"),  # script/run_train_*.sh --modals 'avl'
        "standardize": (False, False),  # code/dataloader.py:20-22
    },
}


@pytest.mark.parametrize("model", sorted(RELEASED))
def test_as_released_switches_every_listed_choice_and_the_paper_reading_stays_the_default(model):
    for i, dataset in enumerate(("iemocap", "meld")):
        default = Config.for_dataset(dataset, model=model).to_dict()
        released = Config.for_dataset(dataset, model=model, **{f"{model}.as_released": True}).to_dict()
        for key, values in RELEASED[model].items():
            assert released[key] == values[i], (dataset, key)
        changed = {k for k in default if default[k] != released[k]} - {f"{model}.as_released"}
        assert changed == {k for k, v in RELEASED[model].items() if default[k] != v[i]}, dataset
        assert changed, "the preset changes something on every dataset"


def test_a_value_given_explicitly_wins_over_the_preset():
    config = Config.for_dataset(
        "iemocap",
        model="dialoguegcn",
        modalities="tav",
        standardize=True,
        **{"dialoguegcn.as_released": True, "dialoguegcn.encoder": "gru"},
    )
    assert config.modalities == "tav" and config.standardize and config.opts.encoder == "gru"
    assert config.opts.edge_attention == "code"  # the rest of the preset still applies


def test_every_released_choice_names_the_authors_file_and_line():
    for model in RELEASED:
        cls = registry.resolve(model)
        assert cls.released_code and AS_RELEASED in cls.fields
        for r in cls.released:
            assert ".py:" in r.source or ".md:" in r.source or ".sh:" in r.source, (model, r.field)


def test_a_preset_that_names_an_unknown_field_or_a_bad_value_is_refused(monkeypatch):
    class Bad(DialogueGCN):
        released = (Released("wings", 2, "nowhere.py:1"),)

    with pytest.raises(BadInput, match="releases 'wings', neither its own field nor a run field"):
        monkeypatch.setattr(sys.modules[__name__], "Bad", Bad, raising=False)
        Config(dataset="meld", model=f"{__name__}:Bad")  # a run field's role says who may set it (config.py)

    class Settles(DialogueGCN):
        settings = {"meld": {"seed": 3}}

    with pytest.raises(BadInput, match=r"sets \['seed'\] for 'meld': `settings` holds only run fields"):
        monkeypatch.setattr(sys.modules[__name__], "Settles", Settles, raising=False)
        Config(dataset="meld", model=f"{__name__}:Settles")

    class Worse(DialogueGCN):
        released = (Released("encoder", "transformer", "nowhere.py:1"),)

    with pytest.raises(BadInput, match="encoder"):
        registry.check(Worse, "worse")


def test_pyg_init_draws_the_root_from_the_bases_bound():
    torch.manual_seed(0)
    wide = RelationalGraphConv(200, 100, 8, 30, root_bias=True)
    narrow = RelationalGraphConv(200, 100, 8, 30, root_bias=True, pyg_init=True)
    bound = (30 * 200) ** -0.5
    assert narrow.root.weight.abs().max() <= bound and narrow.root.bias.abs().max() <= bound
    assert wide.root.weight.abs().max() > 4 * bound  # PyTorch's Linear: 1 / sqrt(200), ~5.5x wider


def test_the_models_table_prints_both_columns_with_the_sources(capsys):
    from cmathlab.cli import main

    assert main(["models", "mmgcn"]) == 0
    out = capsys.readouterr().out
    assert "mmgcn.as_released = true" in out and "hujingwen6666/MMGCN@85732d9" in out
    assert "model.py:1007" in out and "4 / 4" in out and "64 / 64" in out


def test_a_model_run_as_released_sits_beside_the_reference_in_the_overall_table(monkeypatch):
    import pandas as pd

    from cmathlab.report import runs as runs_module
    from cmathlab.report.tables import Options, build_tables
    from cmathlab.study import state

    rows = []
    for run_id, seed, wf1, model, released in (
        ("a", 0, 0.50, "cmath", False),
        ("b", 1, 0.52, "cmath", False),
        ("c", 0, 0.40, "mmgcn", False),
        ("d", 1, 0.41, "mmgcn", False),
        ("e", 0, 0.45, "mmgcn", True),
        ("f", 1, 0.47, "mmgcn", True),
    ):
        over = {"mmgcn.as_released": True} if released else {}
        config = Config.for_dataset("meld", seed=seed, model=model, **over)
        rows.append(
            {
                "run_id": run_id,
                "status": "FINISHED",
                "artifact_uri": "file:///x",
                **{f"params.{k}": str(v) for k, v in config.to_dict().items()},
                "start_time": pd.Timestamp("2026-12-07", tz="UTC"),
                "end_time": None,
                "metrics.test/wf1": wf1,
                "metrics.test/acc": wf1,
                "tags.data_source": "m.pkl",
            }
        )
    monkeypatch.setattr(state, "read_state", lambda directory: {"tracking_uri": "sqlite:///x.db"})
    monkeypatch.setattr(runs_module, "_search", lambda st, directory: pd.DataFrame(rows))
    monkeypatch.setattr(runs_module.Runs, "predictions", lambda self, run: None)
    tables = build_tables(runs_module.load_runs(["study"]), Options(published=False))
    overall = next(t for t in tables if t.key == "overall-meld")
    assert [r.name for r in overall.rows] == ["MMGCN", "MMGCN (as released)", "CMATH"]


def test_a_run_as_released_trains_and_differs_from_the_paper_reading(tiny_corpus):
    from cmathlab.train import fit

    small = {"dialoguegcn.hidden": 8, "dialoguegcn.graph_hidden": 6, "dialoguegcn.num_bases": 3}
    results = {}
    for released in (False, True):
        config = Config.for_dataset(
            "iemocap", model="dialoguegcn", epochs=2, dim=8, seed=0, **small, **{"dialoguegcn.as_released": released}
        )
        results[released] = fit(config, tiny_corpus)
    assert results[True].config["modalities"] == "t" and results[True].config["standardize"] is False
    assert (
        results[True].test["wf1"] != results[False].test["wf1"]
        or results[True].history[-1]["loss_total"] != results[False].history[-1]["loss_total"]
    )


def test_a_run_recorded_before_the_switch_reads_back_as_the_paper_reading_it_ran():
    from cmathlab.study.rerun import recorded_config

    config = Config.for_dataset("iemocap", model="dialoguegcn", seed=3)
    params = {
        k: str(v) for k, v in config.to_dict().items() if k not in ("dialoguegcn.as_released", "dialoguegcn.root_init")
    }  # what an older run recorded
    assert recorded_config(params).to_dict() == config.to_dict()
