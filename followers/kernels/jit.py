"""The one numba configuration every compiled kernel uses.

``cache=True``: compiled once per machine and loaded from numba's cache by later processes
(and pool workers); ``nogil=True``: a kernel releases the GIL, so a batch's rows run on
threads (:mod:`stackga.followers.parallel.threads`); ``error_model="numpy"``: a division
is compiled without numba's divide-by-zero check (which raises as Python would), so the
kernels' inner loops divide at hardware speed (the eva clusters' kernel about 30 % faster,
the same answers bit for bit, measured on a run's captured inputs); a kernel's divisors are
guarded where they could vanish, and a NaN or infinity fails its answer checks.
numba's cache is keyed on a kernel's source file, not on these options: after changing
them, delete the compiled caches (``*.nbi``/``*.nbc`` under ``followers/kernels/__pycache__``)
or the kernels keep the old compilation (a fresh install always compiles afresh).
"""
import numpy as np

JIT = dict(cache=True, nogil=True, error_model="numpy")

__all__ = ["JIT", "kernel_array"]


def kernel_array(a, dtype=np.float64) -> np.ndarray:
    """``a`` as a C-contiguous, writable array of ``dtype`` (copied only where it is not):
    numba compiles a kernel once per combination of its arguments' layouts and
    read-only flags, so callers that pass every array this way share one compiled
    signature (and the warm-up's), instead of compiling another for each broadcast or
    read-only view they happen to hold."""
    return np.require(a, dtype, ["C", "W"])
