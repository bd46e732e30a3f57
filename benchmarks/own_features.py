"""Issue 33's measurements: your own features (visual from OpenFace CSVs, anything as .npy) through
`cmathlab features`, then `cmathlab train`.

    .venv/bin/python benchmarks/own_features.py channel --seeds 0,1,2 --model bigru      # (a) does visual add?
    .venv/bin/python benchmarks/own_features.py speed --n 10000 --frames 60 --width 700   # (b) seconds to pool

(a) writes a small corpus in the generic CSV layout: text as one .npy vector per utterance, visual as one
OpenFace 2 CSV per utterance (bookkeeping columns, 35 action-unit columns, a few failed frames of garbage),
both drawn per class. Then `features` (--pool mean+std) and `train --modalities t` against `tv`, one thread,
seed for seed. What visual "should" add is read off a logistic regression on the same pooled vectors
(utterance by utterance, no context): the gain of t+v over t there.
(b) writes N utterances of F frames x W columns as .npy (or OpenFace CSVs with --kind csv) and times
`cmathlab features` on them twice with one cache: the cold read and pool, then the cached rerun.
Everything goes under --dir (default /tmp/cmathlab-own-features); nothing there is kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "cmathlab")
CLASSES = ("anger", "joy", "neutral", "sadness")
BOOKKEEPING = ("frame", "face_id", "timestamp", "confidence", "success")
AUS = 35  # OpenFace 2's AU intensities (17) and presences (18)


def write_openface(path: str, frames: np.ndarray, success: np.ndarray) -> None:
    """One OpenFace 2 FeatureExtraction CSV (", "-separated, bookkeeping columns first)."""
    n = len(frames)
    book = np.column_stack([np.arange(1, n + 1), np.zeros(n), np.arange(n) / 30, np.full(n, 0.97), success])
    header = ", ".join([*BOOKKEEPING, *(f"AU{i:02d}" for i in range(frames.shape[1]))])
    np.savetxt(path, np.hstack([book, frames]), delimiter=", ", fmt="%.5g", header=header, comments="")


def make_corpus(
    folder: str, seed: int = 0, dialogues: int = 240, text_signal: float = 0.12, visual_signal: float = 0.15
) -> str:
    """The generic CSV of a corpus whose text and visual each carry part of the label (per-class means under
    noise), so neither alone reaches what both reach. Returns the CSV's path."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(folder, "text"), exist_ok=True)
    os.makedirs(os.path.join(folder, "openface"), exist_ok=True)
    text_means = rng.normal(size=(len(CLASSES), 64))
    face_means = rng.normal(size=(len(CLASSES), AUS))
    rows = []
    for d in range(dialogues):
        split = "train" if d < 0.65 * dialogues else "dev" if d < 0.8 * dialogues else "test"
        for turn in range(int(rng.integers(4, 13))):
            y = int(rng.integers(len(CLASSES)))
            name = f"d{d}_u{turn}"
            text = text_signal * text_means[y] + rng.normal(size=64)
            np.save(os.path.join(folder, "text", name + ".npy"), text.astype(np.float32))
            n = int(rng.integers(20, 61))
            person = 0.5 * rng.normal(size=AUS)  # who is on screen, constant over the utterance
            frames = visual_signal * face_means[y] + person + rng.normal(size=(n, AUS)) * 2.0  # drawn per class
            success = (rng.random(n) > 0.1).astype(int)
            success[0] = 1
            frames[success == 0] = rng.normal(size=((success == 0).sum(), AUS)) * 10  # failed frames: garbage
            write_openface(os.path.join(folder, "openface", name + ".csv"), frames, success)
            rows.append(
                [
                    f"d{d}",
                    turn,
                    f"S{turn % 2}",
                    f"utterance {turn} of dialogue {d}",
                    CLASSES[y],
                    split,
                    f"text/{name}.npy",
                    f"openface/{name}.csv",
                ]
            )
    path = os.path.join(folder, "corpus.csv")
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(
            [["dialogue", "turn", "speaker", "text", "label", "split", "text_features", "visual_features"], *rows]
        )
    return path


