"""Bilevel games from matrices (``Bilevel``, ``Follower``): solved by the GA over batched
exact followers, and by an exact reference where one can be had."""
from .exact import ExactResult, solve_exact
from .game import state_matrix_form, to_game
from .improve import Improvement, improve
from .model import Bilevel, Follower
from .response import MatrixFollower
from .solve import BilevelResult, solve_bilevel

__all__ = ["Bilevel", "BilevelResult", "ExactResult", "Follower", "Improvement", "MatrixFollower", "improve", "solve_bilevel",
           "solve_exact", "state_matrix_form", "to_game"]
