"""`python -m silasidakep.nameko_cli run ...`: nameko's CLI minus eventlet's import warning."""

import sys

from nameko.cli.main import main

import silasidakep  # noqa: F401  (installs the warning filter)

if __name__ == "__main__":
    sys.exit(main())