def cli(*args: str) -> float:
    start = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def probe(path: str) -> dict:
    """Test W-F1 of a logistic regression on the pooled vectors, utterance by utterance: t and t+v."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import StandardScaler

    from cmathlab.data import load_corpus

    corpus = load_corpus(path)
    out = {}
    for mods in ("t", "tv"):

        def stack(split):
            ds = [d for d in corpus.dialogues if d.split == split]
            return (
                np.concatenate([np.hstack([d.features[m] for m in mods]) for d in ds]),
                np.concatenate([d.labels for d in ds]),
            )

        (x, y), (xt, yt) = stack("train"), stack("test")
        scaler = StandardScaler().fit(x)
        model = LogisticRegression(max_iter=2000).fit(scaler.transform(x), y)
        out[mods] = 100 * f1_score(yt, model.predict(scaler.transform(xt)), average="weighted")
    return out


def channel(args) -> None:
    folder = os.path.join(args.dir, "channel")
    source = make_corpus(folder)
    data = os.path.join(folder, "corpus.pkl")
    seconds = cli(
        "features",
        source,
        "--dataset",
        "ownvisual",
        "--pool",
        "mean+std",
        "--out",
        data,
        "--force",
        "--cache",
        os.path.join(folder, "cache"),
    )
    print(
        f"features: {seconds:.1f} s; linear probe test W-F1 {json.dumps({k: round(v, 2) for k, v in probe(data).items()})}"
    )
    rows = []
    for seed in args.seeds:
        scores = {}
        for mods in ("t", "tv"):
            out = os.path.join(folder, f"run-{mods}-{seed}")
            cli(
                "train",
                "--data",
                data,
                "--modalities",
                mods,
                "--model",
                args.model,
                "--epochs",
                str(args.epochs),
                "--seed",
                str(seed),
                "--official-valid",
                "--device",
                "cpu",
                "--out",
                out,
                "--force",
            )
            result = json.load(open(os.path.join(out, "result.json")))
            scores[mods] = 100 * result["test"]["wf1"]
            assert result["data"]["encoders"]["v"] == "openface:mean+std", result["data"]["encoders"]
        rows.append(scores)
        print(
            f"seed {seed}: t {scores['t']:.2f}  tv {scores['tv']:.2f}  gain {scores['tv'] - scores['t']:+.2f}",
            flush=True,
        )
    t, tv = (np.array([r[m] for r in rows]) for m in ("t", "tv"))
    print(
        f"{args.model}, {args.epochs} epochs, seeds {args.seeds}: t {t.mean():.2f} ± {t.std(ddof=1) if len(t) > 1 else 0:.2f}, "
        f"tv {tv.mean():.2f} ± {tv.std(ddof=1) if len(tv) > 1 else 0:.2f}, gain {np.mean(tv - t):+.2f}"
    )


def speed(args) -> None:
    folder = os.path.join(args.dir, f"speed-{args.kind}")
    os.makedirs(os.path.join(folder, "files"), exist_ok=True)
    rng = np.random.default_rng(0)
    source = os.path.join(folder, "corpus.csv")
    start = time.perf_counter()
    rows = []
    for i in range(args.n):
        name = os.path.join("files", f"u{i}")
        np.save(os.path.join(folder, name + "_t.npy"), rng.normal(size=16).astype(np.float32))
        frames = rng.normal(size=(args.frames, args.width)).astype(np.float32)
        if args.kind == "npy":
            np.save(os.path.join(folder, name + ".npy"), frames)
        else:
            write_openface(os.path.join(folder, name + ".csv"), frames[:, 5:], np.ones(args.frames))
        d = i // 10
        rows.append(
            [
                f"d{d}",
                i % 10,
                "S0",
                f"u{i}",
                "ab"[i % 2],
                "train" if d % 10 < 8 else "dev" if d % 10 == 8 else "test",
                f"{name}_t.npy",
                f"{name}.{args.kind}",
            ]
        )
    with open(source, "w", newline="") as handle:
        csv.writer(handle).writerows(
            [["dialogue", "turn", "speaker", "text", "label", "split", "text_features", "visual_features"], *rows]
        )
    print(
        f"wrote {args.n} utterances of {args.frames} x {args.width} ({args.kind}) in {time.perf_counter() - start:.0f} s"
    )
    cache = os.path.join(folder, "cache")
    for attempt in ("cold", "cached"):
        seconds = cli(
            "features",
            source,
            "--dataset",
            "speed",
            "--pool",
            args.pool,
            "--out",
            os.path.join(folder, f"{attempt}.pkl"),
            "--force",
            "--cache",
            cache,
        )
        print(
            f"{attempt}: {seconds:.1f} s for `cmathlab features` ({args.n} visual files + {args.n} text vectors, "
            f"--pool {args.pool})",
            flush=True,
        )
    # the visual column alone, in process (no interpreter start, imports, CSV checks or pickle): check, read, pool
    from cmathlab.features.encoders import Cache
    from cmathlab.features.precomputed import load_precomputed, parse_pool

    paths = [os.path.join(folder, r[7]) for r in rows]
    where = [(source, i + 2) for i in range(len(rows))]
    alone = os.path.join(folder, "cache-alone")
    for attempt in ("cold", "cached"):
        start = time.perf_counter()
        _, vectors = load_precomputed(
            paths, where, "visual_features", parse_pool(args.pool), lambda name: Cache(alone, name), lambda *_: None
        )
        print(f"{attempt}, visual column alone: {time.perf_counter() - start:.1f} s -> {vectors.shape}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("channel", "speed"))
    parser.add_argument("--dir", default="/tmp/cmathlab-own-features")
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0, 1, 2])
    parser.add_argument("--model", default="bigru")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--width", type=int, default=700)
    parser.add_argument("--kind", choices=("npy", "csv"), default="npy")
    parser.add_argument("--pool", default="mean+std")
    args = parser.parse_args()
    channel(args) if args.what == "channel" else speed(args)


if __name__ == "__main__":
    main()
