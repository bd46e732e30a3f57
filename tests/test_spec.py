"""Specs are data, validated when read: a bad one is one line naming the file and the field."""

import dataclasses
import glob
import os
import re

import pytest
from conftest import write_spec

from cmathlab.cli import main
from cmathlab.errors import BadInput
from cmathlab.study.spec import PART, RESOURCES, Part, Spec, load_spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID = 'name = "g"\ndatasets = ["iemocap"]\nseeds = 2\n[grid]\n'


def test_the_papers_section_is_620_trials():
    spec = load_spec(os.path.join(ROOT, "studies", "paper.toml"))
    assert {p.name: p.n_trials() for p in spec.parts} == {
        "components": 60,
        "modalities": 70,
        "dims": 60,
        "gammas": 360,
        "baselines": 70,
    }
    assert spec.n_trials() == 620  # Table 2/3's full CMATH is also the components' reference: counted once
    gammas = next(p for p in spec.parts if p.name == "gammas")
    assert gammas.grid["gamma1"] == [1.0, 1.2, 1.4, 1.6, 1.8, 2.0] == gammas.grid["gamma2"]


@pytest.mark.parametrize(
    "path",
    sorted(glob.glob(os.path.join(ROOT, "studies", "*.toml")) + glob.glob(os.path.join(ROOT, "ablations", "*.toml"))),
)
def test_every_shipped_spec_is_valid_and_round_trips(path):
    spec = load_spec(path)
    assert spec.n_trials() > 0
    assert Spec.from_dict(spec.to_dict()) == spec


def test_quick_cuts_seeds_epochs_and_scale_but_keeps_the_axes():
    spec = load_spec(os.path.join(ROOT, "studies", "paper.toml"), quick=True)
    assert spec.n_trials() == 124 and spec.scale == 0.1
    assert all(p.seeds == (0,) and p.epochs == 2 for p in spec.parts)


def test_the_demo_is_72_trials_on_a_reduced_iemocap():
    spec = load_spec(os.path.join(ROOT, "studies", "demo.toml"))
    assert {p.name: p.n_trials() for p in spec.parts} == {
        "components": 18,
        "modalities": 21,
        "gammas": 27,
        "baselines": 6,
    }
    assert spec.data["iemocap"] == "synthetic:iemocap/8" and spec.scale == 0.4
    assert all(p.fixed["keep_embeddings"] and p.fixed["dim"] == 96 for p in spec.parts)


def test_command_line_data_overrides_the_spec(tmp_path):
    spec = load_spec(os.path.join(ROOT, "studies", "dims.toml"), data={"iemocap": "/data/IEMOCAP_features.pkl"})
    assert spec.data == {"iemocap": "/data/IEMOCAP_features.pkl"}  # meld: no data given, so none (issue 13)


def test_relative_data_paths_are_relative_to_the_spec(tmp_path):
    path = write_spec(tmp_path, GRID.replace("[grid]", '[data]\niemocap = "feats/i.pkl"\n[grid]') + "dim = [100]\n")
    assert load_spec(path).data["iemocap"] == str(tmp_path / "feats" / "i.pkl")


@pytest.mark.parametrize(
    "body, field",
    [
        ('variant = ["full", "w/o XYZ"]', "grid.variant"),
        ("dim = [102]", "grid.cmath.heads"),  # 102 is not divisible by CMATH's 4 heads
        ('modalities = ["tq"]', "grid.modalities"),
        ("gamma1 = []", "grid.gamma1"),
        ("gamma1 = [1.0, 1.0]", "grid.gamma1"),
        ("seed = [1, 2]", "grid.seed"),
        ("colour = [1]", "grid.colour"),
    ],
)
def test_a_bad_grid_names_its_field(tmp_path, body, field):
    path = write_spec(tmp_path, GRID + body + "\n")
    with pytest.raises(BadInput, match=f"field {field}"):
        load_spec(path)


