"""Measured quality and diversity of generated images on the digit classifier's features.

All measures live in the classifier's penultimate layer phi (``DigitClassifier.features``, 1,024
numbers per image), the role Inception-v3's pool layer plays for FID. They are *digit* measures:
the numbers are not comparable with published Inception FIDs, so each comes with its floor between
two halves of the real digits (``real_floor``).

- digit FID (Fréchet distance of Gaussians fitted to the features, Heusel et al. 2017, "GANs trained
  by a two time-scale update rule converge to a local Nash equilibrium"):
  FD = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)),
  with Tr (S_a S_b)^(1/2) = sum_i sqrt(lambda_i) over the eigenvalues of the symmetric
  S_a^(1/2) S_b S_a^(1/2) (the same spectrum as S_a S_b), which stays real and stable where
  S_a or S_b is singular (our 1,024 dimensions exceed the 898 real images of a half); see
  ``frechet_distance`` for how it is computed.
- improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall metric
  for assessing generative models"): r_i = distance from real feature x_i to its k-th nearest real
  neighbour (itself excluded), s_j the same among the fakes y_j;
  precision = (1/N) sum_j 1[exists i: ||y_j - x_i|| < r_i], recall = (1/M) sum_i 1[exists j:
  ||x_i - y_j|| < s_j].
- density and coverage (Naeem et al. 2020, "Reliable fidelity and diversity metrics for generative
  models"): density = (1/(k N)) sum_j #{i : ||y_j - x_i|| < r_i}, coverage = (1/M) sum_i
  1[exists j: ||y_j - x_i|| < r_i].

k = 5 throughout (Naeem et al.'s choice and the ``prdc`` README's; Kynkäänniemi et al. used k = 3).
``prdc`` here is ours, in float64 and in chunks (26,000 fakes fit in memory);
tests/test_image_quality.py checks it equal to the authors' package (``prdc`` 0.2, which prints a
line on every call and asks for 8 jobs, and so stays out of the library: a test requirement).

Sample sizes. The 1,797 scikit-learn digits are split once (seed 0) into two disjoint halves of
898 images: half A is the reference every measure compares against, half B the real "generator" of
the floor. FID is biased upwards at small n (its covariance estimates are noisy) and precision /
recall / coverage move with n too, so a measure of n fakes is read against ``real_floor(n=n)``,
n real images of half B against the same 898 of half A (n <= 898;
``ganviz.metrics.quality.judge_generator`` uses the same n for both and reports the floor's digit
FID beside the measure).

With the shipped classifier (16x16): the floor at n = 898 is digit FID 56.5, precision 0.961,
recall 0.941, density 1.001, coverage 0.970; at n = 500 digit FID 78.2. 898 copies of one real
digit score digit FID 3,221, precision 1, recall 0, density 0.6, coverage 0.003; the shipped BEGANs
(n = 500) 2,836 (gamma 0.3, one digit), 1,111 (0.5) and 655 (0.7).

Example (identical feature sets: distance 0, every ball holds its own copy):
    >>> x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    >>> round(frechet_distance(x, x), 9)
    0.0
    >>> prdc(x, x, k=5)
    {'precision': 1.0, 'recall': 1.0, 'density': 1.0, 'coverage': 1.0}
"""

from __future__ import annotations

import hashlib

import torch

from ganviz.data.images import load_images
from ganviz.metrics.quality import judge

K = 5
HALF = 898  # 1,797 digits -> two disjoint halves of 898 (one image left out)
SPLIT_SEED = 0
_CHUNK = 2048  # fakes per block of the distance computations: (M + chunk) x chunk float64 at a time
_CACHE: dict[tuple, object] = {}
_CACHE_MAX = 32


def _as_float64(feat) -> torch.Tensor:
    x = torch.as_tensor(feat).detach().cpu()
    if x.ndim != 2:
        raise ValueError(f"features must be (N, d), got shape {tuple(x.shape)}")
    return x.double()


def _sqrtm_psd(s: torch.Tensor) -> torch.Tensor:
    """S^(1/2) of a symmetric positive semi-definite matrix (rounding's negative eigenvalues -> 0)."""
    w, v = torch.linalg.eigh(s)
    return (v * w.clamp_min(0).sqrt()) @ v.T


