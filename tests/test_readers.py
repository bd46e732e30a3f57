import gzip
import os
import re

import numpy as np
import pytest
from conftest import DIMS, layout_tuple, tiny_fields, write_pickle

from cmathlab.data import load_corpus, read_corpus
from cmathlab.data.readers import detect_layout
from cmathlab.data.safe_pickle import ALLOWED, load_pickle
from cmathlab.errors import BadInput

LAYOUTS = [
    ("mmgcn", "iemocap"),
    ("mmgcn", "meld"),
    ("sdt", "iemocap"),
    ("sdt", "meld"),
    ("cosmic", "iemocap"),
    ("cosmic", "meld"),
]


@pytest.mark.parametrize("layout,dataset", LAYOUTS)
def test_every_layout_reads_with_dims_from_the_data(write_layout, layout, dataset):
    fields = tiny_fields(dataset, DIMS[dataset])
    corpus = read_corpus(write_layout(layout, dataset, fields=fields))
    assert corpus.dataset == dataset
    expected = {"t": DIMS[dataset]["t"]} if layout == "cosmic" else DIMS[dataset]
    assert corpus.dims == expected
    assert sorted(map(str, corpus.ids("test"))) == sorted(map(str, fields["test"]))
    assert sorted(map(str, corpus.ids("train"))) == sorted(map(str, fields["train"]))
    first = fields["train"][0]
    d = next(x for x in corpus.dialogues if x.id == first)
    assert d.labels.tolist() == fields["labels"][first]
    np.testing.assert_array_equal(d.features["t"], np.stack(fields["t"][first]))
    assert d.sentences[0] == "utterance 0"


def test_layout_detection_tells_mmgcn_meld_from_cosmic_iemocap():
    meld = layout_tuple("mmgcn", "meld", tiny_fields("meld", DIMS["meld"]))
    cosmic = layout_tuple("cosmic", "iemocap", tiny_fields("iemocap", DIMS["iemocap"]))
    assert len(meld) == len(cosmic) == 10
    assert detect_layout(meld, "f")[:2] == ("mmgcn", "meld")
    assert detect_layout(cosmic, "f")[:2] == ("cosmic", "iemocap")


def test_speaker_strings_and_one_hot_lists_become_slots(write_layout):
    fields = tiny_fields("meld", DIMS["meld"])
    corpus = read_corpus(write_layout("mmgcn", "meld", fields=fields))
    vid = fields["train"][0]
    d = next(x for x in corpus.dialogues if x.id == vid)
    assert d.speakers.tolist() == [int(np.argmax(s)) for s in fields["speakers"][vid]]
    assert corpus.n_speakers == 9
    iemocap = read_corpus(write_layout("mmgcn", "iemocap"))
    assert iemocap.n_speakers == 2
    assert set(np.concatenate([x.speakers for x in iemocap.dialogues]).tolist()) == {0, 1}


def test_cosmic_carries_its_own_validation_ids(write_layout):
    fields = tiny_fields("iemocap", DIMS["iemocap"])
    corpus = read_corpus(write_layout("cosmic", "iemocap", fields=fields))
    assert corpus.official_valid == {fields["train"][-1]}
    split = corpus.split(0.2, 0, official=True)
    assert [corpus.dialogues[i].id for i in split["valid"]] == [fields["train"][-1]]
    with pytest.raises(BadInput, match="no validation ids"):
        read_corpus(write_layout("mmgcn", "iemocap")).split(0.2, 0, official=True)


def test_cosmic_text_joins_mmgcn_audio_visual_by_dialogue_id(write_layout):
    fields = tiny_fields("iemocap", DIMS["iemocap"])
    text = write_layout("cosmic", "iemocap", fields=fields)
    av = write_layout("mmgcn", "iemocap", fields=fields)
    corpus = read_corpus(text, join=av)
    assert list(corpus.dims.items()) == list(DIMS["iemocap"].items())  # t, a, v order
    assert corpus.official_valid == {fields["train"][-1]}
    d = corpus.dialogues[0]
    np.testing.assert_array_equal(d.features["a"], np.stack(fields["a"][d.id]))