@pytest.mark.parametrize(
    "text, field",
    [
        ('datasets = ["iemocap"]\nseeds = 0\n[grid]\ndim = [100]', "seeds"),
        ('datasets = ["CMU MOSEI"]\n[grid]\ndim = [100]', "datasets"),
        ('datasets = ["iemocap"]\nmetric = "test_wf1"\n[grid]\ndim = [100]', "metric"),
        ('datasets = ["iemocap"]\n[resources]\ntpu = 1\n[grid]\ndim = [100]', "resources.tpu"),
        ('datasets = ["iemocap"]\nlearning_rate = 1\n[grid]\ndim = [100]', "learning_rate"),
        ('datasets = ["iemocap"]\n[grid]\ndim = [100]\n[asha]\ngrace_period = 2', "asha"),
        ('datasets = ["iemocap"]\n[search]\nsamples = 3\n[search.space]\nlr = { normal = [0, 1] }', "search.space.lr"),
        ('datasets = ["iemocap"]\n[search]\n[search.space]\nlr = { uniform = [1, 0.1] }', "search.space.lr"),
        (
            'datasets = ["iemocap"]\n[search]\n[search.space]\ndropout = { uniform = [0.0, 1.5] }',
            "search.space.dropout",
        ),
        ('datasets = ["iemocap"]\n[fixed]\nepochs = 3\n[grid]\ndim = [100]', "fixed.epochs"),
    ],
)
def test_a_bad_spec_names_its_field(tmp_path, text, field):
    with pytest.raises(BadInput, match=f"field {field}"):
        load_spec(write_spec(tmp_path, text))


@pytest.mark.parametrize(
    "line, field, words",
    [
        ("epochs = 0", "epochs", "a positive integer"),
        ('metric = "test_wf1"', "metric", "valid_wf1 | valid_acc"),
        ("max_failures = true", "max_failures", "a non-negative integer"),
        ('fuse = "on"', "fuse", "auto | off"),
        ("fuse_max = 0", "fuse_max", "a positive integer"),
        ("checkpoint_every = 1.5", "checkpoint_every", "a non-negative integer"),
        ("scale = 0", "scale", "a number in (0, 1]"),
        ("max_concurrent = 0", "max_concurrent", "a positive integer"),
        ("data_seed = 0.5", "data_seed", "an integer"),
        ("[resources]\ncpu = -1", "resources.cpu", "a non-negative number"),
        ("[report]\nsesoi = 100", "report.sesoi", "a number in (0, 100)"),
        ('[report]\nprimary = "f1"', "report.primary", "is not one of"),
        ("[report]\ncolour = 1", "report.colour", "allowed: primary, sesoi, reference"),
    ],
)
def test_every_key_of_a_spec_is_checked_by_its_field(tmp_path, line, field, words):
    text = 'datasets = ["iemocap"]\n' + line + "\n[grid]\ndim = [100]\n"  # a key, or a table before [grid]
    with pytest.raises(BadInput, match=f"field {field}: .*{re.escape(words)}"):
        load_spec(write_spec(tmp_path, text))


@pytest.mark.parametrize(
    "table, field, words",
    [
        ("[search]\nsamples = 0\n[search.space]\ndropout = { uniform = [0.1, 0.5] }", "search.samples", "positive"),
        ("[search]\nrounds = 2\n[search.space]\ndropout = { uniform = [0.1, 0.5] }", "search.rounds", "allowed"),
        (
            "[search.space]\ndropout = { uniform = [0.1, 0.5] }\n[asha]\nreduction_factor = 1",
            "asha.reduction_factor",
            "an integer in [2, inf)",
        ),
    ],
)
def test_a_searchs_keys_are_checked_by_their_fields(tmp_path, table, field, words):
    with pytest.raises(BadInput, match=f"field {field}: .*{re.escape(words)}"):
        load_spec(write_spec(tmp_path, 'datasets = ["iemocap"]\n' + table + "\n"))


def test_a_parts_defaults_are_its_fields(tmp_path):
    (part,) = load_spec(write_spec(tmp_path, GRID + "dim = [100]\n")).parts
    for name, f in PART.items():
        assert getattr(part, name) == f.default, name
    assert part.resources == {k: f.default for k, f in RESOURCES.items()}
    assert (
        Part(
            name="p", datasets=("iemocap",), seeds=(0,), epochs=None, metric="valid_wf1", max_failures=1, fixed={}
        ).fuse_max
        == PART["fuse_max"].default
    )


