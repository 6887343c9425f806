"""`python -m aig_cli`: the same as the `aig` console script."""

from aig_cli.main import main

main()
