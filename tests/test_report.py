"""A report built end to end from a tiny study on a real Ray and MLflow, and its page in a real browser."""

import io
import json
import os
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import write_spec
from mlflow.tracking import MlflowClient

from cmathlab.cli import main

pytestmark = pytest.mark.usefixtures("ray_local")

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SETTINGS = 'datasets = ["iemocap"]\nseeds = 2\n'
PARTS = {  # a miniature of the paper's section; the full model is a grid point of two parts
    "components": '[grid]\nvariant = ["full", "w/o HD"]\n',
    "modalities": '[grid]\nmodalities = ["t"]\n',
    "gammas": "[grid]\ngamma2 = [1.0, 1.8]\n",
    "baselines": '[grid]\nmodel = ["mlp"]\n',
}


@pytest.fixture(scope="module")
def study(tmp_path_factory, ray_local):
    root = tmp_path_factory.mktemp("report")
    for name, grid in PARTS.items():
        write_spec(root, f'name = "{name}"\n' + SETTINGS + grid, f"{name}.toml")
    spec = write_spec(
        root,
        'name = "mini"\ninclude = ["components.toml", "modalities.toml", "gammas.toml", '
        '"baselines.toml"]\n' + SETTINGS + "epochs = 2\nscale = 0.1\n"
        '[data]\niemocap = "synthetic:iemocap"\n[fixed]\ndim = 16\nkeep_embeddings = true\n',
        "mini.toml",
    )
    assert main(["study", "run", spec, "--out", str(root / "study")]) == 0
    # two-epoch runs may predict one class: average them in, so every tracked run is in a cell
    assert main(["report", str(root / "study"), "--include-flagged"]) == 0
    return root / "study"


def finished_runs(directory):
    state = json.load(open(os.path.join(directory, "study.json")))
    client = MlflowClient(state["tracking_uri"])
    return client.search_runs(
        [state["experiment_id"]], filter_string=f"tags.`mlflow.parentRunId` = '{state['parent_run_id']}'"
    )


def test_the_report_holds_every_table_and_figure_the_study_can_fill(study):
    report = study / "report"
    assert sorted(os.listdir(report / "tables")) == [
        f"{t}-iemocap.csv" for t in ("components", "gammas", "lengths", "modalities", "overall")
    ]
    assert sorted(os.listdir(report / "figures")) == [
        f"{f}-iemocap.png" for f in ("confusion", "gammas", "lengths", "tsne")
    ]
    md = (report / "report.md").read_text()
    for title in ("Table 2", "Table 4", "Table 5", "Figure 5", "Figure 6", "Figure 7", "Figure 3"):
        assert title in md
    tex = (report / "tables.tex").read_text()
    assert tex.count(r"\begin{table}") == 5 and tex.count(r"\toprule") == 5
    # the report says which CMATH its reference is: the paper's model, and what this recipe changes of it
    assert "The reference's model: IEMOCAP: CMATH departs from its paper's model as written (`--recipe paper`)" in md
    assert "cmath.context attention → gru" in md
    # synthetic runs: the paper's copied numbers measure something else and stay out unless asked for
    assert "(published" not in md and "AdaIGN" not in tex


def test_table_numbers_are_the_tracked_runs_each_config_and_seed_once(study):
    runs = finished_runs(study)
    assert len(runs) == 2 * 6  # 6 grid points x 2 seeds, the full model twice
    table = pd.read_csv(study / "report" / "tables" / "components-iemocap.csv")
    measured = table[table.source == "measured"]
    for variant, name in (("full", "CMATH (full)"), ("w/o HD", "w/o HD")):
        values = sorted(
            {
                r.data.tags["seed"]: 100 * r.data.metrics["test/wf1"]
                for r in runs
                if r.data.tags["variant"] == variant
                and r.data.params["model"] == "cmath"
                and r.data.params["modalities"] == "tav"
                and r.data.params["cmath.gamma2"] == "1.8"
            }.items()
        )
        row = measured[(measured.row == name) & (measured.metric == "test/wf1")].iloc[0]
        assert row.n == 2 and row.seeds == "0 1"  # the full model's repeat in the gamma part counts once
        assert row["mean"] == pytest.approx(np.mean([v for _, v in values]))
        assert row["std"] == pytest.approx(np.std([v for _, v in values], ddof=1))
        ids = {
            r.info.run_id
            for r in runs
            if r.data.tags["variant"] == variant
            and r.data.params["model"] == "cmath"
            and r.data.params["modalities"] == "tav"
            and r.data.params["cmath.gamma2"] == "1.8"
        }
        assert set(row.run_ids.split()) <= ids and len(row.run_ids.split()) == 2  # each number names its runs
        assert f"seed 0 {row.run_ids.split()[0]}" in (study / "report" / "index.html").read_text()
    hd = measured[(measured.row == "w/o HD") & (measured.metric == "test/wf1")].iloc[0]
    assert hd.test in ("paired", "none") and "repeat a config and seed" in (study / "report" / "report.md").read_text()
    overall = pd.read_csv(study / "report" / "tables" / "overall-iemocap.csv")
    assert set(overall[overall.source == "measured"].row) == {"CMATH", "MLP (early fusion, no context)"}
    assert "test/f1/happy" in set(overall.metric)