def test_a_spec_needs_a_grid_or_a_search(tmp_path):
    with pytest.raises(BadInput, match="exactly one of"):
        load_spec(write_spec(tmp_path, 'datasets = ["iemocap"]\n'))


def test_an_include_cycle_is_refused(tmp_path):
    write_spec(tmp_path, 'include = ["b.toml"]\n', "a.toml")
    path = write_spec(tmp_path, 'include = ["a.toml"]\n', "b.toml")
    with pytest.raises(BadInput, match="includes itself"):
        load_spec(path)


def test_a_composite_sets_its_parts(tmp_path):
    write_spec(tmp_path, GRID + "dim = [100, 200]\n", "part.toml")
    path = write_spec(
        tmp_path,
        'include = ["part.toml"]\ndatasets = ["iemocap", "meld"]\nseeds = [7]\n[fixed]\ndropout = 0.3\n',
        "all.toml",
    )
    (part,) = load_spec(path).parts
    assert part.datasets == ("iemocap", "meld") and part.seeds == (7,) and part.fixed == {"dropout": 0.3}
    assert part.config("meld", 7, {"dim": 200}).dropout == 0.3


@pytest.mark.parametrize(
    "argv, words",
    [
        (["study", "run", "nowhere.toml"], "no such spec file"),
        (["study", "run", "studies/dims.toml", "--data", "iemocap"], "is not NAME=PATH"),
        (["study", "run", "studies/dims.toml", "--data", "mosi=x.pkl"], "dataset 'mosi' is in no part's datasets"),
        (["study", "run", "studies/dims.toml", "--epochs", "0"], "not a positive integer"),
        (
            ["study", "run", "studies/dims.toml", "--synthetic", "--tracking-uri", "http://127.0.0.1:9"],
            "no MLflow server answers",
        ),
        (["study", "resume", "tests"], "is not a study directory"),
        (["study", "status", "tests"], "is not a study directory"),
        # issue 13: no silent synthetic data; a spec where a directory is wanted; --set checked like a spec
        (["study", "run", "studies/dims.toml"], "no data for iemocap, meld: give it under [data]"),
        (["study", "status", "studies/dims.toml"], "is a file, not a study directory; it looks like a spec"),
        (["study", "export", "studies/dims.toml"], "is a file, not a study directory"),
        (["study", "status", "tests/nowhere"], "no such study directory"),
        (["study", "run", "studies/dims.toml", "--synthetic", "--set", "dimm=64"], "did you mean 'dim'?"),
        (["study", "run", "studies/dims.toml", "--synthetic", "--set", "dim=64"], "dim is an axis of part 'dims'"),
        (["study", "run", "studies/dims.toml", "--synthetic", "--set", "seed=3"], "set by the spec's datasets/seeds"),
        (
            ["study", "run", "studies/dims.toml", "--synthetic", "--set", "heads=7"],
            "field --set cmath.heads: 7 is not a divisor",
        ),
        (["study", "run", "studies/dims.toml", "--synthetic", "--set", "dropout"], "'dropout' is not FIELD=VALUE"),
    ],
)
def test_bad_study_input_is_one_line_and_status_2(argv, words, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_spec_with_bad_toml_is_one_line(tmp_path, capsys):
    path = write_spec(tmp_path, "name = \n")
    assert main(["study", "run", path]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_a_grid_axis_wins_over_the_same_key_in_a_composites_fixed(tmp_path):
    from cmathlab.study.trial import TrialRun
    from cmathlab.study.units import units

    write_spec(tmp_path, 'name = "dims"\n[grid]\ndim = [16, 32]\n', "dims.toml")
    spec = load_spec(
        write_spec(
            tmp_path,
            'name = "all"\ninclude = ["dims.toml"]\ndatasets = ["meld"]\nseeds = 1\n[fixed]\ndim = 64\nheads = 2\n',
        )
    )
    part = spec.parts[0]
    assert [part.config("meld", 0, {"dim": d}).dim for d in (16, 32)] == [16, 32]
    # the driver's tracker and the trial build the config the same way the spec check did
    (unit,) = units(spec)
    params = {**unit.param_space, "dataset": "meld", "seed": 0, "dim": 16}  # one point of Tune's grid
    (run,) = TrialRun.each(params)
    assert run.config().dim == 16 and run.config().opts.heads == 2  # `heads`: CMATH's, flat


def test_fused_groups_share_shapes_and_respect_the_cap(tmp_path):
    from cmathlab.study.units import fused_groups

    spec = load_spec(
        write_spec(
            tmp_path,
            'name = "f"\ndatasets = ["iemocap", "meld"]\nseeds = 2\nfuse = "auto"\n'
            'fuse_max = 3\n[grid]\nvariant = ["full", "w/o HD", "w/o MR"]\n',
        )
    )
    groups = fused_groups(spec.parts[0])
    # per dataset: full + w/o HD share the full model (4 trials -> 3 + 1), w/o MR is its own shape (2)
    sizes = sorted((g["dataset"], len(g["members"])) for g in groups)
    assert sizes == [("iemocap", 1), ("iemocap", 2), ("iemocap", 3), ("meld", 1), ("meld", 2), ("meld", 3)]
    assert sum(len(g["members"]) for g in groups) == spec.n_trials() == 12
    baselines = load_spec(
        write_spec(
            tmp_path,
            'name = "b"\ndatasets = ["iemocap"]\nseeds = 2\nfuse = "auto"\n[grid]\nmodel = ["mlp", "bigru"]\n',
            "b.toml",
        )
    )
    assert all(len(g["members"]) == 1 for g in fused_groups(baselines.parts[0]))  # baselines never fuse


def test_a_fused_trials_runs_are_its_members_named_as_if_trained_alone(tmp_path):
    from cmathlab.study.trial import TrialRun
    from cmathlab.study.units import fused_groups

    text = 'name = "f"\ndatasets = ["iemocap"]\nseeds = 2\n[grid]\nvariant = ["full", "w/o HD"]\n'
    part = load_spec(write_spec(tmp_path, text)).parts[0]
    common = {"part": "f", "unit": "f", "metric": "valid_wf1", "search": False, "axes": ["variant"], "fixed": {}}
    (group,) = fused_groups(dataclasses.replace(part, fuse="auto"))
    runs = TrialRun.each({**common, "group": group})
    alone = [
        TrialRun.each({**common, "dataset": "iemocap", "seed": seed, "variant": variant})[0]
        for seed in (0, 1)
        for variant in ("full", "w/o HD")
    ]
    assert sorted(r.key("t1") for r in runs) == sorted(r.key("t2") for r in alone)  # a grid point, not Tune's id
    assert {r.fused for r in runs} == {4} and {r.fused for r in alone} == {0}
    assert [r.config() for r in sorted(runs, key=lambda r: r.key(""))] == [
        r.config() for r in sorted(alone, key=lambda r: r.key(""))
    ]
    # a pending record round-trips, and one a driver kept in the flat form before TrialRun reads the same
    assert all(TrialRun.from_record(r.to_record()) == r for r in runs)
    flat = {**common, "group": group, "dataset": "iemocap", **group["members"][1]}
    assert TrialRun.from_record(flat) == runs[1]


@pytest.mark.parametrize(
    "text, field",
    [
        ('fuse = "yes"\n[grid]\ndim = [16]\n', "fuse"),
        ("fuse_max = 0\n[grid]\ndim = [16]\n", "fuse_max"),
        ('fuse = "auto"\n[search.space]\nlr = { loguniform = [1e-4, 1e-2] }\n', "fuse"),
    ],
)
def test_bad_fuse_settings_name_the_field(tmp_path, text, field):
    with pytest.raises(BadInput, match=f"field {field}"):
        load_spec(write_spec(tmp_path, 'name = "x"\n' + text))


def test_several_feature_files_of_a_dataset_become_the_features_axis(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path,
            'name = "enc"\ndatasets = ["meld"]\nseeds = 2\n'
            '[data]\nmeld = { minilm = "m1.pkl", mpnet = "m2.pkl" }\n[grid]\ndim = [64, 128]\n',
        )
    )
    (part,) = spec.parts
    assert part.grid == {"features": ["minilm", "mpnet"], "dim": [64, 128]} and part.n_trials() == 8
    assert spec.data["meld"] == {"minilm": str(tmp_path / "m1.pkl"), "mpnet": str(tmp_path / "m2.pkl")}
    assert part.config("meld", 0, {"features": "mpnet", "dim": 64}).features == "mpnet"
    from cmathlab.study.spec import data_files

    assert data_files(spec) == {"meld/minilm": str(tmp_path / "m1.pkl"), "meld/mpnet": str(tmp_path / "m2.pkl")}


@pytest.mark.parametrize(
    "text, words",
    [
        (
            'datasets = ["meld", "iemocap"]\n[data]\nmeld = { a = "1.pkl", b = "2.pkl" }\niemocap = "i.pkl"\n[grid]\ndim = [8]',  # noqa: E501
            "different feature files",
        ),
        (
            'datasets = ["meld"]\n[data]\nmeld = { a = "1.pkl" }\n[search]\n[search.space]\nlr = { loguniform = [1e-4, 1e-2] }',  # noqa: E501
            "several feature files are compared in a grid",
        ),
        ('datasets = ["meld"]\n[data]\nmeld = { "a b" = "1.pkl" }\n[grid]\ndim = [8]', "not a plain name"),
        ('datasets = ["meld"]\n[fixed]\nfeatures = "a"\n[grid]\ndim = [8]', "features is set by"),
    ],
)
def test_bad_feature_file_tables_are_one_line(tmp_path, text, words):
    with pytest.raises(BadInput, match=words):
        load_spec(write_spec(tmp_path, 'name = "x"\n' + text))


def test_a_spec_may_declare_the_reporting_reference(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path,
            'name = "r"\ndatasets = ["meld"]\n[report]\nreference = { model = "bigru" }\n'
            '[grid]\nmodel = ["bigru", "mlp"]\n',
        )
    )
    assert spec.report == {"reference": {"model": "bigru"}} and Spec.from_dict(spec.to_dict()).report == spec.report
    with pytest.raises(BadInput, match="did you mean 'model'"):
        load_spec(
            write_spec(
                tmp_path,
                'name = "r"\ndatasets = ["meld"]\n[report]\nreference = { modle = "bigru" }\n'
                '[grid]\nmodel = ["bigru"]\n',
            )
        )


