"""Tiny feature files in each published layout, written by the tests themselves."""

import pickle

import numpy as np
import pytest
import torch

torch.set_num_threads(2)

DIMS = {"iemocap": {"t": 100, "a": 40, "v": 30}, "meld": {"t": 60, "a": 30, "v": 20}}


def tiny_fields(
    dataset: str, dims: dict, n_train: int = 4, n_test: int = 2, seed: int = 0, int_ids: bool | None = None
) -> dict:
    """Per-dialogue dicts as the pickles hold them (lists of 1-D arrays, speakers as published)."""
    rng = np.random.default_rng(seed)
    int_ids = dataset == "meld" if int_ids is None else int_ids
    names = [i if int_ids else f"Ses0{i}_dlg" for i in range(n_train + n_test)]
    n_classes = 6 if dataset == "iemocap" else 7
    out = {
        "ids": {},
        "speakers": {},
        "labels": {},
        "sentences": {},
        "t": {},
        "a": {},
        "v": {},
        "train": names[:n_train],
        "test": names[n_train:],
    }
    for vid in names:
        n = int(rng.integers(2, 7))
        out["ids"][vid] = [f"{vid}_{i}" for i in range(n)]
        if dataset == "iemocap":
            out["speakers"][vid] = [["M", "F"][i % 2] for i in range(n)]
        else:
            slots = rng.integers(0, 3, size=n)
            out["speakers"][vid] = [list(np.eye(9)[s]) for s in slots]
        out["labels"][vid] = [int(x) for x in rng.integers(0, n_classes, size=n)]
        out["sentences"][vid] = [f"utterance {i}" for i in range(n)]
        for m in "tav":
            out[m][vid] = [rng.normal(size=dims[m]).astype(np.float32) for _ in range(n)]
    return out


def layout_tuple(layout: str, dataset: str, f: dict) -> tuple:
    if layout == "mmgcn":
        items = (f["ids"], f["speakers"], f["labels"], f["t"], f["a"], f["v"], f["sentences"], f["train"], f["test"])
        return items + ({k: [0] * len(v) for k, v in f["labels"].items()},) if dataset == "meld" else items
    if layout == "sdt":
        layers = [{k: v for k, v in f["t"].items()} for _ in range(3)]
        items = (
            f["ids"],
            f["speakers"],
            f["labels"],
            f["t"],
            *layers,
            f["a"],
            f["v"],
            f["sentences"],
            f["train"],
            f["test"],
        )
        return items + (None,) if dataset == "meld" else items
    if layout == "cosmic":  # the last training dialogue is the file's own validation set
        train, valid = f["train"][:-1], f["train"][-1:]
        layers = [f["t"]] * 4
        if dataset == "iemocap":
            return (f["speakers"], f["labels"], *layers, f["sentences"], train, f["test"], valid)
        return (
            f["speakers"],
            f["labels"],
            {k: [0] * len(v) for k, v in f["labels"].items()},
            *layers,
            f["sentences"],
            train,
            f["test"],
            valid,
        )
    raise ValueError(layout)


def write_pickle(path, obj, protocol: int = 4) -> str:
    with open(path, "wb") as handle:
        pickle.dump(obj, handle, protocol=protocol)
    return str(path)


@pytest.fixture
def write_layout(tmp_path):
    """write_layout(layout, dataset, **changes) -> path of a tiny file in that layout."""

    def write(
        layout: str,
        dataset: str,
        name: str | None = None,
        fields: dict | None = None,
        dims: dict | None = None,
        protocol: int = 4,
    ) -> str:
        f = fields or tiny_fields(dataset, dims or DIMS[dataset])
        path = tmp_path / (name or f"{layout}_{dataset}.pkl")
        return write_pickle(path, layout_tuple(layout, dataset, f), protocol)

    return write


@pytest.fixture(scope="session")
def tiny_corpus():
    from cmathlab.data.synthetic import make_synthetic

    return make_synthetic("iemocap", scale=0.06, seed=1)


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray for the in-process study tests (a study uses a Ray it finds running)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def write_spec(directory, text: str, name: str = "spec.toml") -> str:
    path = directory / name
    path.write_text(text)
    return str(path)
