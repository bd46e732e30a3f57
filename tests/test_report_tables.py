"""The table rules on fixed numbers: bold, underline, dagger, Holm, published rows, and every format."""

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from cmathlab.errors import BadInput
from cmathlab.report import render
from cmathlab.report.paper import published as _published
from cmathlab.report.runs import normalise
from cmathlab.report.tables import Options, Row, Table
from cmathlab.stats import compare

SEEDS = (0, 1, 2)


def row(name, acc, wf1, reference=False):
    return Row(name, {"test/acc": dict(zip(SEEDS, acc)), "test/wf1": dict(zip(SEEDS, wf1))}, reference)


def ablation(**options) -> Table:
    """The ablation on fixed numbers, uncorrected unless `holm=True` is given (the report corrects by default)."""
    options = {"holm": False, **options}
    rows = [
        row("w/o MR", [60.0, 62.0, 61.0], [59.0, 61.5, 60.0]),  # far below the full model
        row("w/o LLD", [72.5, 74.0, 73.9], [72.0, 73.9, 73.7]),  # close to it: not significant
        row("w/o HD", [71.5, 73.1, 72.4], [71.0, 72.2, 71.3]),  # second-worst on ACC, a small drop
        row("CMATH (full)", [73.5, 74.2, 74.0], [73.4, 74.0, 73.8], reference=True),
    ]
    return Table(
        "components-iemocap",
        "Ablation",
        "iemocap",
        ["test/acc", "test/wf1"],
        ["ACC", "W-F1"],
        rows,
        published=[("CMATH (full) (published)", {"test/acc": 99.0, "test/wf1": 99.0})],
    ).mark(Options(**options))


def test_best_is_bold_second_is_underlined_among_measured_rows_only():
    t = ablation()
    # the published 99.0 would be best; it is not ranked
    assert t.cells["CMATH (full)", "test/acc"].bold and not t.cells["CMATH (full)", "test/acc"].underline
    assert t.cells["w/o LLD", "test/acc"].underline
    assert sum(c.bold for (r, col), c in t.cells.items() if col == "test/acc") == 1
    assert sum(c.underline for (r, col), c in t.cells.items() if col == "test/acc") == 1
    assert t.cells["CMATH (full)", "test/acc"].mean == pytest.approx((73.5 + 74.2 + 74.0) / 3)
    assert t.cells["CMATH (full)", "test/acc"].std == pytest.approx(pd.Series([73.5, 74.2, 74.0]).std())


def test_dagger_marks_rows_that_differ_significantly_from_the_reference():
    t = ablation()
    for name in ("w/o MR", "w/o LLD", "w/o HD"):
        cell = t.cells[name, "test/acc"]
        expected = compare(
            t.rows[[r.name for r in t.rows].index(name)].values["test/acc"], t.reference.values["test/acc"]
        )
        assert cell.stat("test") == "paired"
        assert cell.stat("p") == pytest.approx(expected.p)
        assert cell.dagger == (expected.p < 0.05)
    assert t.cells["w/o MR", "test/acc"].dagger and not t.cells["w/o LLD", "test/acc"].dagger
    assert not any(t.cells["CMATH (full)", c].dagger for c in t.columns)  # the reference is never marked


def test_a_dagger_is_the_paired_t_test_on_the_raw_numbers_not_welchs():
    # one seed's luck moves both rows alike: the pairs differ by about one point every time, which the paired test
    # sees (p < 0.05) and a test that ignores the pairing does not (Welch, p > 0.3)
    reference = [70.0, 72.0, 74.0, 71.0]
    worse = [68.9, 70.8, 73.1, 70.0]
    seeds = (0, 1, 2, 3)
    rows = [
        Row("w/o MR", {"test/acc": dict(zip(seeds, worse))}),
        Row("CMATH (full)", {"test/acc": dict(zip(seeds, reference))}, reference=True),
    ]
    table = Table("components-iemocap", "Ablation", "iemocap", ["test/acc"], ["ACC"], rows).mark(Options())
    paired = scipy.stats.ttest_rel(worse, reference)
    assert paired.pvalue < 0.05 < scipy.stats.ttest_ind(worse, reference, equal_var=False).pvalue
    cell = table.cells["w/o MR", "test/acc"]
    assert cell.stat("p") == pytest.approx(paired.pvalue, rel=1e-9)
    assert cell.stat("diff") == pytest.approx(np.mean(worse) - np.mean(reference))
    ci = paired.confidence_interval(0.95)
    assert (cell.stat("ci95_low"), cell.stat("ci95_high")) == pytest.approx((ci.low, ci.high))
    assert cell.dagger and "paired t-test" in table.rule and "Welch" not in table.rule


