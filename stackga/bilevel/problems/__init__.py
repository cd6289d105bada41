"""The published bilevel problem library (LP/QP and MILP followers) with their reported optima, as :class:`~stackga.bilevel.Bilevel` games."""
