import sys

from tsnvr.cli import main

sys.exit(main())
