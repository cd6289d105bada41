"""The one numba configuration every compiled kernel uses.

``cache=True``: compiled once per machine and loaded from numba's cache by later processes
(and pool workers); ``nogil=True``: a kernel releases the GIL, so a batch's rows run on
threads (:mod:`stackga.followers.parallel.threads`).
"""
JIT = dict(cache=True, nogil=True)

__all__ = ["JIT"]
