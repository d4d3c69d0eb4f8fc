import sys

from studio.cli import main

# Guarded: the export's spawned child process imports this module again, and must not start a
# second studio.
if __name__ == "__main__":
    sys.exit(main())
