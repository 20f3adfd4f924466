"""Printing's admin commands: the development signing CA."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.printing.documents.devca import ensure_dev_pki


def _dev_ca(args: argparse.Namespace) -> int:
    files = ensure_dev_pki(Path(args.directory))
    print(f"development CA: {files.ca_file}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    dev_ca = commands.add_parser("dev-ca", help="create the development signing CA if missing")
    dev_ca.add_argument("directory", nargs="?", default="var/pki")
    dev_ca.set_defaults(run=_dev_ca)
