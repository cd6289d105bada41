"""stackga: Stackelberg pricing games solved by a GA over exact, batched follower responses.

    import stackga, stackga.cases.island
    result = stackga.solve(stackga.cases.island.build(scenario=4), stackga.GAConfig(seed=1))
"""
from ._checkout import link_siblings

link_siblings()

from .config import GAConfig  # noqa: E402
from .game import Evaluation, Game, LeaderOutcome  # noqa: E402
from .result import Result  # noqa: E402
from .solve import result_at, solve  # noqa: E402

__version__ = "0.1.0"
__all__ = ["GAConfig", "Evaluation", "Game", "LeaderOutcome", "Result", "result_at", "solve"]
