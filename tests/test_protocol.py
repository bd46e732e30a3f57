"""The model protocol: a researcher's own model trains, studies, reports and reruns through the command line
like a built-in; a model that breaks the protocol is refused in one line before anything trains."""

import json
import os
import re
import subprocess
import sys

import pytest

from cmathlab.cli import main
from cmathlab.config import Config
from cmathlab.errors import BadInput
from cmathlab.model import registry

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
MODEL = "mymodels:DialogueTransformer"


def readme_example() -> str:
    """The README's worked example, as the reader copies it."""
    text = open(README).read()
    found = re.search(r"<!-- example: mymodels.py .*?-->\n```python\n(.*?)```", text, re.S)
    assert found, "the README lost its worked example"
    return found[1]


@pytest.fixture
def in_folder_with_model(tmp_path, monkeypatch):
    """A fresh folder holding the README's mymodels.py, as the working directory."""
    (tmp_path / "mymodels.py").write_text(readme_example())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._resolve.cache_clear()
    sys.modules.pop("mymodels", None)
    yield tmp_path
    registry._resolve.cache_clear()
    sys.modules.pop("mymodels", None)


TINY = ["--data", "synthetic:meld", "--scale", "0.02", "--dim", "16", "--epochs", "2"]


def test_the_readmes_own_model_trains_with_its_fields_and_its_variant(in_folder_with_model, capsys):
    out = in_folder_with_model / "run"
    assert (
        main(
            [
                "train",
                *TINY,
                "--model",
                MODEL,
                "--set",
                f"{MODEL}.layers=2",
                "--set",
                f"{MODEL}.heads=2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    config = json.load(open(out / "result.json"))["config"]
    assert config["model"] == MODEL and config[f"{MODEL}.layers"] == 2 and config[f"{MODEL}.heads"] == 2
    assert main(["train", *TINY, "--model", MODEL, "--variant", "w/o context", "--out", str(out / "alone")]) == 0
    # the variant drops the encoder: fewer weights than the full model
    full = Config.for_dataset("meld", model=MODEL, dim=16)
    alone = Config.for_dataset("meld", model=MODEL, dim=16, variant="w/o context")
    count = [
        sum(p.numel() for p in c.model_class(c, {"t": 4, "a": 3, "v": 2}, 3, 7).parameters()) for c in (full, alone)
    ]
    assert count[1] < count[0]


def test_its_fields_are_checked_against_their_metadata(in_folder_with_model, capsys):
    assert main(["train", *TINY, "--model", MODEL, "--set", f"{MODEL}.layers=40"]) == 2
    assert "mymodels:DialogueTransformer.layers: 40 is not an integer in [1, 12]" in capsys.readouterr().err
    assert main(["train", *TINY, "--model", MODEL, "--set", f"{MODEL}.layer=2"]) == 2
    assert "did you mean mymodels:DialogueTransformer.layers" in capsys.readouterr().err
    assert main(["train", *TINY, "--model", MODEL, "--variant", "w/o MR"]) == 2
    assert "one of full, w/o context" in capsys.readouterr().err
    # another model's fields in one spec's [fixed] are checked, and kept out of this model's config
    config = Config.for_dataset("meld", model="bigru", **{f"{MODEL}.layers": 3})
    assert config.options == () and not any(k.startswith("mymodels") for k in config.to_dict())
    with pytest.raises(BadInput, match="is not an integer in"):
        Config.for_dataset("meld", model="bigru", **{f"{MODEL}.layers": 0})


BROKEN = {
    "no_forward": (
        "import torch\nclass Net(torch.nn.Module):\n    def __init__(self, cfg, dims, s, c):\n"
        "        super().__init__()\n",
        "has no forward",
    ),
    "not_a_module": ("class Net:\n    pass\n", "not a torch.nn.Module class"),
    "bad_init": (
        "from cmathlab.model import Model\nclass Net(Model):\n    def __init__(self, cfg):\n"
        "        super().__init__()\n    def forward(self, batch, noise=None):\n        pass\n",
        "is not built as Name(cfg, dims, n_speakers, n_classes)",
    ),
    "bad_default": (
        "from cmathlab.model import Field, Model\nclass Net(Model):\n"
        "    fields = (Field('k', 0, 'why', low=1),)\n    def __init__(self, cfg, dims, s, c):\n"
        "        super().__init__()\n    def forward(self, batch, noise=None):\n        pass\n",
        "0 is not a positive integer",
    ),
    "bad_output": (
        "import torch\nfrom cmathlab.model import Model\nclass Net(Model):\n"
        "    def __init__(self, cfg, dims, s, c):\n        super().__init__()\n"
        "        self.w = torch.nn.Linear(1, 1)\n"
        "    def forward(self, batch, noise=None):\n        return batch.labels.float()\n",
        "forward must return cmathlab.model.Output with logits of shape",
    ),
    "missing": (None, "cannot import"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_model_that_breaks_the_protocol_is_refused_in_one_line_before_training(tmp_path, monkeypatch, capsys, name):
    source, message = BROKEN[name]
    module = f"broken_{name}"
    if source is not None:
        (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._resolve.cache_clear()
    assert main(["train", *TINY, "--model", f"{module}:Net", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "result.json").exists()


def test_an_installed_packages_entry_point_names_a_model(tmp_path, monkeypatch):
    (tmp_path / "mymodels.py").write_text(readme_example())
    dist = tmp_path / "mymodels-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mymodels\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[cmathlab.models]\nmine = {MODEL}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._resolve.cache_clear()
    sys.modules.pop("mymodels", None)
    try:
        assert "mine" in registry.names() and registry.resolve("mine").__name__ == "DialogueTransformer"
        assert Config.for_dataset("meld", model="mine", **{"mine.layers": 2}).opts.layers == 2
    finally:
        registry._resolve.cache_clear()
        sys.modules.pop("mymodels", None)


def test_a_study_mixing_cmath_and_an_own_model_runs_reports_and_reruns(in_folder_with_model, capsys):
    folder = in_folder_with_model
    (folder / "spec.toml").write_text(
        'name = "mine"\ndatasets = ["meld"]\nseeds = [0, 1]\nepochs = 2\nscale = 0.02\n'
        '[data]\nmeld = "synthetic:meld"\n[fixed]\ndim = 16\n'
        f'"{MODEL}.layers" = 2\n[grid]\nmodel = ["cmath", "{MODEL}"]\n'
    )
    # its own Ray, started in this folder, as a user's `cmathlab study run` would be
    proc = subprocess.run(
        [sys.executable, "-m", "cmathlab", "study", "run", "spec.toml", "--out", "study"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert main(["report", str(folder / "study"), "--format", "md,csv", "--include-flagged"]) == 0  # 2 epochs
    report = (folder / "study" / "report" / "report.md").read_text()
    assert "Dialogue Transformer (ours)" in report and "CMATH" in report
    from mlflow.tracking import MlflowClient

    state = json.load(open(folder / "study" / "study.json"))
    client = MlflowClient(state["tracking_uri"])
    runs = client.search_runs([state["experiment_id"]], filter_string="params.model = 'mymodels:DialogueTransformer'")
    assert len(runs) == 2 and all(r.data.params[f"{MODEL}.layers"] == "2" for r in runs)
    capsys.readouterr()
    assert main(["rerun", runs[0].info.run_id, "--study", str(folder / "study")]) == 0
    assert "reproduced exactly" in capsys.readouterr().out


@pytest.mark.parametrize("name", registry.BUILTIN)
def test_every_built_in_model_keeps_the_protocol_on_both_datasets(name, tiny_corpus):
    import numpy as np
    import torch

    from cmathlab.data.tensors import PaddedSplit
    from cmathlab.train import check_output

    cls = registry.resolve(name)
    assert cls.name == name and cls.title and (cls.__doc__ or "").strip()
    for dataset in ("iemocap", "meld"):
        config = Config.for_dataset(dataset, model=name, dim=16)
        assert {k.partition(".")[2] for k in config.to_dict() if k.startswith(f"{name}.")} == {
            f.name for f in cls.fields
        }
        for f in cls.fields:  # every field says why, and its default is one it accepts
            assert f.reason and f.check(f.default_for(dataset), f.name) == f.default_for(dataset)
    config = Config.for_dataset("iemocap", model=name, dim=16)
    torch.manual_seed(0)
    model = cls(config, tiny_corpus.dims, tiny_corpus.n_speakers, len(tiny_corpus.label_names))
    split = PaddedSplit.build(tiny_corpus, list(range(3)), config.modalities, torch.device("cpu"))
    # checked as the same class given out of tree (package.module:Class) would be
    check_output(model, f"{cls.__module__}:{cls.__name__}", split.batch(np.arange(3)), len(tiny_corpus.label_names))


def test_models_lists_every_model_with_its_fields_and_components(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in registry.BUILTIN:
        assert f"{name}: " in out
    assert "dialoguegcn.window_past" in out and "w/o CMA-T" in out


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"model": "mmgcn", "mmgcn.node_dim": 7}, "field mmgcn.node_dim: 7 is odd"),
        ({"model": "mmdfn", "mmdfn.hidden": 9}, "field mmdfn.hidden: 9 is odd"),
        ({"model": "dialoguegcn", "dialoguegcn.class_weight": "code"}, "field dialoguegcn.class_weight"),
    ],
)
def test_a_models_own_check_refuses_the_run_when_its_config_is_built(overrides, message):
    with pytest.raises(BadInput, match=message):
        Config.for_dataset("meld", **overrides)


def test_a_dry_run_refuses_a_model_field_that_cannot_work_before_any_trial(tmp_path, capsys):
    spec = tmp_path / "odd.toml"
    spec.write_text(
        'name = "odd"\ndatasets = ["meld"]\nseeds = 1\nepochs = 1\n[grid]\nmodel = ["mmgcn", "bigru"]\n'
        '[fixed]\n"mmgcn.node_dim" = 7\n'
    )
    assert main(["study", "run", str(spec), "--synthetic", "--dry-run", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "mmgcn.node_dim: 7 is odd" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_loss_term_weighted_by_a_field_that_is_not_a_number_is_refused(monkeypatch):
    from cmathlab.model.baselines import DialogueGRU as BiGRU
    from cmathlab.model.protocol import Term

    monkeypatch.setattr(BiGRU, "terms", {"ce_x": Term(weight="gamma3")})
    with pytest.raises(BadInput, match="loss term 'ce_x' is weighted or kept by 'gamma3'"):
        Config.for_dataset("meld", model="bigru")
    monkeypatch.setattr(BiGRU, "terms", {"ce_x": Term(switch="lr")})
    with pytest.raises(BadInput, match="not a true/false field of the model or the run"):
        Config.for_dataset("meld", model="bigru")


def test_a_study_of_an_own_model_alone_reports_it_by_its_title_and_names_no_other_model(in_folder_with_model):
    """The report names no model: the reference, its ablation table (from the model's `components`), the modality
    table's full row, the t-SNE and the header read the model's class; nothing says CMATH."""
    folder = in_folder_with_model
    (folder / "variants.toml").write_text('name = "variants"\n[grid]\nvariant = ["full", "w/o context"]\n')
    (folder / "subsets.toml").write_text('name = "subsets"\n[grid]\nmodalities = ["t", "tav"]\n')
    (folder / "spec.toml").write_text(
        'name = "alone"\ninclude = ["variants.toml", "subsets.toml"]\ndatasets = ["meld"]\nseeds = [0, 1]\n'
        'epochs = 2\nscale = 0.02\n[data]\nmeld = "synthetic:meld"\n'
        f'[fixed]\ndim = 16\nkeep_embeddings = true\nmodel = "{MODEL}"\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "cmathlab", "study", "run", "spec.toml", "--out", "study"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert main(["report", str(folder / "study"), "--format", "md,csv,tex", "--include-flagged"]) == 0
    report = folder / "study" / "report"
    md = (report / "report.md").read_text()
    assert "Ablation of Dialogue Transformer's components" in md and "Dialogue Transformer (ours) (full)" in md
    assert "Dialogue Transformer (ours) (text+audio+visual)" in md and "Modality subsets" in md
    texts = {p.name: p.read_text() for p in report.rglob("*") if p.suffix in (".md", ".csv", ".tex")}
    assert texts and not [name for name, text in texts.items() if re.search(r"CMATH|\bcmath\b", text)]


def test_a_model_asking_for_a_component_it_does_not_declare_is_refused():
    """Variants go through `cfg.keeps(NAME)` only: a name that is not one of the model's components is a typo that
    would otherwise train the full model under every variant."""
    cfg = Config.for_dataset("meld", model="dialoguegcn", variant="w/o speaker relations")
    assert cfg.keeps("temporal relations") and not cfg.keeps("speaker relations")
    with pytest.raises(BadInput, match="does not declare; its components: speaker-level encoder, sequential encoder"):
        cfg.keeps("speaker relation")
    import ast
    import inspect

    from cmathlab.model import cmath, dialoguegcn, dialoguernn, mmdfn, mmgcn

    for module in (cmath, dialoguegcn, dialoguernn, mmdfn, mmgcn):  # none compares the variant string itself
        names = {n.attr for n in ast.walk(ast.parse(inspect.getsource(module))) if isinstance(n, ast.Attribute)}
        assert "variant" not in names, module.__name__