def frechet_distance(feat_a, feat_b) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) of Gaussians fitted to two sets of rows.

    mu, S: the sample mean and covariance (divisor n - 1, as pytorch-fid's ``np.cov``) of each (n, d)
    set, in float64. The cross term Tr (S_a S_b)^(1/2) is the sum of the singular values (nuclear
    norm) of S_a^(1/2) S_b^(1/2), or equally, with A, B the centred rows (S_a = A^T A / (n_a - 1)),
    of A B^T / sqrt((n_a - 1)(n_b - 1)): the squared singular values of either are the eigenvalues of
    S_a^(1/2) S_b S_a^(1/2), real and >= 0 even where S_a or S_b is singular. The smaller of the
    two matrices is used (A B^T, 898 x n, for our 1,024 features). Rounding can leave a tiny
    negative for identical sets; the result is clipped at 0 (it is a squared distance).
    Heusel et al. 2017, eq. (6).

    In 1-D, FD = (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2:
        >>> a, b = torch.tensor([[0.], [2.]]), torch.tensor([[4.], [8.]])  # sigma^2 = 2 and 8
        >>> round(frechet_distance(a, b), 6)  # (1 - 6)^2 + (sqrt 2 - sqrt 8)^2 = 25 + 2
        27.0
    """
    a, b = _as_float64(feat_a), _as_float64(feat_b)
    (n_a, d), n_b = a.shape, len(b)
    if b.shape[1] != d or n_a < 2 or n_b < 2:
        raise ValueError(f"need two sets of at least 2 rows of one width, got {tuple(a.shape)} and {tuple(b.shape)}")
    mu = a.mean(0) - b.mean(0)
    ca, cb = a - a.mean(0), b - b.mean(0)
    trace_a, trace_b = (ca * ca).sum() / (n_a - 1), (cb * cb).sum() / (n_b - 1)
    if min(n_a, n_b) <= d:
        cross = torch.linalg.svdvals(ca @ cb.T).sum() / ((n_a - 1) * (n_b - 1)) ** 0.5
    else:
        root_a, root_b = _sqrtm_psd(ca.T @ ca / (n_a - 1)), _sqrtm_psd(cb.T @ cb / (n_b - 1))
        cross = torch.linalg.svdvals(root_a @ root_b).sum()
    return max(float(mu @ mu + trace_a + trace_b - 2 * cross), 0.0)


def _sq_dist(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # Squared distances by |x|^2 + |y|^2 - 2 x.y in float64: comparing squares against squared radii
    # decides every "inside the ball" exactly as the distances would, without sqrt's amplification
    # of the cancellation error near 0 (a point's distance to its own copy stays ~1e-13, not ~1e-7).
    return ((x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2 * x @ y.T).clamp_min_(0)


def _kth_radius_sq(x: torch.Tensor, k: int) -> torch.Tensor:
    """Squared distance from each row to its k-th nearest other row (the row itself is the 1st)."""
    if len(x) <= k:
        raise ValueError(f"need more than k = {k} rows for k-nearest-neighbour balls, got {len(x)}")
    return torch.cat([torch.kthvalue(_sq_dist(x[i:i + _CHUNK], x), k + 1, dim=1).values
                      for i in range(0, len(x), _CHUNK)])


def prdc(real_feat, fake_feat, k: int = K) -> dict:
    """Precision, recall (Kynkäänniemi et al. 2019) and density, coverage (Naeem et al. 2020).

    Balls are open (strict <) and a point's k-th neighbour excludes itself, as in the ``prdc``
    package (``prdc.compute_prdc(real, fake, nearest_k=k)``, which this equals; see the module
    docstring for the formulas). M real rows, N fake rows, each more than k.

    One fake on top of a real point, one far away; the real balls have radius 1 (k = 1), so only
    the first fake lies in one (precision 1/2, density 1 / (1 * 2)) and it covers 1 of the 3 balls;
    the fakes' own balls reach each other (radius 9 sqrt 2) and so swallow every real point
    (recall 1: one outlying fake inflates recall, the weakness density and coverage were made for):
        >>> real = torch.tensor([[0., 0.], [1., 0.], [0., 1.]])
        >>> fake = torch.tensor([[0., 0.], [9., 9.]])
        >>> prdc(real, fake, k=1)
        {'precision': 0.5, 'recall': 1.0, 'density': 0.5, 'coverage': 0.3333333333333333}
    """
    x, y = _as_float64(real_feat), _as_float64(fake_feat)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"real and fake features differ in width: {x.shape[1]} and {y.shape[1]}")
    r2, s2 = _kth_radius_sq(x, k), _kth_radius_sq(y, k)
    inside_fake = 0  # over fakes: 1[some real ball holds y_j]
    held = 0  # sum over fakes of the number of real balls holding y_j
    covered = torch.zeros(len(x), dtype=torch.bool)  # real ball i holds some fake
    recalled = torch.zeros(len(x), dtype=torch.bool)  # x_i lies in some fake ball
    for j in range(0, len(y), _CHUNK):
        d2 = _sq_dist(x, y[j:j + _CHUNK])  # (M, chunk)
        in_real = d2 < r2[:, None]
        inside_fake += int(in_real.any(0).sum())
        held += int(in_real.sum())
        covered |= in_real.any(1)
        recalled |= (d2 < s2[None, j:j + _CHUNK]).any(1)
    n = len(y)
    return {"precision": inside_fake / n, "recall": float(recalled.double().mean()),
            "density": held / (k * n), "coverage": float(covered.double().mean())}


def _fingerprint(*tensors: torch.Tensor) -> str:
    h = hashlib.blake2b(digest_size=16)
    for t in tensors:
        t = t.detach().cpu().contiguous()
        h.update(str((t.dtype, tuple(t.shape))).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _cached(key: tuple, compute):
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = compute()
    return _CACHE[key]


def _classifier_key(classifier) -> str:
    # The weights, not the object: a classifier retrained in place must not read a stale reference.
    return _fingerprint(*classifier.state_dict().values())


def real_halves(size: int = 16, real_images: torch.Tensor | None = None, seed: int = SPLIT_SEED):
    """Two disjoint halves (A, B) of the real images, ``HALF`` = 898 each by default.

    A fixed permutation (``seed``) of the 1,797 digits loaded at ``size`` (or of ``real_images``:
    floor(N / 2) each): A is the reference, B the real stand-in for a generator.

        >>> a, b = real_halves(16)
        >>> tuple(a.shape), tuple(b.shape)
        ((898, 1, 16, 16), (898, 1, 16, 16))
    """
    images = load_images("digits", size).images if real_images is None else real_images
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    half = len(images) // 2
    return images[perm[:half]], images[perm[half:2 * half]]


def _half_features(classifier, size, real_images, seed) -> tuple[tuple, tuple[torch.Tensor, torch.Tensor]]:
    # The real digits are loaded at the generator's image size and then go through the classifier's
    # own resize, exactly as the fakes do: a 32x32 fake is judged against 32x32 digits, not 16x16 ones.
    size = classifier.size if size is None else size
    key = (_classifier_key(classifier), "digits" if real_images is None else _fingerprint(real_images), size, seed)
    return key, _cached(("halves", *key),
                        lambda: tuple(classifier.embed(h) for h in real_halves(size, real_images, seed)))


def reference_features(classifier, size: int | None = None, real_images: torch.Tensor | None = None,
                       seed: int = SPLIT_SEED) -> torch.Tensor:
    """phi of real half A (the 898 digits loaded at ``size``, default the classifier's): what
    ``measure_images`` compares with. Cached in memory per classifier weights, data, size and seed.

        >>> from ganviz.nets.classifier import DigitClassifier
        >>> tuple(reference_features(DigitClassifier(size=16)).shape)
        (898, 1024)
    """
    return _half_features(classifier, size, real_images, seed)[1][0]


def _measures(real_feat: torch.Tensor, fake_feat: torch.Tensor, k: int) -> dict:
    return {"digit_fid": round(frechet_distance(real_feat, fake_feat), 4),
            **{name: round(v, 4) for name, v in prdc(real_feat, fake_feat, k).items()},
            "n": len(fake_feat), "n_real": len(real_feat), "k": k}


def real_floor(classifier, n: int | None = None, k: int = K, size: int | None = None,
               real_images: torch.Tensor | None = None, seed: int = SPLIT_SEED) -> dict:
    """digit FID, precision, recall, density, coverage of the first n real images of half B against
    the 898 of half A (``_measures`` keys: also n, n_real, k).

    What a perfect generator of n samples would score (by default n = 898). Compare a measure of n
    fakes with the floor at the same n: FID's bias grows as n shrinks. Computed once per (classifier
    weights, data, size, seed, n, k) and cached in memory.

        >>> from ganviz.nets.classifier import DigitClassifier
        >>> floor = real_floor(DigitClassifier(size=16), n=100)
        >>> floor["n"], floor["n_real"], floor["k"], sorted(floor)[:3]
        (100, 898, 5, ['coverage', 'density', 'digit_fid'])
    """
    key, (ref, other) = _half_features(classifier, size, real_images, seed)
    n = len(other) if n is None else n
    if not k < n <= len(other):
        raise ValueError(f"the floor needs {k} < n <= {len(other)} real images of the second half, got n = {n}")
    return dict(_cached(("floor", *key, n, k), lambda: _measures(ref, other[:n], k)))


def measure_images(images: torch.Tensor, classifier, real_reference_features=None, k: int = K) -> dict:
    """``judge``'s numbers (quality = mean confidence, class entropy, pairwise distance, classes
    present, class shares) and digit_fid, precision, recall, density, coverage of ``images`` (N, C,
    S, S) in [-1, 1], N > k, against ``real_reference_features`` (default: ``reference_features``
    at the images' size, the 898 digits of half A), with n = N and n_real = M. Read them against
    ``real_floor(classifier, n=N, size=S)``.

        >>> from ganviz.nets.classifier import DigitClassifier
        >>> net = DigitClassifier(size=16)
        >>> m = measure_images(real_halves(16)[1][:50], net)
        >>> m["n"], m["n_real"], {"digit_fid", "precision", "coverage", "class_entropy"} <= set(m)
        (50, 898, True)
    """
    ref = (reference_features(classifier, images.shape[-1]) if real_reference_features is None
           else _as_float64(real_reference_features))
    return {**judge(images, classifier), **_measures(ref, classifier.embed(images), k)}
