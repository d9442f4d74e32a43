"""Training the digit classifier, and its checkpoint (kind "classifier" of ``ganviz.training.checkpoint``).

The classifier (``ganviz.nets.classifier.DigitClassifier``) is the judge of the gamma sweep and
the Latent page (``ganviz.metrics.quality.judge``). It trains on 80% of scikit-learn's digits,
each batch shifted at random by up to size / 16 pixels (``ganviz.data.augment``), and is tested on
the other 20%. ``python -m ganviz classifier`` trains the shipped one (checkpoints/README.md).

Example:
    >>> net, info = train_classifier(steps=1)
    >>> info["train_images"], info["test_images"]
    (1438, 359)
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from ganviz.data.augment import random_shift
from ganviz.data.images import load_images
from ganviz.nets.classifier import DigitClassifier
from ganviz.training import checkpoint
from ganviz.training.checkpoint import CheckpointError, load_weights

KIND = "classifier"  # its kind in ganviz's checkpoint format


def train_classifier(size: int = 16, steps: int = 2000, seed: int = 0, batch: int = 64,
                     progress=None) -> tuple[DigitClassifier, dict]:
    """Train ``DigitClassifier`` on 80% of the digits (random 1-pixel shifts), test on the rest.

    Returns the net and {"train_images", "test_images", "test_accuracy"}.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    data = load_images("digits", size)
    perm = torch.randperm(len(data), generator=gen)
    n_test = len(data) // 5
    test, train = perm[:n_test], perm[n_test:]
    x, y = data.images[train], data.labels[train]
    net = DigitClassifier(size=size)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    max_shift = max(1, size // 16)
    for i in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        loss = F.cross_entropy(net(random_shift(x[idx], gen, max_shift)), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if progress is not None and ((i + 1) % 50 == 0 or i + 1 == steps):
            progress(i + 1, steps)
    probs = net.probabilities(data.images[test])
    acc = float((probs.argmax(1) == data.labels[test]).float().mean())
    return net, {"train_images": len(train), "test_images": n_test, "test_accuracy": round(acc, 4)}


def save_classifier(net: DigitClassifier, path: str | Path, info: dict, command: str | None = None) -> Path:
    """Write the classifier (.safetensors + .json recipe with ``info`` and the command) atomically."""
    tensors = {f"net.{k}": v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    recipe = {"size": net.size, "classes": net.classes, **info, "command": command}
    return checkpoint.write(path, tensors, recipe, KIND)


def load_classifier(path: str | Path) -> DigitClassifier:
    """The digit classifier saved at ``path``, in eval mode (CheckpointError for a missing or damaged file)."""
    _, recipe, tensors = checkpoint.read(path, (KIND,), "the classifier's loader")
    try:
        net = DigitClassifier(size=int(recipe["size"]), classes=int(recipe["classes"]))
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint's recipe is damaged: {e}") from None
    load_weights(net, tensors, "net")
    return net.eval()
