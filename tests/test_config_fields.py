"""The config's fields as data: their metadata drives validation, the recipes, old records' values and
`cmathlab config`, so each of those is checked against the metadata here, not against a second list."""

import dataclasses

import pytest

from cmathlab.cli import main
from cmathlab.config import BEFORE, FIELDS, MOVED, PAPER, RECIPE_SETTINGS, RECIPES, Config, field, paper_says
from cmathlab.datasets import DATASETS
from cmathlab.errors import BadInput
from cmathlab.fields import Field
from cmathlab.model.cmath import CMATH

# a run of the default model has the run's fields and CMATH's own, as `cmath.FIELD`
ALL = {**FIELDS, **{f"cmath.{f.name}": f for f in CMATH.fields}}


def _outside(f: Field):
    """A value just outside the field's range (the first bound it has)."""
    if f.low is not None:
        return f.low - 1 if isinstance(f.default, int) else f.low - 0.5
    if f.above is not None:
        return type(f.default)(f.above)
    if f.below is not None:
        return type(f.default)(f.below)
    return None


BOUNDED = [name for name, f in ALL.items() if _outside(f) is not None]


@pytest.mark.parametrize("name", BOUNDED)
def test_a_value_outside_a_fields_range_is_refused_naming_the_field_and_its_range(name):
    f = ALL[name]
    value = _outside(f)
    with pytest.raises(BadInput) as caught:
        Config.for_dataset("meld", **{name: value})
    assert str(caught.value) == f"field {name}: {value!r} is not {f.allowed()}"


def test_ranges_read_as_a_reader_would_write_them():
    assert FIELDS["dropout"].allowed() == "a number in [0, 1)"
    assert FIELDS["val_fraction"].allowed() == "a number in (0, 1)"
    assert FIELDS["lr"].allowed() == "a positive number"
    assert field("cmath.kernel_t").allowed() == "an odd positive integer" and field("kernel_t") is field(
        "cmath.kernel_t"
    )
    assert FIELDS["bucket"].allowed() == "a non-negative integer"
    assert Field("k", 2, "why", low=1, high=12).allowed() == "an integer in [1, 12]"
    with pytest.raises(BadInput, match="field cmath.kernel_a: 2 is not an odd positive integer"):
        Config.for_dataset("iemocap", kernel_a=2)  # a flat name from before issue 44 means CMATH's
    with pytest.raises(BadInput, match="field schedule: 'linear' is not one of constant | cosine"):
        Config.for_dataset("iemocap", schedule="linear")


def test_every_field_carries_a_reason_and_every_departure_says_where_it_was_measured():
    assert set(FIELDS) == {f.name for f in dataclasses.fields(Config)}
    for name, f in ALL.items():
        assert f.reason and f.name == name.removeprefix("cmath.")
        departs = any(f.paper_for(d) != f.default_for(d) for d in ("iemocap", "meld"))
        if (departs or f.ours) and name != "recipe":
            assert f.measured, f"{name} departs from the paper without saying where that was measured"
        if f.replaces:
            assert f.source, f"{name} replaces {f.replaces} but does not say where the paper has it"


def test_the_paper_recipe_is_every_fields_paper_value_over_section_5_3():
    for dataset in DATASETS:
        paper = Config.for_dataset(dataset, recipe="paper").to_dict()
        for name, f in ALL.items():
            if name in PAPER[dataset]:
                assert paper[name] == PAPER[dataset][name]  # Section 5.3's per-dataset settings
            elif name not in ("dataset", "options"):
                assert paper[name] == f.paper_for(dataset), name
    assert "recipe" not in RECIPES["paper"] and RECIPES["cmathlab"] == {}


def test_the_cmathlab_recipe_is_the_defaults_and_each_fields_per_dataset_values():
    assert RECIPE_SETTINGS == {"cmathlab": {"iemocap": {"lr": 3e-4, "batch_size": 4}}}
    assert {f.name: f.ours for f in CMATH.fields if f.ours} == {"detach_teacher": {"iemocap": False}}
    meld, iemocap = Config.for_dataset("meld").to_dict(), Config.for_dataset("iemocap").to_dict()
    for name, f in ALL.items():
        if name not in PAPER["meld"] and name not in ("dataset", "options"):
            assert meld[name] == f.default, name
        if name != "options":
            assert iemocap[name] == f.ours.get("iemocap", iemocap[name])
    assert iemocap["cmath.detach_teacher"] is False


def test_old_records_read_a_missing_field_as_the_paper_recipe_has_it():
    assert BEFORE == {name: f.paper for name, f in FIELDS.items() if f.since}
    assert BEFORE["ema_epochs"] == 0.0 and BEFORE["recipe"] == "paper"
    assert field("cmath.context").since and field("cmath.context").paper == "attention"  # read so (study/records.py)
    assert set(MOVED.values()) == set(ALL) - set(FIELDS)  # every field of CMATH's was once flat


def test_config_diff_paper_says_which_equation_a_departure_replaces(capsys):
    assert main(["config", "--diff", "paper", "context", "dropout"]) == 0
    out = capsys.readouterr().out
    assert "ours replaces" in out and "BENCHMARKS.md section 10" in out
    assert "not in the paper" in out  # dropout: the paper gives none
    assert paper_says("context") == "eq. 11; ours replaces eq. 11's self-attention over the dialogue"
    assert "positions" not in out  # only the fields asked for


def test_the_readmes_recipe_table_is_the_generated_one(capsys):
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "training.md").read_text()
    block = re.search(
        r"<!-- generated: cmathlab config --diff paper --markdown -->\n(.*?)\n<!-- end generated -->", readme, re.S
    )
    assert main(["config", "--diff", "paper", "--markdown"]) == 0
    assert block and block[1] == capsys.readouterr().out.rstrip("\n")


def test_the_lists_of_field_roles_are_derived_from_each_fields_metadata():
    """Which fields may differ inside a fused group, which are no part of a report's condition, which a spec sets by
    its structure, which a model's settings or released preset may set: one flag on each field, read everywhere."""
    from cmathlab import config, engine
    from cmathlab.report import paper
    from cmathlab.study import spec

    assert config.FUSABLE == {"seed", "variant"} and engine.FUSABLE is config.FUSABLE
    assert {f.name for f in CMATH.fields if f.fusable} == {"gamma1", "gamma2"}  # a model's own may be fusable too
    assert config.NOT_CONDITION == {"seed", "device", "keep_embeddings"} and paper.NOT_CONDITION is config.NOT_CONDITION
    assert config.RESERVED == {"dataset", "seed", "epochs", "device", "features"} and spec.RESERVED is config.RESERVED
    assert config.PRESET_FIELDS - config.MODEL_SETTINGS == {"standardize", "modalities"}
    assert "lr" in config.MODEL_SETTINGS and "seed" not in config.MODEL_SETTINGS
    assert "seed" not in paper.CONDITION and "gamma1" in paper.CONDITION
