import sys

from govctl.cli import main

sys.exit(main())