def test_holm_and_alpha_change_which_rows_get_a_dagger():
    plain, corrected = ablation(), ablation(holm=True)
    p = plain.cells["w/o HD", "test/acc"].stat("p")
    assert 0.05 / 3 < p < 0.05, "the fixed numbers put w/o HD between the Holm and the plain threshold"
    assert plain.cells["w/o HD", "test/acc"].dagger and not corrected.cells["w/o HD", "test/acc"].dagger
    assert corrected.cells["w/o MR", "test/acc"].dagger
    assert not ablation(alpha=1e-6).cells["w/o MR", "test/acc"].dagger
    assert "Holm" in corrected.rule and "Holm" not in plain.rule


def test_the_rule_under_the_table_names_test_alpha_and_sidedness():
    t = ablation(alpha=0.01, alternative="greater")
    assert "α = 0.01" in t.rule and "one-sided" in t.rule and "paired t-test" in t.rule
    assert "CMATH (full)" in t.rule and "Published rows" in t.rule


def test_csv_holds_every_statistic_and_the_published_rows_without_tests():
    frame = ablation().frame()
    mr = frame[(frame.row == "w/o MR") & (frame.metric == "test/acc")].iloc[0]
    assert mr.test == "paired" and mr.dagger and mr.n == 3 and mr.seeds == "0 1 2"
    assert mr.ci95_low < mr["diff"] < mr.ci95_high < 0 and mr.cohens_d < 0
    published = frame[frame.source == "published"]
    assert len(published) == 2 and published["mean"].tolist() == [99.0, 99.0]
    assert published["p"].isna().all() and published["dagger"].isna().all()


def test_markdown_latex_and_html_show_the_same_marks():
    t = ablation()
    md, tex, html = render.markdown(t), render.latex(t), render.html_table(t)
    assert "**73.90**" in md and "<u>73.47</u>" in md and "61.00†" in md and "*CMATH (full) (published)*" in md
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"\textbf{73.90}" in tex and r"\underline{73.47}" in tex and r"61.00$^\dagger$" in tex
    assert r"\textit{CMATH (full) (published)}" in tex
    # the published block is set off by its own rule, after the last measured row
    assert tex.index("CMATH (full) &") < tex.rindex(r"\midrule") < tex.index(r"\textit{CMATH (full) (published)}")
    assert "<b>73.90</b>" in html and "<u>73.47</u>" in html and "61.00<sup>†</sup>" in html
    assert "<i>CMATH (full) (published)</i>" in html


def test_latex_escapes_names_and_greek():
    assert render.tex_text("γ1 = 1.0 & 50% w/o_x") == r"$\gamma_1$ = 1.0 \& 50\% w/o\_x"


def test_published_numbers_are_the_papers():
    pub = _published()
    assert pub["overall"]["iemocap"]["CMATH"]["wf1"] == 73.96 and pub["overall"]["meld"]["AdaIGN"]["acc"] == 67.62
    assert pub["components"]["iemocap"]["w/o CMA-T"] == {"acc": 68.15, "wf1": 68.48}
    assert pub["modalities"]["meld"]["av"] == {"acc": 47.43, "wf1": 42.04}
    assert "acc" not in pub["overall"]["iemocap"]["SCMM"]  # "-" in the paper stays absent


