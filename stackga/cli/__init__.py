"""Command line: ``stackga run|compare|figures|data|sweep|tune <case>``, ``stackga plot|resume DIR``
(also ``python -m stackga``).

Exit codes: 0 done; 1 a follower or the leader broke its contract, or failed everywhere;
2 bad input (the message names the field and value); 3 no feasible individual (the run
is saved, and the message names the follower statuses and leader constraints that made
every individual infeasible); 130 interrupted with Ctrl-C, 143 with SIGTERM, 129 with SIGHUP
(the best so far is saved,
marked ``interrupted`` in ``run.json``).
"""
from __future__ import annotations

import sys

from .. import interrupt
from ..contract import ContractError, FollowerError
from ..errors import InputError
from .certify import cmd_certify
from .common import EXIT_CONTRACT, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_INTERRUPTED
from .experiments import cmd_compare, cmd_figures, cmd_plot, cmd_sweep, cmd_tune
from .parser import build_parser
from .run import cmd_data, cmd_resume, cmd_run

__all__ = ["main", "EXIT_CONTRACT", "EXIT_INPUT", "EXIT_INFEASIBLE", "EXIT_INTERRUPTED"]


def main(argv=None) -> int:
    ap = build_parser()
    a = ap.parse_args(argv)
    import matplotlib  # the CLI writes figures to files: no window, ever
    matplotlib.use("Agg")
    commands = {"run": cmd_run, "compare": cmd_compare, "figures": cmd_figures, "data": cmd_data,
                "sweep": cmd_sweep, "tune": cmd_tune, "plot": cmd_plot, "resume": cmd_resume,
                "certify": cmd_certify}
    try:
        return commands[a.command](a)
    except InputError as e:                  # the user's input; anything else is a bug
        print(f"stackga: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except (ContractError, FollowerError) as e:
        print(f"stackga: error: {e}", file=sys.stderr)
        return EXIT_CONTRACT
    except OSError as e:
        print(f"stackga: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("stackga: interrupted", file=sys.stderr)
        return interrupt.exit_code()
