"""Read s13-ema's results by the rule its README fixed: per corpus, paired by seed, candidate minus base."""

import json
import sys
from statistics import mean

from scipy.stats import ttest_rel

LEVEL = {"meld": (15, None), "iemocap": (15, None), "real": (5, 15)}  # epochs, inclusive; None = the run's last
BARS = {"meld": (0.30, -0.50), "iemocap": (-0.50, -0.50), "real": (0.00, -0.30)}  # level, max


def level(run, corpus):
    lo, hi = LEVEL[corpus]
    vals = [h["valid_wf1"] for h in run["history"] if h["epoch"] >= lo and (hi is None or h["epoch"] <= hi)]
    return 100 * mean(vals)


def paired(a, b):
    d = [y - x for x, y in zip(a, b)]
    return mean(d), (ttest_rel(b, a).pvalue if len(d) > 1 else float("nan"))


runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
verdicts = []
for corpus in ("meld", "iemocap", "real"):
    for model in ("cmath", "bigru"):
        suffix = "-bigru" if model == "bigru" else ""
        base = {r["seed"]: r for r in runs if r["tag"] == f"s13-ema0-{corpus}{suffix}"}
        cand = {r["seed"]: r for r in runs if r["tag"] == f"s13-ema2-{corpus}{suffix}"}
        seeds = sorted(set(base) & set(cand))
        if not seeds:
            continue
        row = f"{corpus:8} {model:6} seeds {seeds}"
        stats = {"max": lambda r: 100 * r["valid_wf1"], "test": lambda r: 100 * r["test_wf1"]}
        if model == "cmath":
            stats["level"] = lambda r: level(r, corpus)
        out = {}
        for name, f in stats.items():
            a, b = [f(base[s]) for s in seeds], [f(cand[s]) for s in seeds]
            out[name] = paired(a, b)
            row += f" | {name} {mean(a):.2f} -> {mean(b):.2f} {out[name][0]:+.2f} (p {out[name][1]:.3f})"
        row += (
            " | best epochs "
            + ",".join(str(base[s]["best_epoch"]) for s in seeds)
            + " / "
            + ",".join(str(cand[s]["best_epoch"]) for s in seeds)
        )
        row += " | health " + ",".join(sorted({r["health"] for s in seeds for r in (base[s], cand[s])}))
        if model == "cmath" and "bayes_acc" in base[seeds[0]] and base[seeds[0]]["bayes_acc"]:
            row += " | ACC/Bayes " + " -> ".join(
                f"{mean(r[s]['test_acc'] / r[s]['bayes_acc'] for s in seeds):.3f}" for r in (base, cand)
            )
        print(row)
        if model == "cmath":
            lvl_bar, max_bar = BARS[corpus]
            ok = len(seeds) == 5 and out["level"][0] >= lvl_bar and out["max"][0] >= max_bar
            verdicts.append((corpus, ok, len(seeds)))
for corpus, ok, n in verdicts:
    print(f"rule {corpus}: {'pass' if ok else 'FAIL' if n == 5 else f'incomplete ({n} of 5 seeds)'}")