def test_search_runs_frame_is_normalised_to_typed_config_and_utc_times():
    from cmathlab.config import Config

    params = {f"params.{k}": str(v) for k, v in Config.for_dataset("meld", dim=64, seed=3).to_dict().items()}
    raw = pd.DataFrame(
        [
            {
                "run_id": "a",
                "status": "FINISHED",
                "artifact_uri": "file:///x",
                **params,
                "start_time": pd.Timestamp("2026-11-24 05:00", tz="UTC"),
                "end_time": None,
                "metrics.test/acc": "0.5",
                "tags.data_source": "synthetic:meld",
            },
            {
                "run_id": "b",
                "status": "FINISHED",
                "artifact_uri": "file:///y",
                **params,
                "start_time": "2026-11-24T04:00:00",
                "end_time": 1764000000000,
                "metrics.test/acc": 0.25,
                "tags.data_source": None,
            },
        ]
    )
    out = normalise(raw)
    assert out["dim"].tolist() == [64, 64] and out["dim"].dtype.kind == "i"
    assert out["dropout"].dtype.kind == "f" and out["official_valid"].dtype.kind == "b"
    assert not out["official_valid"].any() and out["modalities"][0] == "tav"
    assert out["seed"].tolist() == [3, 3] and out["dataset"][0] == "meld"
    assert out["test/acc"].tolist() == [0.5, 0.25]
    assert str(out["start_time"].dtype).startswith("datetime64") and out.sort_values("start_time").run_id.tolist() == [
        "b",
        "a",
    ]
    assert out["data_source"].tolist() == ["synthetic:meld", ""]
    assert not math.isnan(out["start_time"][1].timestamp())


def test_flagged_runs_are_listed_and_left_out_of_the_means_unless_asked(monkeypatch):
    from cmathlab.config import Config
    from cmathlab.report import runs as runs_module
    from cmathlab.study import state

    def raw_run(run_id, seed, health):
        params = {f"params.{k}": str(v) for k, v in Config.for_dataset("meld", seed=seed).to_dict().items()}
        return {
            "run_id": run_id,
            "status": "FINISHED",
            "artifact_uri": "file:///x",
            **params,
            "start_time": pd.Timestamp("2026-11-24", tz="UTC"),
            "end_time": None,
            "metrics.test/wf1": 0.5,
            "tags.data_source": "m.pkl",
            "tags.cmathlab.health": health,
            "tags.cmathlab.health_note": "100.0 % of validation and test predictions are neutral"
            if health != "ok"
            else "",
        }

    raw = pd.DataFrame([raw_run("a", 0, "ok"), raw_run("b", 1, "collapsed"), raw_run("c", 2, "ok")])
    monkeypatch.setattr(state, "read_state", lambda directory: {"tracking_uri": "sqlite:///x.db"})
    monkeypatch.setattr(runs_module, "_search", lambda state, directory: raw)
    runs = runs_module.load_runs(["study"])
    assert runs.frame["run_id"].tolist() == ["a", "c"]
    assert any("left out: collapsed run b" in note and "seed 1" in note and "neutral" in note for note in runs.notes)
    both = runs_module.load_runs(["study"], include_flagged=True)
    assert both.frame["run_id"].tolist() == ["a", "b", "c"]
    assert any(note.startswith("included: collapsed run b") for note in both.notes)


def test_a_text_only_study_has_its_text_only_full_model_as_the_reference(monkeypatch):
    from cmathlab.config import Config
    from cmathlab.report import runs as runs_module
    from cmathlab.study import state

    def raw_run(run_id, variant):
        config = Config.for_dataset("meld", modalities="t", variant=variant)
        return {
            "run_id": run_id,
            "status": "FINISHED",
            "artifact_uri": "file:///x",
            **{f"params.{k}": str(v) for k, v in config.to_dict().items()},
            "start_time": pd.Timestamp("2026-11-24", tz="UTC"),
            "end_time": None,
            "metrics.test/wf1": 0.5,
        }

    raw = pd.DataFrame([raw_run("a", "full"), raw_run("b", "w/o HD")])
    monkeypatch.setattr(state, "read_state", lambda directory: {"tracking_uri": "sqlite:///x.db"})
    monkeypatch.setattr(runs_module, "_search", lambda state, directory: raw)
    runs = runs_module.load_runs(["study"])
    reference = runs.reference("meld")
    assert reference is not None and dict(zip(runs_module.CONDITION, reference))["modalities"] == "t"
    assert len(runs.around("meld", "components")) == 2