def test_a_synthetic_corpus_puts_each_row_against_its_exact_bayes_limit(study):
    """Issue 31's measure: test accuracy as a fraction of the Bayes-optimal decision's, per run, in every table."""
    runs = [
        r
        for r in finished_runs(study)
        if r.data.params["model"] == "cmath"
        and r.data.params["variant"] == "full"
        and r.data.params["modalities"] == "tav"
        and r.data.params["cmath.gamma2"] == "1.8"
    ]
    fractions = {r.data.tags["seed"]: 100 * r.data.metrics["test/acc"] / r.data.metrics["bayes/test_acc"] for r in runs}
    assert len(fractions) == 2 and all(0 < f < 100 for f in fractions.values())
    for table in ("overall", "components", "modalities", "gammas"):
        frame = pd.read_csv(study / "report" / "tables" / f"{table}-iemocap.csv")
        row = frame[(frame.reference == True) & (frame.metric == "test/acc_of_bayes")].iloc[0]  # noqa: E712
        assert row.column == "ACC / Bayes" and row["mean"] == pytest.approx(np.mean(list(fractions.values())))
    md = (study / "report" / "report.md").read_text()
    limits = {r.data.params["modalities"]: 100 * r.data.metrics["bayes/test_acc"] for r in finished_runs(study)}
    assert len(limits) == 2 and limits["t"] < limits["tav"]  # text alone has a lower ceiling
    # the note under the modalities table names each subset's ceiling; the other tables' the one they use
    assert f"(its ACC: {limits['t']:.2f} on t, {limits['tav']:.2f} on tav)" in md
    assert md.count(f"(its ACC: {limits['tav']:.2f}).") == 3


def test_a_report_against_another_model_names_that_model_on_its_figures(study, tmp_path):
    out = tmp_path / "against-mlp"
    assert (
        main(
            ["report", str(study), "--reference", "model=mlp", "--format", "md", "--out", str(out), "--include-flagged"]
        )
        == 0
    )
    md = (out / "report.md").read_text()
    assert "t-SNE of MLP's test embeddings on IEMOCAP (Figure 3)" in md and "Confusion matrix of MLP on IEMOCAP" in md
    assert "CMATH's fused" not in md


