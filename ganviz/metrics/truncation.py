"""BigGAN's fidelity / variety trade-off, measured (Brock, Donahue & Simonyan 2019, Sec. 3.1 and Fig. 2).

At each threshold t the same n codes z ~ N(0, I) (seed ``seed``) have every component with
|z_i| > t redrawn (``ganviz.latent.truncate``; t = inf leaves them alone), are generated, and are
judged with our digit classifier:

- precision and recall (Kynkäänniemi et al. 2019, k = 5, ``ganviz.metrics.image_quality``): against
  the 898 real digits of half A, or, for one class K, against the real digits of class K;
- mean confidence: (1/n) sum_i max_y p(y | x_i);
- class agreement: the fraction of samples the classifier reads as the class they were drawn for:
  K for one class, else each sample's own class, 0, 1, ..., 9, 0, 1, ... (every class alike), with
  the agreement per class.

Lower thresholds should raise precision and confidence and lower recall. An unconditional run (its
latent normal or uniform) is judged the same way, without classes. The command line
(``python -m ganviz truncation``) and the Latent page print these numbers.

Example:
    >>> from ganviz.training.checkpoint import load
    >>> from ganviz.training.classifier import load_classifier
    >>> from ganviz.training.shipped import CHECKPOINTS, classifier_path
    >>> trainer, classifier = load(CHECKPOINTS / "biggan_digits.safetensors"), load_classifier(classifier_path())
    >>> tight, off = truncation_report(trainer, classifier, [0.5, float("inf")], n=60)["thresholds"]
    >>> tight["recall"] < off["recall"], tight["class_agreement"]
    (True, 1.0)
"""

from __future__ import annotations

import torch

from ganviz.data.images import resize
from ganviz.latent import truncate
from ganviz.metrics.image_quality import K, measure_images


def truncation_report(trainer, classifier, thresholds, n: int = 500, klass: int | None = None, seed: int = 0) -> dict:
    """The module docstring's numbers at each threshold (t > 0, inf for none), one row each, for
    class ``klass`` or every class in turn. ValueError with one line for a run not on digits, too
    few samples, or a class the run does not have."""
    c = trainer.config
    if c.dataset != "digits":
        raise ValueError(f"the digit classifier judges runs on the digits; this run trained on {c.dataset}")
    if n <= K:
        raise ValueError(f"judging needs more than {K} samples (precision and recall use the {K} nearest neighbours)")
    if klass is not None and not 0 <= klass < trainer.n_classes:
        raise ValueError(f"class {klass} is not one of the run's classes "
                         f"({f'0 to {trainer.n_classes - 1}' if trainer.n_classes else 'it is unconditional'})")
    y = trainer.classes(n, klass)
    reference, described = None, "the 898 real digits of half A"
    if klass is not None:
        real = trainer.data.images[trainer.data.labels == klass]
        reference, described = classifier.embed(resize(real, 16)), f"the {len(real)} real digits of class {klass}"
    rows = []
    for t in thresholds:
        gen = torch.Generator().manual_seed(seed)  # the same codes at every threshold, truncated differently
        z = truncate(trainer.latent(n, gen), t, gen=gen, dist=c.latent_dist)
        images = resize(trainer.sample(z=z, y=y), 16)
        m = measure_images(images, classifier, reference)
        row = {"threshold": t, "precision": m["precision"], "recall": m["recall"], "mean_confidence": m["quality"],
               "class_agreement": None, "density": m["density"], "coverage": m["coverage"],
               "digit_fid": m["digit_fid"], "classes_present": m["classes_present"]}
        if y is not None:
            hit = (classifier.probabilities(images).argmax(1) == y.cpu()).float()
            row["class_agreement"] = round(float(hit.mean()), 4)
            if klass is None:
                row["class_agreement_by_class"] = [round(float(hit[y.cpu() == k].mean()), 4)
                                                   for k in range(trainer.n_classes)]
        rows.append(row)
    return {"arch": c.arch, "steps": trainer.step_count, "samples": n, "seed": seed, "class": klass,
            "latent": c.latent_dist, "reference": described, "thresholds": rows}
