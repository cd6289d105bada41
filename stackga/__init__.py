"""stackga: Stackelberg pricing games solved by a GA over exact, batched follower responses.

    import stackga, cases.island
    result = stackga.solve(cases.island.build(scenario=4), stackga.GAConfig(seed=1))
"""
from .config import GAConfig
from .game import Evaluation, Game, LeaderOutcome
from .result import Result
from .solve import result_at, solve

__version__ = "0.1.0"
__all__ = ["GAConfig", "Evaluation", "Game", "LeaderOutcome", "Result", "result_at", "solve"]
