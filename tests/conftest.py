import os
import sys

# the independent oracles live beside the tests
sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("MPLBACKEND", "Agg")
# one BLAS thread per process: the suite runs one test process per core (pytest-xdist), and
# BLAS threads on top of them only contend (about 7 % of the suite's CPU time, measured);
# set before numpy loads, and inherited by the processes the tests start
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# checkpoints are signed with a per-user key: the tests (and the runs they start) use
# their own, not the user's ~/.config/stackga
if "STACKGA_KEY_DIR" not in os.environ:
    import tempfile
    os.environ["STACKGA_KEY_DIR"] = tempfile.mkdtemp(prefix="stackga-test-key-")
