import sys

from digitlab.gui.app import main

sys.exit(main())