def test_a_rebuilt_report_replaces_what_it_writes_keeps_everything_else_and_never_a_foreign_folder(
    study, tmp_path, capsys, monkeypatch
):
    report = study / "report"
    (report / "stale.txt").write_text("from an older report")
    html, tex = (report / "index.html").read_text(), (report / "tables.tex").read_text()
    (report / "report.md").write_text("old")
    capsys.readouterr()
    assert main(["report", str(study), "--format", "md", "--out", str(report), "--include-flagged"]) == 0
    assert (
        "kept from the earlier folder (not written by this report): index.html, stale.txt, tables, tables.tex"
        in capsys.readouterr().out
    )
    assert (report / "index.html").read_text() == html and (report / "tables.tex").read_text() == tex
    assert (report / "tables").is_dir() and (report / "report.md").read_text() != "old"
    assert (report / "stale.txt").read_text() == "from an older report"  # nothing of the user's is lost
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    from cmathlab.report import runs

    def never(*args, **kwargs):
        raise AssertionError("runs were read before --out was checked")

    monkeypatch.setattr(runs, "load_runs", never)  # the refusal comes before any work
    assert main(["report", str(study), "--out", str(foreign), "--include-flagged"]) == 2
    assert "not a cmathlab report" in capsys.readouterr().err
    assert main(["report", str(study), "--out", str(foreign / "thesis.tex")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    monkeypatch.undo()
    assert os.listdir(foreign) == ["thesis.tex"] and not [p for p in os.listdir(tmp_path) if p.startswith(".report")]
    assert main(["report", str(study), "--include-flagged"]) == 0  # the full report again, for the browser test


@pytest.mark.parametrize(
    "argv, message",
    [
        (["report", "{tmp}"], "is not a study directory"),
        (["report", "{tmp}/missing"], "is not a directory"),
        (["report", "{study}", "--format", "md,pdf"], "unknown format(s) pdf"),
        (["report", "{study}", "--alpha", "1.5"], "field --alpha"),
        (["report", "{study}", "--baseline", "adaign"], "field --baseline"),
        (["report", "{study}", "--reference", "lrr=0.1"], "did you mean 'lr'?"),
        (["report", "{study}", "--reference", "lr=0.5"], "no condition on iemocap has lr=0.5"),
        (["report", "{study}", "--reference", "heads=2"], "names a model's own field"),
        # Figure 6's axes are CMATH's own fields, and still a reference may be chosen by them
        (["report", "{study}", "--reference", "gamma2=0.5"], "no condition on iemocap has gamma2=0.5"),
    ],
)
def test_bad_report_input_is_one_line_and_status_2(study, tmp_path, capsys, argv, message):
    argv = [a.format(tmp=tmp_path, study=study) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def _browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CMATHLAB_REQUIRE_BROWSER"):
            pytest.fail(
                "Debian's chromium and chromium-driver are required here (apt-get install chromium chromium-driver)"
            )
        pytest.skip("no Debian chromium/chromium-driver on this machine")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _pixels(png: bytes) -> np.ndarray:
    import matplotlib.pyplot as plt

    return plt.imread(io.BytesIO(png), format="png")[..., :3]


def test_the_html_page_shows_every_table_and_figure_in_a_real_browser(study, tmp_path):
    report = study / "report"
    assert len(os.listdir(report / "figures")) == 4 and len(os.listdir(report / "tables")) == 5
    _check_page(report, tmp_path)


@pytest.mark.parametrize(
    "example",
    ["", "meld-encoders", "meld-text-components", "meld-text-baselines", "synthetic-baselines", "meld-text-released"],
)
def test_the_committed_example_reports_show_every_table_and_figure_in_a_real_browser(example, tmp_path):
    """reports/examples/: the demo's report, a non-paper study's (issue 11), Table 4 on real MELD text (issue 10) and
    the baselines as released with the published-protocol table (issue 43), as committed."""
    report = pathlib.Path(__file__).resolve().parents[1] / "reports" / "examples" / example
    _check_page(report, tmp_path)


def _check_page(report, tmp_path):
    from selenium.webdriver.common.by import By

    copy = tmp_path / "index.html"  # the page must stand alone: no figure files beside it
    shutil.copy(report / "index.html", copy)
    browser = _browser()
    try:
        browser.get(copy.as_uri())
        images = browser.find_elements(By.CSS_SELECTOR, "figure img")
        assert len(images) == len(os.listdir(report / "figures"))
        for image in images:
            browser.execute_script("arguments[0].scrollIntoView()", image)
            assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 100
            assert image.size["width"] > 200 and image.size["height"] > 150
            shot = _pixels(image.screenshot_as_png)
            name = image.find_element(By.XPATH, "..").get_attribute("id")
            source = _pixels(open(report / "figures" / f"{name}.png", "rb").read())
            assert shot.std() > 0.05, f"{name} is blank on screen"
            # what the browser painted is the figure: the same mean colour, per channel
            assert np.abs(shot.mean((0, 1)) - source.mean((0, 1))).max() < 0.03, name
        tables = browser.find_elements(By.CSS_SELECTOR, "section.table")
        assert len(tables) == len(os.listdir(report / "tables"))
        for section in tables:
            browser.execute_script("arguments[0].scrollIntoView()", section)
            table = section.find_element(By.TAG_NAME, "table")
            rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
            assert table.is_displayed() and table.size["height"] >= 15 * (len(rows) + 1)
            shot = _pixels(table.screenshot_as_png)
            dark = (shot.mean(-1) < 0.5).mean()  # text on a light background
            assert 0.01 < dark < 0.5, f"{section.get_attribute('id')} shows no text"
        browser.save_screenshot(str(tmp_path / "page.png"))
        assert _pixels(open(tmp_path / "page.png", "rb").read()).std() > 0.05
    finally:
        browser.quit()