def test_validation_split_is_a_seeded_fifth_of_training(write_layout):
    corpus = load_corpus("synthetic:iemocap", scale=1.0)
    a, b, c = corpus.split(0.2, 0), corpus.split(0.2, 0), corpus.split(0.2, 1)
    assert a == b and a["valid"] != c["valid"]
    assert len(a["valid"]) == 24 and len(a["train"]) == 96 and len(a["test"]) == 31
    assert not set(a["valid"]) & set(a["train"])


# ---- bad input: one clear message naming file, dialogue and field ------------------------------


def _broken(dataset="iemocap", **edit):
    fields = tiny_fields(dataset, DIMS[dataset])
    vid = fields["train"][1]
    for fn in edit.values():
        fn(fields, vid)
    return fields, vid


def test_unknown_layout(tmp_path):
    path = write_pickle(tmp_path / "x.pkl", (1, 2, 3))
    with pytest.raises(BadInput, match=r"x\.pkl: unknown layout: a 3-tuple"):
        read_corpus(path)


def test_missing_key_names_dialogue_and_field(tmp_path):
    fields, vid = _broken(labels=lambda f, v: f["labels"].pop(v))
    path = write_pickle(tmp_path / "m.pkl", layout_tuple("mmgcn", "iemocap", fields))
    with pytest.raises(BadInput, match=rf"m\.pkl: dialogue {vid}: field videoLabels: missing"):
        read_corpus(path)


@pytest.mark.parametrize(
    "field,edit,message",
    [
        ("audio", lambda f, v: f["a"][v].pop(), "feature rows for"),
        ("speakers", lambda f, v: f["speakers"][v].pop(), "speakers for"),
        ("visual", lambda f, v: f["v"][v][0].__setitem__(0, np.nan), "NaN or infinite"),
        ("text", lambda f, v: f["t"][v][0].__setitem__(3, np.inf), "NaN or infinite"),
        ("labels", lambda f, v: f["labels"][v].__setitem__(0, 6), "label out of range"),
        ("audio", lambda f, v: f["a"][v].__setitem__(0, np.zeros(5, np.float32)), "not numbers of one length"),
    ],
)
def test_bad_values_name_dialogue_and_field(tmp_path, field, edit, message):
    fields, vid = _broken(x=edit)
    path = write_pickle(tmp_path / "b.pkl", layout_tuple("mmgcn", "iemocap", fields))
    with pytest.raises(BadInput, match=rf"dialogue {vid}.*{message}"):
        read_corpus(path)


def test_train_test_overlap_is_refused(tmp_path):
    fields = tiny_fields("iemocap", DIMS["iemocap"])
    fields["test"].append(fields["train"][0])
    path = write_pickle(tmp_path / "o.pkl", layout_tuple("mmgcn", "iemocap", fields))
    with pytest.raises(BadInput, match=rf"dialogue {fields['train'][0]}: field testVid: in both training and test"):
        read_corpus(path)


def test_missing_file_and_garbage_file(tmp_path):
    with pytest.raises(BadInput, match="cannot read file"):
        read_corpus(str(tmp_path / "nope.pkl"))
    garbage = tmp_path / "g.pkl"
    garbage.write_bytes(b"not a pickle at all")
    with pytest.raises(BadInput, match="not a readable pickle"):
        read_corpus(str(garbage))


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_malicious_pickle_never_executes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_pickle(tmp_path / "evil.pkl", (_Evil(),) * 9)
    with pytest.raises(BadInput, match=r"evil\.pkl: not a feature pickle: refused to load (posix|os)\.system"):
        read_corpus(path)
    assert not (tmp_path / "PWNED").exists()


