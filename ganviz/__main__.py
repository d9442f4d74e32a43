"""The command line: ``python -m ganviz COMMAND ...`` (``--help`` lists the commands).

Each command lives in ``ganviz/cli/<name>.py`` with ``register(subparsers)``; a bad name or value
exits with status 2 and one line that says what is allowed.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Command modules, in the order --help lists them.
COMMANDS = ["train", "modes", "sweep", "image", "stacked", "began", "gamma-sweep", "classifier", "divergence",
            "spectra", "convert-checkpoint", "attention", "truncation"]


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse's default prints the usage too)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m ganviz", description="ganviz: train small GANs and measure them.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"ganviz.cli.{name.replace('-', '_')}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ganviz.training.trainer import claim_process

    claim_process(1)  # every command trains or judges in this process (a run's own threads: train_until)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
