"""Issue 10's targets with ema_epochs 2 (s13-adopt.README; paper-scale seeds 3, 4 from s14-paper.README): CMATH (ema 2) beside the BiGRU at ema 0 and at ema 2,
paired by seed, from the result files named below (session 11's runs/ files and the committed probe results)."""

import json
import os
from statistics import mean

from scipy.stats import ttest_rel

HERE = os.path.dirname(__file__)
RUNS = os.path.join(HERE, "..", "..", "..", "runs")  # benchmarks/archive/recipe_probes -> the repository root


def read(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def protocol(r):
    data, scale = r["data"], r["scale"]
    if data.startswith("synthetic:"):
        return f"{data} x{scale}"
    return "real MELD dev" if r.get("official_valid") or "official" in r.get("part", "") else "real MELD fifth"


def norm(r, ema):
    f1 = r.get("f1") or {}
    return {
        "protocol": protocol(r),
        "model": r.get("model", "cmath"),
        "ema": r.get("ema_epochs", ema),
        "seed": r["seed"],
        "valid": 100 * r["valid_wf1"],
        "test": 100 * r["test_wf1"],
        "acc": r["test_acc"],
        "bayes": r.get("bayes_acc"),
        "fear": f1.get("fear", r.get("fear_f1")),
        "disgust": f1.get("disgust", r.get("disgust_f1")),
        "best": r["best_epoch"],
        "health": r["health"],
    }


runs = []
for name in ("bench-synthetic-s11", "bench-meld-dev-s11", "bench-meld-s11", "bench-synthetic-paper-s11"):
    runs += [norm(r, 0.0) for r in read(os.path.join(RUNS, name + ".jsonl")) if r.get("recipe") == "cmathlab"]
for name in ("s12-paper", "s12-ema", "s12-ema-real", "s13-adopt", "s14-paper"):
    path = os.path.join(HERE, name + ".results.jsonl")
    if os.path.exists(path):
        runs += [norm(r, 0.0) for r in read(path)]
if os.path.exists(os.path.join(HERE, "s13-ema.results.jsonl")):  # seeds 5-9 (the screen)
    runs += [norm(r, 0.0) for r in read(os.path.join(HERE, "s13-ema.results.jsonl"))]


def pick(protocol, model, ema, seeds):
    found = {r["seed"]: r for r in runs if (r["protocol"], r["model"], r["ema"]) == (protocol, model, ema)}
    return [found[s] for s in seeds] if all(s in found for s in seeds) else None


for proto, seeds in (
    ("synthetic:meld x0.2", range(5)),
    ("synthetic:iemocap x0.2", range(5)),
    ("synthetic:meld x0.2", range(5, 10)),
    ("synthetic:iemocap x0.2", range(5, 10)),
    ("synthetic:meld x0.2", range(10)),
    ("synthetic:iemocap x0.2", range(10)),
    ("synthetic:meld x1.0", range(3)),
    ("synthetic:iemocap x1.0", range(3)),
    ("synthetic:meld x1.0", range(5)),
    ("synthetic:iemocap x1.0", range(5)),
    ("real MELD dev", range(5)),
    ("real MELD dev", range(5, 10)),
    ("real MELD dev", range(10)),
    ("real MELD fifth", range(5)),
):
    seeds = list(seeds)
    cm0, cm2 = pick(proto, "cmath", 0.0, seeds), pick(proto, "cmath", 2.0, seeds)
    if cm2 is None:
        print(f"{proto} seeds {seeds[0]}-{seeds[-1]}: CMATH with ema 2 not (yet) measured")
        continue

    def show(rows):
        out = f"valid {mean(r['valid'] for r in rows):.2f} test {mean(r['test'] for r in rows):.2f}"
        if rows[0]["bayes"]:
            out += f" acc/Bayes {mean(r['acc'] / r['bayes'] for r in rows):.3f}"
        if rows[0]["fear"] is not None:
            out += (
                f" fear/disgust {100 * mean(r['fear'] for r in rows):.2f}/{100 * mean(r['disgust'] for r in rows):.2f}"
            )
        return (
            out
            + " best "
            + ",".join(str(r["best"]) for r in rows)
            + " "
            + ",".join(sorted({r["health"] for r in rows}))
        )

    print(f"{proto} seeds {seeds[0]}-{seeds[-1]}")
    for label, rows in (
        ("cmath ema 2", cm2),
        ("cmath ema 0", cm0),
        ("bigru ema 0", pick(proto, "bigru", 0.0, seeds)),
        ("bigru ema 2", pick(proto, "bigru", 2.0, seeds)),
    ):
        if rows is None:
            print(f"  {label}: not measured")
            continue
        line = f"  {label}: {show(rows)}"
        if label != "cmath ema 2":
            for k in ("valid", "test"):
                d = [a[k] - b[k] for a, b in zip(cm2, rows)]
                line += f" | cmath ema 2 - this, {k} {mean(d):+.2f} (p {ttest_rel([a[k] for a in cm2], [b[k] for b in rows]).pvalue:.3f})"
        print(line)
