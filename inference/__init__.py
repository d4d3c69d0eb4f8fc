"""Qt-free core of Avatar Studio: face analysis, audio, motion, rendering and export.

Nothing under this package may import PySide6 or `studio`; tests/test_layering.py enforces it.
"""

import os
import sys

# Every matrix product here is small (a frame's ~700 vertices). OpenBLAS's worker threads spin in
# sched_yield between such products and took a core from the software rasteriser: 7 s of system
# time in a 25 s export. One BLAS thread is faster for all of them. The variable only acts before
# numpy loads OpenBLAS; threadpoolctl covers a numpy someone imported first.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "numpy" in sys.modules and os.environ["OPENBLAS_NUM_THREADS"] == "1":
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
