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
# the tests' own Python processes (`python -m stackga`, `python -c`, Dask's workers) import
# the installed package, the one under test, whose kernels the pre-warm below compiled:
# run from the repository's root, Python would put the root first on their sys.path and
# load the source tree instead, compiling every kernel again into its own cache (the
# warm-up test alone took 69 s of CI's suite that way, 5 s this way). Python >= 3.11.
os.environ.setdefault("PYTHONSAFEPATH", "1")
# checkpoints are signed with a per-user key: the tests (and the runs they start) use
# their own, not the user's ~/.config/stackga
if "STACKGA_KEY_DIR" not in os.environ:
    import tempfile
    os.environ["STACKGA_KEY_DIR"] = tempfile.mkdtemp(prefix="stackga-test-key-")


def pytest_configure(config):
    """Before pytest-xdist starts its workers, compile the numba kernels into their cache in
    two processes at once (``stackga.followers.warmup``'s parts, split about evenly by
    compile time), so that the workers load them instead of each compiling them again.
    ``STACKGA_TEST_PREWARM=0`` turns it off. Measured on CI's path (clean clone, fresh
    non-editable install, ``.ci/run``, back to back on a 2-core machine): pytest 243 s with
    it against 351 s without (the whole of ``.ci/run`` 354 s against 435 s). Before each
    kernel had one compiled signature, the warm-up compiled other variants than the tests
    used and the suite took longer with it. A failure here only means the tests compile
    as they go."""
    import subprocess

    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None) \
            or os.environ.get("STACKGA_TEST_PREWARM", "1") == "0" \
            or config.getoption("collectonly", False):
        return                              # a worker, no xdist, turned off, or collecting only
    import tempfile

    groups = (["microgrid", "matrix"], ["storage", "fleet", "units", "clusters"])
    # from a neutral folder: `python -m` puts its folder first on sys.path, and from the
    # repository's top that is the source tree, not the package the tests import
    procs = [subprocess.Popen([sys.executable, "-m", "stackga.followers.warmup", *g],
                              cwd=tempfile.gettempdir()) for g in groups]
    for p in procs:
        try:
            p.wait(timeout=900)
        except subprocess.TimeoutExpired:   # never block the suite: it compiles as it goes
            p.kill()
