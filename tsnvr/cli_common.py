"""Options every `tsnvr` command accepts, wherever on the line they stand."""

import argparse

common = argparse.ArgumentParser(add_help=False)
common.add_argument("--data", default=argparse.SUPPRESS, help="data directory (default ./storage, or $TSNVR_DATA)")
