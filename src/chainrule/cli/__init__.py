"""The `chainrule` command: `chainrule train`, `chainrule demo` and `chainrule viz` (also `python -m chainrule`)."""
import argparse
import sys

from .. import __version__
from . import demo, train, viz


class OneLineErrors(argparse.ArgumentParser):
    """Bad options get one line on stderr (and exit status 2), not a usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = OneLineErrors(
        prog="chainrule",
        description="chainrule: neural networks on NumPy, built around backpropagation.",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    train.add_parser(commands)
    demo.add_parser(commands)
    viz.add_parser(commands)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
