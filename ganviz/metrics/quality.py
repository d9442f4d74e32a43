"""Quality and diversity of generated images, judged by a digit classifier.

With p(y | x_i) the classifier's softmax on N generated images:
- quality = (1/N) sum_i max_y p(y | x_i), the mean confidence (an Inception-score-style proxy:
  a recognisable digit gets a confident answer);
- class entropy H = -sum_y q_y log q_y (nats) of the predicted classes' histogram
  q_y = #{i : argmax p(. | x_i) = y} / N; log 10 = 2.303 when all ten digits are equally frequent,
  0 for a generator that draws a single digit;
- pairwise distance = mean over pairs i < j of ||x_i - x_j||_2 / sqrt(D) (D pixels), the RMS
  pixel difference: 0 when every sample is the same image;
- classes present = the number of classes predicted for at least ``min_share`` of the samples.

``judge_generator`` applies them to a generator's samples drawn with a fixed seed (the gamma sweep's
and the Latent page's numbers), with the measures of ``ganviz.metrics.image_quality`` on the
classifier's features (digit FID, precision, recall, density, coverage, k = 5, against 898 real
digits) and the digit FID two real halves give at the same n; ``truncation_curve`` at several
truncation thresholds.

Example:
    >>> probs = torch.eye(10)  # ten confident, different answers
    >>> round(class_entropy(probs), 3), round(mean_confidence(probs), 3), classes_present(probs)
    (2.303, 1.0, 10)
"""

from __future__ import annotations

import math

import torch

from ganviz.latent import truncate


def mean_confidence(probs: torch.Tensor) -> float:
    """(1/N) sum_i max_y p(y | x_i)."""
    return float(probs.max(dim=1).values.mean())


def class_histogram(probs: torch.Tensor) -> torch.Tensor:
    """q_y: the share of samples predicted as each class, (classes,)."""
    counts = torch.bincount(probs.argmax(dim=1), minlength=probs.shape[1]).float()
    return counts / counts.sum()


def class_entropy(probs: torch.Tensor) -> float:
    """H(q) = -sum_y q_y log q_y in nats (0 log 0 = 0); at most log(classes)."""
    q = class_histogram(probs)
    q = q[q > 0]
    return float(-(q * q.log()).sum()) + 0.0  # + 0.0: no "-0.000" for a single class


def classes_present(probs: torch.Tensor, min_share: float = 0.01) -> int:
    """How many classes are predicted for at least ``min_share`` of the samples."""
    return int((class_histogram(probs) >= min_share).sum())


def pairwise_distance(images: torch.Tensor, max_n: int = 1000) -> float:
    """Mean ||x_i - x_j||_2 / sqrt(D) over pairs i < j (RMS pixel difference).

    >>> pairwise_distance(torch.stack([torch.zeros(4), torch.ones(4)]))
    1.0
    """
    x = images[:max_n].flatten(1).double()
    n = x.shape[0]
    if n < 2:
        return 0.0
    d = torch.cdist(x, x)
    return float(d.triu(diagonal=1).sum() / (n * (n - 1) / 2) / math.sqrt(x.shape[1]))


def predicted_classes(images: torch.Tensor, classifier) -> list[int]:
    """argmax_y p(y | x_i) of each image: the digit the classifier reads."""
    return classifier.probabilities(images).argmax(dim=1).tolist()


def judge(images: torch.Tensor, classifier) -> dict:
    """quality, class_entropy, pairwise_distance, classes_present and the class histogram."""
    probs = classifier.probabilities(images)
    return {
        "quality": round(mean_confidence(probs), 4),
        "class_entropy": round(class_entropy(probs), 4),
        "pairwise_distance": round(pairwise_distance(images), 4),
        "classes_present": classes_present(probs),
        "class_shares": [round(float(v), 4) for v in class_histogram(probs)],
    }


MEASURES = ("digit_fid", "precision", "recall", "density", "coverage")


def judge_generator(trainer, classifier, n: int = 500, seed: int = 0, truncation: float | None = None,
                    measured: bool = True) -> dict:
    """``judge`` of n samples of a generator (codes from ``trainer.latent(n, gen)``, BEGAN's U[-1, 1]^h
    or BigGAN's N(0, I), images from ``trainer.sample(z=...)``), drawn with a fixed seed, optionally
    truncated at ``truncation`` (BigGAN's trick, ``ganviz.latent.truncate`` on the run's own latent
    distribution: a threshold of 1 leaves the uniform cube alone, not the normal).

    With ``measured`` (about half a second more for n = 500 on one core), also ``MEASURES`` of
    ``ganviz.metrics.image_quality.measure_images`` against the 898 digits of real half A (None for
    n <= k = 5) and ``digit_fid_floor``, the digit FID of n real digits of half B against the same
    898 (``real_floor``; None above n = 898, where no n held-out real digits exist); ``judge``'s own
    numbers are the same either way.
    """
    gen = torch.Generator().manual_seed(seed)
    z = trainer.latent(n, gen)
    if truncation is not None:
        z = truncate(z, truncation, gen=gen, dist=trainer.config.latent_dist)
    images = trainer.sample(z=z)
    if not measured:
        return judge(images, classifier)
    from ganviz.metrics import image_quality as iq  # here: image_quality builds on judge

    if n <= iq.K:
        return {**judge(images, classifier), **dict.fromkeys(MEASURES), "digit_fid_floor": None}
    out = iq.measure_images(images, classifier)
    out["digit_fid_floor"] = iq.real_floor(classifier, n, size=images.shape[-1])["digit_fid"] if n <= iq.HALF else None
    return out


def truncation_curve(trainer, classifier, thresholds=(0.2, 0.4, 0.6, 0.8, 1.0), n: int = 500,
                     seed: int = 0, measured: bool = True) -> list[dict]:
    """``judge_generator`` at each truncation threshold (1.0 = the untruncated U[-1, 1] latent; a
    normal latent's trade-off with precision and recall is ``ganviz.metrics.truncation``)."""
    return [{"threshold": t, **judge_generator(trainer, classifier, n, seed, truncation=t, measured=measured)}
            for t in thresholds]
