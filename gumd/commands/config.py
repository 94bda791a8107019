"""`gumd config reference`: the configuration reference, generated from the settings' declarations."""

from __future__ import annotations

import argparse

from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="the settings gumd reads")
    commands = p.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    r = commands.add_parser("reference", help="print every setting with its default, allowed values and meaning "
                                              "(Markdown: docs/configuration.md)")
    r.set_defaults(func=reference)


def reference(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.settings import reference as markdown

    print(markdown(), end="")
    return 0