def _raw(runs_spec):
    """A search_runs frame of finished MELD runs: (run_id, seed, test W-F1, overrides) each."""
    from cmathlab.config import Config

    rows = []
    for run_id, seed, wf1, over in runs_spec:
        config = Config.for_dataset("meld", seed=seed, **{"modalities": "t", **over})
        rows.append(
            {
                "run_id": run_id,
                "status": "FINISHED",
                "artifact_uri": "file:///x",
                **{f"params.{k}": str(v) for k, v in config.to_dict().items()},
                "start_time": pd.Timestamp("2026-11-24", tz="UTC"),
                "end_time": None,
                "metrics.test/wf1": wf1,
                "metrics.test/acc": wf1 + 0.02,
                "tags.data_source": "m.pkl",
            }
        )
    return pd.DataFrame(rows)


def _load(monkeypatch, raw):
    from cmathlab.report import runs as runs_module
    from cmathlab.study import state

    monkeypatch.setattr(state, "read_state", lambda directory: {"tracking_uri": "sqlite:///x.db"})
    monkeypatch.setattr(runs_module, "_search", lambda st, directory: raw)
    return runs_module.load_runs(["study"])


def test_a_study_varying_a_plain_field_gets_its_table_against_the_reference_given(monkeypatch):
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [
            ("a", 0, 0.50, {"lr": 1e-3}),
            ("b", 1, 0.52, {"lr": 1e-3}),
            ("c", 2, 0.51, {"lr": 1e-3}),
            ("d", 0, 0.60, {"lr": 3e-3}),
            ("e", 1, 0.61, {"lr": 3e-3}),
            ("f", 2, 0.615, {"lr": 3e-3}),
        ]
    )
    runs = _load(monkeypatch, raw)
    (table,) = build_tables(runs, Options(reference={"lr": 3e-3}, published=False))
    assert table.key == "vary-lr-meld" and [r.name for r in table.rows] == ["reference: lr = 0.003", "lr = 0.001"]
    cell = table.cells["lr = 0.001", "test/wf1"]
    assert cell.n == 3 and cell.mean == pytest.approx(51.0) and cell.dagger  # paired on seeds 0-2
    assert cell.stat("seeds_paired") == 3
    # by default the reference is CMATH's full model; both conditions are, with as many runs: the first
    (default,) = build_tables(_load(monkeypatch, raw), Options(published=False))
    assert [r.name for r in default.rows] == ["reference: lr = 0.001", "lr = 0.003"]
    with pytest.raises(BadInput, match="no condition on meld has lr=0.5"):
        build_tables(_load(monkeypatch, raw), Options(reference={"lr": 0.5}))
    # a spec's [report] reference is the default; --reference still wins
    from cmathlab.report import runs as runs_module
    from cmathlab.study import state

    monkeypatch.setattr(
        state,
        "read_state",
        lambda directory: {"tracking_uri": "sqlite:///x.db", "spec": {"report": {"reference": {"lr": 3e-3}}}},
    )
    (declared,) = build_tables(runs_module.load_runs(["study"]), Options(published=False))
    assert declared.reference.name == "reference: lr = 0.003"
    (chosen,) = build_tables(runs_module.load_runs(["study"]), Options(published=False, reference={"lr": 1e-3}))
    assert chosen.reference.name == "reference: lr = 0.001"


