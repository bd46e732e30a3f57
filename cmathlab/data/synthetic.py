"""Synthetic IEMOCAP/MELD look-alikes whose Bayes-optimal accuracy is known exactly.

Emotions follow a sticky Markov chain along each dialogue (so context helps). Each modality
draws a latent class mean plus Gaussian noise (text clearest, visual weakest), then a fixed
random projection lifts it to the real feature dimension, with class-free nuisance in the
orthogonal directions. Some class pairs share their text and visual means and differ only in
audio, so fusion helps. Because the generator knows all of this, forward-backward with the true
parameters gives the Bayes posterior of every utterance: the ceiling no model can pass.

By default every feature has about unit variance, which no real feature file has. `NAME:real`
gives the features the statistics of real ones through a fixed per-feature affine map (so the
Bayes limit is unchanged): text like sentence embeddings (per-element spread about 1/sqrt(d), a
shared offset, norm about 1), audio in openSMILE-like raw ranges (scales from 1e-3 to 1e4, positive
offsets), visual like pooled CNN activations (scales 0.1 to 10). A recipe that only works on
unit-variance inputs fails on it, as it does on real data.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from cmathlab.data.corpus import MODALITIES, Corpus, Dialogue
from cmathlab.datasets import DATASETS, Shape  # noqa: F401  (Shape: the type of SHAPES' values)
from cmathlab.errors import BadInput

SHAPES = {name: d.synthetic for name, d in DATASETS.items() if d.synthetic is not None}
LATENT = 12  # class-carrying dimensions per modality
NUISANCE = 24  # class-free dimensions per modality


class Generator:
    """The true parameters of one synthetic corpus; computes its Bayes posterior."""

    def __init__(self, shape: Shape, seed: int, realistic: bool = False):
        self.shape = shape
        rng = np.random.default_rng([seed, 7])
        counts = np.asarray(shape.class_counts, dtype=np.float64)
        self.prior = counts / counts.sum()
        k = len(counts)
        # stationary distribution stays the prior: stay with prob s, else redraw from the prior
        self.transition = shape.stickiness * np.eye(k) + (1 - shape.stickiness) * self.prior[None, :]
        self.means, self.lift, self.nuisance, self.scale = {}, {}, {}, {}
        for m in MODALITIES:
            means = rng.normal(size=(k, LATENT))
            if m != "a":
                for keep, tie in shape.audio_only_pairs:
                    means[tie] = means[keep]
            d = shape.dims[m]
            basis, _ = np.linalg.qr(rng.normal(size=(d, LATENT + NUISANCE)))
            self.means[m] = means
            self.lift[m], self.nuisance[m] = basis[:, :LATENT], basis[:, LATENT:]
            self.scale[m] = np.sqrt(d / (LATENT + NUISANCE))  # about unit variance per feature
        # x_real = x * gain + offset per feature; drawn after the class structure, so it is the same
        self.affine = (
            {
                m: _real_statistics(m, shape.dims[m], np.random.default_rng([seed, 13, i]))
                for i, m in enumerate(MODALITIES)
            }
            if realistic
            else {}
        )

    def sample_dialogue(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, dict]:
        labels = np.empty(n, dtype=np.int64)
        labels[0] = rng.choice(len(self.prior), p=self.prior)
        for i in range(1, n):
            labels[i] = rng.choice(len(self.prior), p=self.transition[labels[i - 1]])
        speakers = self._speakers(rng, n)
        features = {}
        for m in MODALITIES:
            z = self.means[m][labels] + self.shape.noise[m] * rng.normal(size=(n, LATENT))
            w = rng.normal(size=(n, NUISANCE))
            x = self.scale[m] * (z @ self.lift[m].T + w @ self.nuisance[m].T)
            if m in self.affine:
                gain, offset = self.affine[m]
                x = x * gain + offset
            features[m] = x.astype(np.float32)
        return labels, speakers, features

    def _speakers(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.shape.speakers_max == 2:  # IEMOCAP: two speakers ('F'/'M' slots) who mostly take turns
            switch = rng.random(n) < 0.8
            switch[0] = False
            return ((int(rng.integers(2)) + np.cumsum(switch)) % 2).astype(np.int64)
        turns = rng.integers(0, rng.integers(1, min(self.shape.speakers_max, n) + 1), size=n)
        first_seen: dict = {}  # MELD: slots in order of first appearance in the dialogue
        return np.array([first_seen.setdefault(t, len(first_seen)) for t in turns.tolist()], dtype=np.int64)

    def log_likelihood(self, dialogue: Dialogue, modalities: str) -> np.ndarray:
        """log p(x_i | y_i = c) per utterance and class, up to a per-utterance constant."""
        total = 0.0
        for m in modalities:
            x = dialogue.features[m].astype(np.float64)
            if m in self.affine:
                gain, offset = self.affine[m]
                x = (x - offset) / gain
            z = x @ self.lift[m] / self.scale[m]
            sq = ((z[:, None, :] - self.means[m][None, :, :]) ** 2).sum(-1)
            total = total - sq / (2 * self.shape.noise[m] ** 2)
        return total

    def posterior(self, dialogue: Dialogue, modalities: str = "tav") -> np.ndarray:
        """p(y_i | all utterances of the dialogue) by forward-backward in log space."""
        loglik = self.log_likelihood(dialogue, modalities)
        log_t = np.log(self.transition)
        n, k = loglik.shape
        alpha = np.empty((n, k))
        beta = np.zeros((n, k))
        alpha[0] = np.log(self.prior) + loglik[0]
        for i in range(1, n):
            alpha[i] = loglik[i] + _logsumexp(alpha[i - 1][:, None] + log_t, axis=0)
        for i in range(n - 2, -1, -1):
            beta[i] = _logsumexp(log_t + (loglik[i + 1] + beta[i + 1])[None, :], axis=1)
        log_post = alpha + beta
        log_post -= _logsumexp(log_post, axis=1)[:, None]
        return np.exp(log_post)

    def bayes(self, corpus: Corpus, indices: list[int], modalities: str = "tav") -> dict:
        """Accuracy and weighted F1 of the Bayes-optimal decision on the given dialogues."""
        labels = np.concatenate([corpus.dialogues[i].labels for i in indices])
        preds = np.concatenate([self.posterior(corpus.dialogues[i], modalities).argmax(1) for i in indices])
        return {"acc": float(accuracy_score(labels, preds)), "wf1": float(f1_score(labels, preds, average="weighted"))}


def _real_statistics(modality: str, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature (gain, offset) that give unit-variance features the spread of real ones."""
    if modality == "t":  # sentence embeddings: norm about 1, a large shared component
        offset = rng.normal(size=d)
        return np.full(d, 0.55 / np.sqrt(d)), 0.6 * offset / np.linalg.norm(offset)
    if modality == "a":  # openSMILE functionals: raw units, from tiny ratios to large energies
        gain = 10.0 ** rng.uniform(-3, 4, size=d)
        return gain, gain * rng.uniform(0, 5, size=d)
    gain = 10.0 ** rng.uniform(-1, 1, size=d)  # pooled CNN activations
    return gain, gain * rng.uniform(0, 2, size=d)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def make_synthetic(name: str, scale: float = 1.0, seed: int = 0) -> Corpus:
    """A seeded synthetic corpus shaped like IEMOCAP or MELD; `scale` shrinks the dialogue count.

    `NAME/K` divides every feature dimension by K (the class structure and so the Bayes limit are
    the same; only the nuisance directions are fewer): a corpus small enough for a laptop demo.
    `NAME:real` (or `NAME/K:real`) gives the features real files' statistics (see the module's note).
    """
    realistic = name.endswith(":real")
    base, _, divisor = name.removesuffix(":real").partition("/")
    if base not in SHAPES:
        raise BadInput(
            f"unknown synthetic corpus {name!r}; choose one of {', '.join(SHAPES)}, optionally "
            f"/K to divide the feature dims by K and :real for real features' statistics",
            field="data",
        )
    if not 0 < scale <= 10:
        raise BadInput(f"scale {scale} is not in (0, 10]", field="scale")
    shape = SHAPES[base]
    if divisor:
        k = int(divisor) if divisor.isdigit() else 0
        smallest = LATENT + NUISANCE
        if k < 1 or min(shape.dims.values()) // k < smallest:
            raise BadInput(
                f"{name!r}: K must be a whole number from 1 to {min(shape.dims.values()) // smallest}"
                f" (every feature dim stays at least {smallest})",
                field="data",
            )
        shape = replace(shape, dims={m: d // k for m, d in shape.dims.items()})
    generator = Generator(shape, seed, realistic)
    rng = np.random.default_rng([seed, 11])
    dialogues = []
    for split, count in (("train", shape.n_train), ("test", shape.n_test)):
        for j in range(max(2, round(count * scale))):
            n = int(
                np.clip(
                    round(rng.gamma(shape.length_shape, shape.length_mean / shape.length_shape)),
                    shape.length_min,
                    shape.length_max,
                )
            )
            labels, speakers, features = generator.sample_dialogue(rng, n)
            dialogues.append(
                Dialogue(id=f"{split}_{j:04d}", features=features, speakers=speakers, labels=labels, split=split)
            )
    return Corpus(
        dataset=shape.dataset,
        dialogues=dialogues,
        source=f"synthetic:{name}",
        sha256=f"synthetic:{name}:scale={scale}:seed={seed}",
        n_speakers=shape.speakers_max,
        generator=generator,
    )