def test_resume_refuses_a_study_whose_defaults_changed_and_touches_nothing(tmp_path, capsys):
    """A study started under other defaults (here: dropout 0.3, as before session 11) would mix two recipes."""
    import json

    from cmathlab.study.runner import defaults_change
    from cmathlab.study.spec import taken_defaults

    spec = load_spec(write_spec(tmp_path, GRID + "gamma1 = [1.0, 2.0]\n"), synthetic=True)
    then = taken_defaults(spec)
    assert list(then) == ["g/iemocap"] and len(then["g/iemocap"]) == 1  # a gamma axis changes no other default
    assert not {"gamma1", "cmath.gamma1", "seed"} & set(then["g/iemocap"][0])
    then["g/iemocap"][0]["dropout"] = 0.3
    study = tmp_path / "study"
    study.mkdir()
    state = {"spec": spec.to_dict(), "git_commit": "6aed0fe0123456789", "defaults": then}
    written = json.dumps(state)
    (study / "study.json").write_text(written)
    assert main(["study", "resume", str(study)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "g/iemocap: dropout 0.3 -> 0.5" in err and "6aed0fe01234" in err
    assert (study / "study.json").read_text() == written and os.listdir(study) == ["study.json"]
    # a field the study predates reads as what the old code did (BEFORE), not as a change
    now = taken_defaults(spec)
    assert defaults_change(json.loads(json.dumps(now)), now) is None  # study.json's round trip changes nothing
    without = lambda field: {"g/iemocap": [{k: v for k, v in now["g/iemocap"][0].items() if k != field}]}  # noqa: E731
    assert defaults_change(without("recipe"), now) == "g/iemocap: recipe paper -> cmathlab"
    assert defaults_change(without("cmath.heads"), now) is None
    # a study started before issue 44 recorded CMATH's fields flat: read as CMATH's, compared as such
    flat = lambda value: {"g/iemocap": [{**without("cmath.heads")["g/iemocap"][0], "heads": value}]}  # noqa: E731
    assert defaults_change(flat(4), now) is None
    assert defaults_change(flat(2), now) == "g/iemocap: cmath.heads 2 -> 4"
    assert defaults_change(None, now) is None  # a study.json from before the record: nothing to compare
    # a default an axis varies is not taken from the defaults: changing it mixes nothing
    swept = load_spec(write_spec(tmp_path, GRID + "dropout = [0.1, 0.3]\n", "swept.toml"), synthetic=True)
    assert "dropout" not in taken_defaults(swept)["g/iemocap"][0]
    # an axis that picks the recipe: each recipe's defaults are recorded, so a change to either is seen
    recipes = load_spec(write_spec(tmp_path, GRID + 'recipe = ["paper", "cmathlab"]\n', "recipes.toml"), synthetic=True)
    taken = taken_defaults(recipes)["g/iemocap"]
    assert [c["dropout"] for c in taken] == [0.1, 0.5]
    taken[1]["dropout"] = 0.3
    assert defaults_change({"g/iemocap": taken}, taken_defaults(recipes)) == "g/iemocap: dropout 0.3 -> 0.5"
    searched = load_spec(
        write_spec(
            tmp_path,
            'name = "s"\ndatasets = ["iemocap"]\nseeds = 1\n[search]\nsamples = 2\n'
            '[search.space]\nrecipe = { choice = ["paper", "cmathlab"] }\n'
            "lr = { loguniform = [1e-4, 1e-2] }\n",
            "search.toml",
        ),
        synthetic=True,
    )
    assert [c["dropout"] for c in taken_defaults(searched)["s/iemocap"]] == [0.1, 0.5]


def test_a_grid_over_one_models_own_field_beside_other_models_is_refused(tmp_path, capsys):
    spec = tmp_path / "dup.toml"
    spec.write_text('datasets = ["meld"]\nseeds = 1\n[grid]\nmodel = ["bigru", "mmgcn"]\n"mmgcn.layers" = [4, 64]\n')
    assert main(["study", "run", str(spec), "--synthetic", "--dry-run", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "grid.mmgcn.layers: varies mmgcn's own field beside other models: each trial of bigru" in err
    spec.write_text('datasets = ["meld"]\nseeds = 1\n[grid]\nmodel = ["mmgcn"]\n"mmgcn.layers" = [4, 64]\n')
    assert main(["study", "run", str(spec), "--synthetic", "--dry-run", "--out", str(tmp_path / "out")]) == 0


def test_a_search_space_takes_a_models_own_field_as_a_dotted_key(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'datasets = ["meld"]\nseeds = 1\n[fixed]\nmodel = "mmgcn"\n[search]\nsamples = 2\n'
        "[search.space]\nlr = { loguniform = [1e-4, 1e-3] }\nmmgcn.layers = { choice = [4, 8] }\n"
    )
    part = load_spec(str(spec), data={"meld": "synthetic:meld"}).parts[0]
    assert set(part.space) == {"lr", "mmgcn.layers"}


def test_a_model_field_set_for_a_model_nothing_trains_is_refused_not_dropped(tmp_path, capsys):
    out = str(tmp_path / "out")
    assert (
        main(
            ["study", "run", "studies/floors.toml", "--synthetic", "--dry-run", "--out", out, "--set", "mmgcn.layers=4"]
        )
        == 2
    )
    assert "--set mmgcn.layers: sets a field of mmgcn, which no part trains (bigru, mlp)" in capsys.readouterr().err
    assert main(["train", "--data", "synthetic:meld", "--model", "bigru", "--set", "mmgcn.layers=4", "--out", out]) == 2
    assert "--set mmgcn.layers: sets a field of mmgcn, but this run trains bigru" in capsys.readouterr().err


def test_status_writes_a_fixed_block_that_toml_reads_back_as_the_same_fields():
    import tomllib

    from cmathlab.study.spec import flat
    from cmathlab.study.status import _key, _toml

    fixed = {"lr": 0.001, "mmgcn.layers": 4, "mymodels:Net.layers": 2, "recipe": "paper"}
    block = "\n".join(f"{_key(k)} = {_toml(v)}" for k, v in fixed.items())
    assert flat(tomllib.loads(block)) == fixed