def test_a_table_of_the_paper_is_one_tablespec(monkeypatch):
    from cmathlab.report import paper
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [
            ("a", 0, 0.50, {"lr": 1e-3}),
            ("b", 1, 0.52, {"lr": 1e-3}),
            ("c", 0, 0.60, {"lr": 3e-3}),
            ("d", 1, 0.61, {"lr": 3e-3}),
        ]
    )
    (plain,) = build_tables(_load(monkeypatch, raw), Options(published=False))
    assert plain.key == "vary-lr-meld"  # no table of the paper varies lr: a table of its own
    rates = paper.TableSpec(
        "rates",
        ("lr",),
        "Learning rates on {ds}",
        lambda c, ref: f"lr {paper.value(c, 'lr')}",
        lambda c, ref: paper.value(c, "lr"),
    )
    monkeypatch.setattr(paper, "PAPER_TABLES", (*paper.PAPER_TABLES, rates))  # the one place a table is added
    (table,) = build_tables(_load(monkeypatch, raw), Options(published=False))
    assert table.key == "rates-meld" and table.title == "Learning rates on MELD"
    assert [r.name for r in table.rows] == ["lr 0.001", "lr 0.003"] and table.rows[0].reference


def test_a_baselines_only_study_reports_against_the_condition_with_most_runs(monkeypatch):
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [
            ("a", 0, 0.55, {"model": "bigru"}),
            ("b", 1, 0.56, {"model": "bigru"}),
            ("c", 2, 0.57, {"model": "bigru"}),
            ("d", 0, 0.50, {"model": "mlp"}),
            ("e", 1, 0.49, {"model": "mlp"}),
        ]
    )
    tables = build_tables(_load(monkeypatch, raw), Options(published=False))
    overall = next(t for t in tables if t.key == "overall-meld")
    assert overall.reference.name.startswith("BiGRU") and len(overall.rows) == 2


def test_every_condition_lands_in_some_table_even_two_axes_at_once(monkeypatch):
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [
            ("a", 0, 0.55, {}),
            ("b", 1, 0.56, {}),
            ("c", 0, 0.50, {"model": "bigru", "dim": 64}),
            ("d", 1, 0.51, {"model": "bigru", "dim": 64}),
            ("e", 0, 0.5, {"dropout": 0.1, "lr": 1e-3}),
            ("f", 1, 0.5, {"dropout": 0.1, "lr": 1e-3}),
        ]
    )
    runs = _load(monkeypatch, raw)
    tables = build_tables(runs, Options(published=False))
    shown = {row.condition for t in tables for row in t.rows}
    assert shown == set(runs.conditions("meld"))
    assert [(t.key, [r.name for r in t.rows]) for t in tables] == [
        ("vary-dim-model-meld", ["reference: dim = 400, model = cmath", "dim = 64, model = bigru"]),
        ("vary-lr-dropout-meld", ["reference: lr = 0.0002, dropout = 0.5", "lr = 0.001, dropout = 0.1"]),
    ]


def test_two_studies_join_equal_conditions_but_refuse_one_cell_claimed_on_two_data_files(monkeypatch):
    from cmathlab.report import runs as runs_module
    from cmathlab.study import state

    first = _raw([("a", 0, 0.50, {}), ("b", 1, 0.52, {})]).assign(**{"tags.data_sha256": "aaa"})
    second = _raw([("c", 2, 0.51, {}), ("d", 0, 0.60, {"lr": 1e-3})]).assign(**{"tags.data_sha256": "aaa"})
    monkeypatch.setattr(state, "read_state", lambda directory: {"tracking_uri": "sqlite:///x.db"})
    monkeypatch.setattr(runs_module, "_search", lambda st, directory: first if directory == "A" else second)
    runs = runs_module.load_runs(["A", "B"])
    ref = runs.reference("meld")
    assert runs.seeds_of(ref)["seed"].tolist() == [0, 1, 2]  # one condition, its seeds from both studies
    other = _raw([("e", 0, 0.40, {})]).assign(**{"tags.data_sha256": "bbb", "tags.data_source": "other.pkl"})
    monkeypatch.setattr(runs_module, "_search", lambda st, directory: first if directory == "A" else other)
    with pytest.raises(BadInput, match="share a config and seed but not their data"):
        runs_module.load_runs(["A", "B"])  # seed 0 of the default condition: in both, on other data


