#!/usr/bin/env python3
"""Generate the roam v7 C header and reference doc from schema/*.yaml: the
command line of roam_codegen.cli (`gen.py --help` says more)."""

import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from roam_codegen.cli import (header_paths, load_schema, main,  # noqa: E402,F401
                              readme_update)

if __name__ == "__main__":
    # A run is short and its input bounded (loader.py's limits): the cyclic
    # garbage collector, which would walk every object of the imported
    # libraries several times over, has nothing worth its time to free.
    gc.disable()
    sys.exit(main())
