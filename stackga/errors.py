"""The library's error for bad input.

:class:`InputError` is raised wherever a user's input is refused (a wrong shape, NaN or
inf in data, a probability outside [0, 1], an unknown case or scenario, an infeasible
configuration); its message names the field and the value. It is a ``ValueError``, so
``except ValueError`` still catches it. The command line exits with code 2 for it and
only for it: any other exception is a bug and shows its traceback.
"""
from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input; the message names the field and the value."""