@pytest.mark.parametrize(
    "modalities, source, mode, shown",
    [
        ("tav", "MELD_features_raw1.pkl", "auto", True),  # the paper's corpus, all three modalities
        ("t", "m.pkl", "auto", False),  # a text-only study on other features
        ("tav", "synthetic:meld", "auto", False),
        ("tav", "synthetic:meld", "always", True),
        ("tav", "MELD_features_raw1.pkl", "never", False),
    ],
)
def test_published_rows_stand_only_beside_runs_on_the_papers_corpora_marked_with_their_protocol(
    monkeypatch, modalities, source, mode, shown
):
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [
            (f"r{s}{m}", s, 0.5 + 0.01 * s + (0.05 if m == "cmath" else 0), {"model": m, "modalities": modalities})
            for s in range(3)
            for m in ("cmath", "bigru")
        ]
    )
    raw["tags.data_source"] = source
    overall = next(t for t in build_tables(_load(monkeypatch, raw), Options(published=mode)) if t.key == "overall-meld")
    labels = [label for label, _ in overall.published]
    assert bool(labels) == shown
    if shown:
        assert "DialogueGCN (published; epoch chosen on test in its released code)" in labels
        assert "AdaIGN (published; protocol unknown)" in labels
        assert any(label.startswith("CTNet (published; protocol unknown; no public code") for label in labels)
        assert "copied from the CMATH paper" in overall.rule


def test_a_baseline_trained_with_its_authors_settings_is_a_row_of_the_overall_table(monkeypatch):
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [
            (f"r{s}{m}", s, 0.5 + 0.01 * s + (0.05 if m == "cmath" else 0), {"model": m})
            for s in range(3)
            for m in ("cmath", "dialoguegcn", "mmgcn")
        ]
    )
    overall = next(t for t in build_tables(_load(monkeypatch, raw), Options()) if t.key == "overall-meld")
    assert {r.name for r in overall.rows} == {"CMATH", "DialogueGCN (early fusion)", "MMGCN"}


def test_the_published_protocol_table_takes_each_runs_best_test_epoch_and_no_other_table_reads_it(monkeypatch):
    from cmathlab.report import runs as runs_module
    from cmathlab.report.tables import Options, build_tables

    raw = _raw(
        [("a", 0, 0.50, {"model": "bigru"}), ("b", 1, 0.52, {"model": "bigru"}), ("c", 0, 0.60, {}), ("d", 1, 0.61, {})]
    )
    histories = {"a": [0.41, 0.55, 0.50], "b": [0.53, 0.52, 0.52], "c": [0.58, 0.60, 0.66], "d": [0.61, 0.61, 0.60]}
    read = []

    def history(self, run, key):
        read.append((run["run_id"], key))
        return list(enumerate(histories[run["run_id"]], start=1))

    monkeypatch.setattr(runs_module.Runs, "history", history)
    plain = build_tables(_load(monkeypatch, raw), Options(published=False))
    assert read == [] and not any(t.key.startswith("protocol-") for t in plain)
    tables = build_tables(_load(monkeypatch, raw), Options(published=False, published_protocol=True))
    (gap,) = [t for t in tables if t.key == "protocol-meld"]
    bigru = next(r for r in gap.rows if r.condition[0] == "bigru" or "BiGRU" in r.name)
    assert bigru.values["protocol/test_selected_wf1"] == pytest.approx({0: 55.0, 1: 53.0})  # each run's maximum
    assert bigru.values["protocol/test_selected_epoch"] == {0: 2.0, 1: 1.0}  # at the epoch the history records
    assert bigru.values["protocol/gap"] == pytest.approx({0: 5.0, 1: 1.0})
    assert bigru.values["protocol/best_seed_test_selected"] == pytest.approx({0: 55.0})
    assert not any(c.dagger or c.bold for c in gap.cells.values())  # it ranks and tests nothing
    assert "nothing is chosen by it" in gap.rule
    # the main tables are the same numbers with or without it
    for before, after in zip(plain, [t for t in tables if not t.key.startswith("protocol-")]):
        assert before.frame().drop(columns=["run_ids"]).equals(after.frame().drop(columns=["run_ids"]))
