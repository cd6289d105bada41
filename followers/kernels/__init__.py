"""Compiled (numba) solvers, one module per model they serve, all under one numba configuration (:mod:`.jit`); their numpy references live with the models."""
