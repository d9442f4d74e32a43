"""The shipped image runs on 16 x 16 digits (checkpoints/image_*, checkpoints/README.md): each opens
with the checkpoint loader, is small, and its recorded command asks today's command line for the
very config it was trained with; the default's samples hold the digits the README says."""

import shlex

import pytest

from ganviz.__main__ import build_parser
from ganviz.cli.image import config_for
from ganviz.metrics.quality import judge_generator
from ganviz.training import checkpoint, shipped
from ganviz.training.classifier import load_classifier

FOUND = shipped.shipped_images(shipped.CHECKPOINTS)


@pytest.fixture(scope="module")
def runs():
    return {name: (checkpoint.load(path), checkpoint.read(path, ("image",), "a test").recipe)
            for name, path in FOUND.items()}


def test_every_headline_run_is_shipped_and_small():
    assert sorted(FOUND) == ["default", "hinge", "nsgan", "wgan-gp"]
    for path in FOUND.values():
        assert path.stat().st_size < 4 * 2**20 and path.with_suffix(".json").is_file()


@pytest.mark.parametrize("name", ["default", "nsgan", "wgan-gp", "hinge"])
def test_the_recorded_command_asks_for_the_shipped_config(runs, name):
    trainer, recipe = runs[name]
    words = shlex.split(recipe["command"])
    assert words[:4] == ["python", "-m", "ganviz", "image"]
    args = build_parser().parse_args(words[3:])
    assert args.objective == (None if name == "default" else name) and args.steps == trainer.step_count
    assert config_for(args).resolved() == trainer.config
    assert trainer.config.dataset == "digits" and trainer.config.image_size == 16 and trainer.config.arch == "dcgan"


def test_the_runs_differ_where_their_names_say(runs):
    c = {name: runs[name][0].config for name in runs}
    assert c["default"].g_ema == 0.99 and c["nsgan"].g_ema == 0  # DCGAN as published: no EMA of G
    assert c["hinge"].spectral_norm and not c["default"].spectral_norm
    assert c["wgan-gp"].n_critic == 5


def test_the_default_draws_every_digit_confidently(runs):
    # 500 samples from fixed codes (seed 0), read by the shipped digit classifier
    verdict = judge_generator(runs["default"][0], load_classifier(shipped.CLASSIFIER_PATH), 500, 0, measured=False)
    assert verdict["classes_present"] >= 9 and verdict["quality"] >= 0.8
