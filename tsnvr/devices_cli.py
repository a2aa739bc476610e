"""`tsnvr device ...` and `tsnvr parking ...` (being written)."""

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    return None
