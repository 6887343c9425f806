"""``python -m tests.fakes.upstream``: serve until SIGINT/SIGTERM (see ``server.main``)."""

import sys

from tests.fakes.upstream.server import main

sys.exit(main())
