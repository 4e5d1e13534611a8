"""`depthsep` on the command line: the parser is built from the table of commands in
:mod:`.commands`; each command calls its function of :mod:`depthsep.api` with the options given and
prints the result as a table, or as JSON with `--json`.

Bad input of any kind ends with exit status 2 and one line on stderr — argparse's own complaints
included (its usage dump is replaced by a one-line message).
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..errors import DepthsepError
from ..text import to_json
from .commands import COMMANDS, Command


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises DepthsepError (one line) instead of printing usage."""

    def error(self, message):
        raise DepthsepError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="depthsep", description="How deep is deep enough? Neuron counts, explicit networks "
                                                  "and depth-separation experiments. Every command: --help.")
    parser.add_argument("--version", action="version", version=f"depthsep {__version__}")
    groups: dict[tuple[str, ...], argparse._SubParsersAction] = {}

    def subparsers(path: tuple[str, ...], parent: argparse.ArgumentParser):
        if path not in groups:
            groups[path] = parent.add_subparsers(dest="_".join(("command",) + path), metavar="COMMAND" if not path else "ACTION",
                                                 parser_class=_Parser, required=True)
        return groups[path]

    parents: dict[tuple[str, ...], argparse.ArgumentParser] = {(): parser}
    for command in COMMANDS:
        for depth in range(1, len(command.path)):
            head = command.path[:depth]
            if head not in parents:
                parents[head] = subparsers(head[:-1], parents[head[:-1]]).add_parser(
                    head[-1], help=_group_help(head), description=_group_help(head))
        p = subparsers(command.path[:-1], parents[command.path[:-1]]).add_parser(
            command.path[-1], help=command.help, description=command.description or command.help)
        p.set_defaults(_command=command)
        if command.json:
            p.add_argument("--json", action="store_true", dest="_json", help="print JSON instead of a table")
        for a in command.args:
            kwargs = dict(a.kwargs)
            if a.flags[0].startswith("-"):
                kwargs.setdefault("default", None)
            p.add_argument(*a.flags, **kwargs)
    return parser


def _group_help(path: tuple[str, ...]) -> str:
    words = " ".join(path)
    actions = ", ".join(c.path[len(path)] for c in COMMANDS if c.path[:len(path)] == path)
    return f"{words}: {actions}"


def options(args: argparse.Namespace) -> dict:
    """The API keywords of a parsed command line: every option the user set (unset ones are not
    passed, so the API's defaults, stated once, apply)."""
    return {k: v for k, v in vars(args).items() if not k.startswith(("_", "command")) and v is not None}


def run(command: Command, kwargs: dict):
    from .. import api

    return getattr(api, command.api)(**kwargs)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        command: Command = args._command
        result = run(command, options(args))
        if getattr(args, "_json", False):
            print(to_json(result))
        elif command.render is not None:
            text = command.render(result, **{k: getattr(args, k, None) for k in command.render_with})
            if text:
                print(text)
        return 0
    except DepthsepError as err:
        print(f"depthsep: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("depthsep: interrupted; finished work is kept — run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `depthsep ... | head` closing the pipe early is not an error
        return 0
    except Exception as err:  # a bug, not a bad input: still one line unless debugging
        if os.environ.get("DEPTHSEP_DEBUG"):
            raise
        print(f"depthsep: internal error: {type(err).__name__}: {err} (set DEPTHSEP_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


__all__ = ["build_parser", "main"]