# Each payload names its dangerous global first, so the unpickler meets it before anything else; loaded by plain
# pickle, each creates PWNED in the working directory. Protocol 0 by hand, as an attacker would write them.
_TOUCH = b"Vtouch PWNED\n"
_PYTHON = b"V__import__('pathlib').Path('PWNED').touch()\n"
EVIL = {
    "builtins.eval": b"cbuiltins\neval\n(" + _PYTHON + b"tR.",
    "builtins.exec": b"cbuiltins\nexec\n(" + _PYTHON + b"tR.",
    # getattr(__import__('os'), 'system')('touch PWNED')
    "builtins.getattr": b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(" + _TOUCH + b"tR.",
    # the module first, kept in the memo; getattr after it
    "builtins.__import__": b"cbuiltins\n__import__\n(Vos\ntRp0\n0cbuiltins\ngetattr\n(g0\nVsystem\ntR("
    + _TOUCH
    + b"tR.",
    "subprocess.Popen": b"csubprocess\nPopen\n((Vtouch\nVPWNED\nltR.",
    "os.system": b"cos\nsystem\n(" + _TOUCH + b"tR.",
    "posix.system": b"cposix\nsystem\n(" + _TOUCH + b"tR.",
    # Python 2's name for builtins, which pickle maps for protocol < 3
    "__builtin__.eval": b"c__builtin__\neval\n(" + _PYTHON + b"tR.",
}
# functools.partial(f, args)() over each of them
EVIL.update(
    {
        f"functools.partial({name})": b"cfunctools\npartial\n(c"
        + name.encode().replace(b".", b"\n")
        + b"\n"
        + (
            b"(Vtouch\nVPWNED\nl"
            if name == "subprocess.Popen"
            else _PYTHON
            if "eval" in name or "exec" in name
            else _TOUCH
        )
        + b"tR)R."
        for name in ("builtins.eval", "builtins.exec", "subprocess.Popen", "os.system", "posix.system")
    }
)


@pytest.mark.parametrize("name", sorted(EVIL))
def test_a_pickle_through_any_dangerous_global_is_refused_and_runs_nothing(tmp_path, monkeypatch, name):
    import pickle
    import time

    monkeypatch.chdir(tmp_path)
    loaded = pickle.loads(EVIL[name])  # the payload is real: plain pickle runs it
    if hasattr(loaded, "wait"):
        loaded.wait()
    for _ in range(50):
        if (tmp_path / "PWNED").exists():
            break
        time.sleep(0.02)
    assert (tmp_path / "PWNED").exists(), "the payload does not do what it claims"
    (tmp_path / "PWNED").unlink()

    first = "functools.partial" if name.startswith("functools") else name  # the global the stream names first
    path = tmp_path / "evil.pkl"
    for raw in (EVIL[name], gzip.compress(EVIL[name])):
        path.write_bytes(raw)
        with pytest.raises(BadInput, match=rf"evil\.pkl: not a feature pickle: refused to load {re.escape(first)}$"):
            load_pickle(str(path))
        with pytest.raises(BadInput, match="refused to load"):
            read_corpus(str(path))
    assert not (tmp_path / "PWNED").exists()


def test_the_unpickler_admits_exactly_containers_numpy_arrays_and_scalars():
    assert {f"{module}.{name}" for module, names in ALLOWED.items() for name in names} == {
        *(
            f"builtins.{n}"
            for n in (
                "set",
                "frozenset",
                "list",
                "dict",
                "tuple",
                "str",
                "int",
                "float",
                "complex",
                "bool",
                "bytes",
                "bytearray",
            )
        ),
        "collections.OrderedDict",
        "collections.defaultdict",
        "numpy.ndarray",
        "numpy.dtype",
        "_codecs.encode",
        "numpy.core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray._reconstruct",
        "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
    }


def test_python2_protocol_pickles_read(write_layout):
    corpus = read_corpus(write_layout("mmgcn", "iemocap", protocol=2))
    assert corpus.dims == DIMS["iemocap"]
