"""Load the feature pickles without letting them run code.

A pickle can name any importable callable; these files only ever need containers,
numpy arrays and numpy scalars, so everything else is refused before it is looked up.
"""

import gzip
import io
import pickle

from cmathlab.errors import BadInput

_NUMPY_CORE = ("numpy.core.multiarray", "numpy._core.multiarray")
_NUMPY_NUMERIC = ("numpy.core.numeric", "numpy._core.numeric")

ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset(
        {"set", "frozenset", "list", "dict", "tuple", "str", "int", "float", "complex", "bool", "bytes", "bytearray"}
    ),
    "collections": frozenset({"OrderedDict", "defaultdict"}),
    "numpy": frozenset({"ndarray", "dtype"}),
    # protocol-2 pickles of bytes written by Python 2 go through _codecs.encode
    "_codecs": frozenset({"encode"}),
    **{module: frozenset({"_reconstruct", "scalar"}) for module in _NUMPY_CORE},
    **{module: frozenset({"_frombuffer"}) for module in _NUMPY_NUMERIC},
}


class Refused(pickle.UnpicklingError):
    """The pickle names something a feature file never holds."""


class _FeatureUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if name in ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise Refused(f"refused to load {module}.{name}")


def load_pickle(path: str) -> object:
    """Unpickle `path` (gzipped or not) admitting only builtins containers and numpy arrays/scalars."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise BadInput(f"cannot read file ({err.strerror})", source=path) from None
    if raw[:2] == b"\x1f\x8b":  # a gzipped pickle (.pkl.gz), as feature files are often shared
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise BadInput(f"not a readable gzip file ({err})", source=path) from None
    try:
        # latin1 reads Python-2 era files and is harmless for the rest (FORMATS.md)
        return _FeatureUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except Refused as err:
        raise BadInput(f"not a feature pickle: {err}", source=path) from None
    except Exception as err:  # noqa: BLE001 - a truncated or foreign file fails in many ways
        raise BadInput(f"not a readable pickle ({type(err).__name__}: {err})", source=path) from None
