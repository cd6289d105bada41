"""Published bilevel test problems with integer followers, and pessimistic ones, stated as
``Bilevel`` games.

Three lists, each of dicts in the format of ``PROBLEMS`` in ``stackga/bilevel/problems/published.py``::

    {"name", "cls", "source", "build", "F", "x", "y", "note"}

* ``PROBLEMS_MILP``: the follower has integer variables (pure or mixed integer, linear
  objective and constraints, Q = 0), optimistic selection; "cls" is "LP-MILP" (x
  continuous) or "MILP-MILP" (some x integer, ``x_integer``).  Every leader variable that
  appears in the follower's problem is integer and bounded (the usual assumption under
  which the optimum is attained), and every optimum is attained at the given (x, y).
* ``PROBLEMS_MILP_NOT_ATTAINED``: a published MILP-follower problem with a continuous leader
  variable in the follower's problem whose infimum is not attained; "F" is the infimum and
  (x, y) the limit point, which is NOT bilevel feasible.  Kept apart so that a loop over
  ``PROBLEMS_MILP`` only meets attained optima.
* ``PROBLEMS_PESSIMISTIC``: continuous LP followers, linear leader objective,
  ``selection="pessimistic"``: the leader minimises max{F(x, y) : y optimal for the
  follower at x}.  "cls" is "LP-LP".  Where the pessimistic infimum is not attained the
  note begins with "NOT ATTAINED", "F" is the infimum, (x, y) is the limit point (the
  value there is worse) and the name is in ``NOT_ATTAINED``.

Conventions, as in ``stackga/bilevel/problems/published.py``: constraints of the lower level on x alone
are stated on the leader (bounds, A_x); upper-level constraints involving y are coupling
rows G_x x + G_y y <= h; every leader variable has finite bounds, a box being added where
the source has none ("box added", checked not to cut off the optimum); no constant terms.

Where the statements come from (read with ``git show HEAD:<path>`` in the repositories):

* PAO (or-fusion/pao)  ``pao/mpr/examples/{moore,toyexample1,toyexample2,toyexample3,
  mibs}.py``, optima asserted in ``pao/mpr/tests/test_solve.py`` (test_toyexample1..3);
* MibS (coin-or/MibS)  ``data/notInterdiction/moore90.mps/.txt``,
  ``data/moore90WithName.mps``;
* BilevelJuMP.jl (joaquimg/BilevelJuMP.jl)  ``docs/src/examples/MibS_example{1,2}.jl`` and
  ``test/test_mibs.jl`` (optima asserted with ``@test``), ``test/problems/jump.jl``;
* idol (hlefebvr/idol)  ``examples/bilevel/moore-bard-mibs.example.cpp``,
  ``examples/bilevel/zeng-pess.example.cpp``;
* BASBLib (basblsolver/BASBLib)  ``LP-LP/b_1991_01.mod``;
* BOLIB (ShenglongZhou/BOLIB)  ``BOLIB/BLIBExamples/{Bard1991Ex1,MorganPatrone2006a}.m``.

None of the stored sources states a pessimistic optimal value; the pessimistic values here
were computed by brute force (``tests/verify_problems_milp.py``) and each note says what the
source itself reports.  Every entry is checked by ``python tests/verify_problems_milp.py``
(enumeration of the integer leader points or a dense grid with refinement, the follower
solved by scipy at each x, independent of stackga's solvers).
"""
from __future__ import annotations

import numpy as np

from stackga.bilevel import Bilevel, Follower

inf = np.inf

PAO = "PAO pao/mpr/examples"
JUMP_MIBS = "BilevelJuMP.jl test/test_mibs.jl"
BOX = "box added where the source leaves x unbounded"


def _p(name, cls, source, build, F, x, y, note=""):
    return {"name": name, "cls": cls, "source": source, "build": build, "F": float(F),
            "x": None if x is None else [float(v) for v in x],
            "y": None if y is None else [float(v) for v in y], "note": note}


# ================================================================= MILP followers (optimistic)

# Moore, Bard (1990) The mixed integer linear bilevel programming problem, Oper. Res. 38(5)
# (PAO moore.py and toyexample1.py, MibS data/notInterdiction/moore90, idol
# moore-bard-mibs.example.cpp, BilevelJuMP test_mibs.jl v3/v4)
def moore_bard_1990():
    # follower min y s.t. -25x + 20y <= 30, x + 2y <= 10, 2x - y <= 15, 2x + 10y >= 15
    f = Follower(d=[1.0], A=[[-25.0], [1.0], [2.0], [2.0]], B=[[20.0], [2.0], [-1.0], [10.0]],
                 b=[30.0, 10.0, 15.0, 15.0], sense=["<=", "<=", "<=", ">="],
                 integer=[True])
    return Bilevel("min", c_x=[-1.0], c_y=[-10.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   x_integer=[True], name="moore_bard_1990")


# Yue, Gao, Zeng, You (2019) A projection-based reformulation and decomposition algorithm
# for global optimization of a class of mixed integer bilevel linear programs, JOGO 73,
# toy example 2 (PAO toyexample2.py): Mersha-Dempe's example with integer x and y
def yue_2019_toy2():
    f = Follower.maximize(d=[1.0], A=[[-3.0], [3.0]], B=[[1.0], [1.0]], b=[-3.0, 30.0],
                          integer=[True])
    return Bilevel("min", c_x=[-1.0], c_y=[-2.0], followers=[f], x_lb=[0.0], x_ub=[20.0],
                   G_x=[[-2.0], [1.0]], G_y=[[3.0], [1.0]], h=[12.0, 14.0],
                   x_integer=[True], name="yue_2019_toy2")


# MibS input-file documentation, "generalExample" (PAO mibs.py)
def mibs_general_example():
    f = Follower(d=[1.0], A=[[2.0], [-2.0]], B=[[-1.0], [4.0]], b=[7.0, 16.0], ub=[5.0],
                 integer=[True])
    return Bilevel("min", c_x=[-1.0], c_y=[-7.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   G_x=[[-3.0], [1.0]], G_y=[[2.0], [2.0]], h=[12.0, 20.0],
                   x_integer=[True], name="mibs_general_example")


# BilevelJuMP docs/src/examples/MibS_example1.jl (the MibS example with leader -3x - 7y)
def jump_mibs_example1():
    # follower y integer and free, min y s.t. 2x - y <= 7, -2x + 4y <= 16, y <= 5
    f = Follower(d=[1.0], A=[[2.0], [-2.0]], B=[[-1.0], [4.0]], b=[7.0, 16.0],
                 lb=[-inf], ub=[5.0], integer=[True])
    return Bilevel("min", c_x=[-3.0], c_y=[-7.0], followers=[f], x_lb=[-10.0], x_ub=[10.0],
                   G_x=[[-3.0], [1.0]], G_y=[[2.0], [2.0]], h=[12.0, 20.0],
                   x_integer=[True], name="jump_mibs_example1")


# BilevelJuMP docs/src/examples/MibS_example2.jl: leader (x integer, z binary)
def jump_mibs_example2():
    f = Follower(d=[1.0], A=[[2.0, 3.0], [-2.0, 0.0]], B=[[-1.0], [4.0]], b=[7.0, 16.0],
                 lb=[-inf], ub=[5.0], integer=[True])
    return Bilevel("min", c_x=[2.0, 10.0], c_y=[-4.0], followers=[f],
                   x_lb=[-10.0, 0.0], x_ub=[10.0, 1.0],
                   G_x=[[-3.0, 5.0], [1.0, 0.0]], G_y=[[2.0], [2.0]], h=[12.0, 20.0],
                   x_integer=[True, True], name="jump_mibs_example2")


# BilevelJuMP test/test_mibs.jl::test_basic_example_1: Dempe (2002) p. 25 with integers
def jump_mibs_basic1():
    # the source's leader (y, z) is x = (x1, x2) here, its follower x is y here
    f = Follower(d=[-1.0], A=[[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [-7.0, 0.0]],
                 B=[[1.0], [4.0], [2.0], [2.0]], b=[8.0, 8.0, 13.0, 0.0],
                 sense=["<=", ">=", "<=", "<="], lb=[-inf], integer=[True])
    return Bilevel("min", c_x=[1.0, 1.0], c_y=[3.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[8.0, 10.0], G_x=[[0.0, 0.0]], G_y=[[1.0]], h=[5.0],
                   x_integer=[True, True], name="jump_mibs_basic1")


# BilevelJuMP test/test_mibs.jl::test_Writing_MibS_input_v5: Moore-Bard's follower with a
# second leader variable z (v6 is the same problem with x and z renamed)
def jump_mibs_v5():
    f = Follower(d=[1.0], A=[[-25.0, 0.0], [1.0, 0.0], [2.0, 0.0], [-2.0, 0.0]],
                 B=[[20.0], [2.0], [-1.0], [-10.0]], b=[30.0, 10.0, 15.0, -15.0],
                 lb=[-inf], integer=[True])
    return Bilevel("min", c_x=[1.0, -1.0], c_y=[-10.0], followers=[f],
                   x_lb=[2.0, -10.0], x_ub=[6.0, 10.0], A_x=[[2.0, 25.0]], b_x=[30.0],
                   x_integer=[True, True], name="jump_mibs_v5")


# Yue, Gao, Zeng, You (2019) toy example 3 (PAO toyexample3.py): mixed integer at both levels
def yue_2019_toy3():
    # leader (xR continuous, xZ integer), follower (yR continuous, yZ integer) maximising
    # 39 yR + 27 yZ
    f = Follower.maximize(d=[39.0, 27.0], A=[[8.0, 0.0], [9.0, 0.0]],
                          B=[[2.0, 8.0], [2.0, 1.0]], b=[53.0, 28.0], integer=[False, True])
    return Bilevel("min", c_x=[20.0, -38.0], c_y=[1.0, 42.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[10.0, 20.0],
                   G_x=[[7.0, 5.0], [6.0, 9.0]], G_y=[[0.0, 7.0], [10.0, 2.0]], h=[62.0, 117.0],
                   x_integer=[False, True], name="yue_2019_toy3")


# ==================================================================== pessimistic, LP follower

# Zeng, "A practical scheme to compute pessimistic bilevel optimization problem"
# (optimization-online 2015/09/5090) illustrative example, as stated in idol
# examples/bilevel/zeng-pess.example.cpp
def zeng_pess():
    f = Follower(d=[-10.0, -10.0, -10.0, -10.0],
                 A=[[1.0, 1.0], [-0.8, -0.8], [0.0, -4.0]],
                 B=[[1.0, 1.0, 1.0, 1.0], [-1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]],
                 b=[10.0, 0.0, 0.0])
    return Bilevel("min", c_x=[-8.0, -6.0], c_y=[-25.0, -30.0, 2.0, 16.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[10.0, 10.0], A_x=[[1.0, 1.0]], b_x=[10.0],
                   selection="pessimistic", name="zeng_pess")


# Bard (1991) Some properties of the bilevel programming problem, JOTA 68(2), ex. 2.2, in
# its original form x + y1 <= 1 (BASBLib LP-LP/b_1991_01.mod)
def bard_1991_ex22_pess():
    f = Follower(d=[-1.0, -1.0], A=[[1.0], [1.0], [0.0]],
                 B=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], b=[1.0, 1.0, 1.0],
                 ub=[10.0, 10.0])
    return Bilevel("min", c_x=[-1.0], c_y=[10.0, -1.0], followers=[f], x_lb=[0.0],
                   x_ub=[10.0], selection="pessimistic", name="bard_1991_ex22_pess")


# Bard (1998) Practical Bilevel Optimization ex. 8.1.2 p. 304 as in BilevelJuMP
# test/problems/jump.jl::jump_09a ("degenerate second level ... shows that the KKT approach
# is OPTIMISTIC"); the follower has x - y1 <= 1
def bard_812_pess():
    f = Follower(d=[-1.0, -1.0], A=[[1.0], [1.0], [0.0]],
                 B=[[-1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], b=[1.0, 1.0, 1.0])
    return Bilevel("min", c_x=[-10.1], c_y=[10.0, -1.0], followers=[f], x_lb=[0.0],
                   x_ub=[10.0], selection="pessimistic", name="bard_812_pess")


# Bard (1991) ex. 1 (BOLIB Bard1991Ex1.m; = HTP 9.3.10): follower min 2 y1 + x y2
def bard_1991_ex1_pess():
    f = Follower(d=[2.0, 0.0], M=[[0.0, 1.0]], A=[[1.0]], B=[[-1.0, -1.0]], b=[-4.0])
    return Bilevel("min", c_x=[1.0], c_y=[0.0, 1.0], followers=[f], x_lb=[2.0], x_ub=[4.0],
                   selection="pessimistic", name="bard_1991_ex1_pess")


# Morgan, Patrone (2006) (BOLIB MorganPatrone2006a.m): follower min x y on [-1, 1]
def morgan_patrone_2006a_pess():
    f = Follower(d=[0.0], M=[[1.0]], B=np.zeros((0, 1)), b=np.zeros(0), lb=[-1.0], ub=[1.0])
    return Bilevel("min", c_x=[-1.0], c_y=[-1.0], followers=[f], x_lb=[-0.5], x_ub=[0.5],
                   selection="pessimistic", name="morgan_patrone_2006a_pess")


# ===================================================================================== lists

PROBLEMS_MILP: list[dict] = [
    _p("moore_bard_1990", "MILP-MILP", "Moore, Bard (1990) The mixed integer linear bilevel "
       f"programming problem, Oper. Res. 38(5) 911-921; {PAO}/moore.py; = Yue et al. (2019) "
       f"toy example 1, {PAO}/toyexample1.py (x = 2, y = 2 asserted in pao/mpr/tests/"
       "test_solve.py::test_toyexample1); MibS data/notInterdiction/moore90.mps; idol "
       f"examples/bilevel/moore-bard-mibs.example.cpp; {JUMP_MIBS}::test_Writing_MibS_input_v3"
       "/v4 (objective -22 asserted)", moore_bard_1990, -22, [2], [2],
       "x, y >= 0 integer; x <= 10 from the MibS data file (x >= 0 and x <= 10 are implied "
       "by the follower's feasibility anyway); y >= 0 never binds at an integer x; the "
       "follower's optimum is unique at every x"),
    _p("yue_2019_toy2", "MILP-MILP", "Yue, Gao, Zeng, You (2019) A projection-based "
       "reformulation and decomposition algorithm for global optimization of a class of "
       f"mixed integer bilevel linear programs, JOGO 73, toy example 2; {PAO}/toyexample2.py "
       "(x = 8, y = 6 asserted in pao/mpr/tests/test_solve.py::test_toyexample2)",
       yue_2019_toy2, -20, [8], [6],
       "Mersha-Dempe's example (dempe_ex21 in stackga/bilevel/problems/published.py) with x and y "
       "integer; the follower maximises y; x <= 20 box added (x <= 10 is implied by the "
       "follower's feasibility); the coupling rows cut off x = 7 (y = 9 violates "
       "-2x + 3y <= 12)"),
    _p("mibs_general_example", "MILP-MILP", "MibS input-file documentation (coral.ise.lehigh"
       f".edu MibS_inputFile.pdf) 'generalExample'; {PAO}/mibs.py (comment: 'The optimal "
       "solution is C0=6, C1=5')", mibs_general_example, -41, [6], [5],
       "x in [0, 10], y in [0, 5] integer from the source; the source gives the solution "
       "only, F = -6 - 35 = -41 computed at it"),
    _p("jump_mibs_example1", "MILP-MILP", "BilevelJuMP.jl docs/src/examples/MibS_example1.jl "
       "(the MibS input-file example with leader -3x - 7y; objective -53, x = 6, y = 5 "
       "asserted)", jump_mibs_example1, -53, [6], [5],
       f"x <= 10 from the source, x >= -10 {BOX}; y integer and free, y <= 5 is a "
       "lower-level bound; the follower sets y = 2x - 7"),
    _p("jump_mibs_example2", "MILP-MILP", "BilevelJuMP.jl docs/src/examples/MibS_example2.jl "
       "(objective -8, x = 6, z = 0, y = 5 asserted)", jump_mibs_example2, -8, [6, 0], [5],
       f"leader (x integer, z binary); x <= 10 from the source, x >= -10 {BOX}; y integer "
       "and free. The file's comment writes the first upper row as -3x + 2y + 2z <= 12 but "
       "the code has 5z; the code's 5z is used (the optimum has z = 0 either way)"),
    _p("jump_mibs_basic1", "MILP-MILP", f"{JUMP_MIBS}::test_basic_example_1 (objective 8, "
       "upper y = 8, lower x = 0 asserted); Dempe (2002) Foundations of Bilevel Programming "
       "p. 25 (dempe_p25 in stackga/bilevel/problems/published.py) with integer variables",
       jump_mibs_basic1, 8, [8, 0], [0],
       "the source's leader (y, z) is x here and its follower's x is y here; y integer and "
       "free; the source's upper row on the follower's variable (x <= 5) is a coupling row; "
       f"x1 in [0, 8] from the source, x2 >= 0 from the source and x2 <= 10 {BOX}"),
    _p("jump_mibs_v5", "MILP-MILP", f"{JUMP_MIBS}::test_Writing_MibS_input_v5 (objective -19, "
       "x = 2, z = 1, y = 2 asserted; v6 is the same problem with x and z swapped); Moore-Bard "
       "(1990)'s follower", jump_mibs_v5, -19, [2, 1], [2],
       "leader (x, z) integer, x in [2, 6] and 2x + 25z <= 30 (A_x) from the source, "
       f"z >= -10 {BOX} (z <= 1 is implied); y integer and free"),
]

PROBLEMS_MILP_NOT_ATTAINED: list[dict] = [
    _p("yue_2019_toy3", "MILP-MILP", "Yue, Gao, Zeng, You (2019) JOGO 73, toy example 3; "
       f"{PAO}/toyexample3.py (xR = 3, xZ = 8, yR = 0.5, yZ = 0 asserted in pao/mpr/tests/"
       "test_solve.py::test_toyexample3; no objective value stated)", yue_2019_toy3, -243.5,
       [3, 8], [0.5, 0],
       "NOT ATTAINED. The continuous xR enters the follower's problem. For xR > 3 the "
       "follower's best is yZ = 0, yR = (28 - 9 xR)/2 and F = 15.5 xR - 38 xZ + 14 with "
       "xZ = 8 the largest the first coupling row allows, so F -> -243.5 as xR -> 3+. At "
       "xR = 3 the follower prefers yZ = 1, yR = 0 (27 > 19.5), which violates "
       "7 xR + 5 xZ + 7 yZ <= 62: the asserted point is the limit, not bilevel feasible "
       "(the value at the source's (x, y) is -243.5). x <= (10, 20) box added"),
]

NOT_ATTAINED = {"yue_2019_toy3", "bard_1991_ex1_pess", "morgan_patrone_2006a_pess"}

PROBLEMS_PESSIMISTIC: list[dict] = [
    _p("zeng_pess", "LP-LP", "Zeng, A practical scheme to compute pessimistic bilevel "
       "optimization problem (optimization-online 2015/09/5090), illustrative example, as "
       "stated in idol examples/bilevel/zeng-pess.example.cpp", zeng_pess, -80, [10, 0],
       [0, 0, 0, 0],
       "x1 + x2 <= 10 (A_x) makes the box [0, 10]^2 implied; idol declares a third, unused "
       "leader variable, dropped. The follower maximises y1 + y2 + y3 + y4 = 10 - x1 - x2, "
       "leaving a face of optimal y; the worst case puts the slack on y4 and y3, so "
       "F_pess(x) >= 20 - 10 (x1 + x2) > -80 unless x1 + x2 = 10, where y = 0. Pessimistic "
       "optimum -80 at x = (10, 0), attained; the optimistic optimum is -252 at x = (0, 2), "
       "y = (0, 8, 0, 0). The stored sources give no optimal value; F is the verified one"),
    _p("bard_1991_ex22_pess", "LP-LP", "Bard (1991) Some properties of the bilevel "
       "programming problem, JOTA 68(2) ex. 2.2 (original form x + y1 <= 1); BASBLib "
       "LP-LP/b_1991_01.mod (optimal solutions x* = 1, y* = (0, 0) and x* = 0, "
       "y* = (0, 1), both F* = -1)", bard_1991_ex22_pess, -1, [1], [0, 0],
       "x in [0, 10], y in [0, 10]^2 from BASBLib (the follower is infeasible for x > 1). "
       "For x <= 0.5 the follower's optimal set is {y1 + y2 = 1, x <= y1 <= 1 - x} and the "
       "worst case y1 = 1 - x gives 10 - 12x >= 4; for 0.5 < x <= 1 the response "
       "(1 - x, 1 - x) is unique, F = 9 - 10x. Pessimistic optimum -1 at x = 1 (the one x "
       "with a unique response, as BASBLib notes), attained; equal to the optimistic value, "
       "which is also attained at x = 0, y = (0, 1)"),
    _p("bard_812_pess", "LP-LP", "Bard (1998) Practical Bilevel Optimization ex. 8.1.2 "
       "p. 304 as in BilevelJuMP.jl test/problems/jump.jl::jump_09a (optimistic x = 0, "
       "y = (0, 1) asserted, F = -1)", bard_812_pess, -0.1, [1], [1, 0],
       "x <= 10 box added (the follower is infeasible for x > 1). For x in [0, 1] the "
       "follower's optimal set is {y1 + y2 = 1, x <= y1 <= 1}; the worst case y1 = 1 gives "
       "10 - 10.1x, so the pessimistic optimum is -0.1 at x = 1, attained (unique response "
       "there), against the optimistic -1 at x = 0. The source gives no pessimistic value; "
       "F is the verified one"),
    _p("bard_1991_ex1_pess", "LP-LP", "Bard (1991) JOTA 68(2) ex. 1; BOLIB BOLIB/BLIBExamples/"
       "Bard1991Ex1.m (BOLIB Table 3: F* = 2, the optimistic value); = HTP 9.3.10 "
       "(htp_9310 in stackga/bilevel/problems/published.py)", bard_1991_ex1_pess, 2, [2], [6, 0],
       "NOT ATTAINED. x in [2, 4] from BOLIB; the follower's x y2 is the bilinear M. For "
       "x > 2 the response y = (x + 4, 0) is unique and F = x; at x = 2 every y1 + y2 = 6 "
       "is optimal and the worst case y2 = 6 gives 8. The pessimistic infimum 2 is "
       "approached as x -> 2+ and not attained; (x, y) = (2, (6, 0)) is the limit point "
       "(the optimistic optimum, attained there)"),
    _p("morgan_patrone_2006a_pess", "LP-LP", "Morgan, Patrone (2006) Stackelberg problems: "
       "subgame perfect equilibria via Tikhonov regularization; BOLIB BOLIB/BLIBExamples/"
       "MorganPatrone2006a.m (BOLIB Table 3: F* = -1, the optimistic value at (0, 1))",
       morgan_patrone_2006a_pess, -1, [0], [1],
       "NOT ATTAINED. Follower min x y on [-1, 1]: y = 1 for x < 0, any y at x = 0, y = -1 "
       "for x > 0. The pessimistic value is -x - 1 for x < 0, 1 at x = 0 (worst y = -1) and "
       "1 - x for x > 0: the infimum -1 is approached as x -> 0- and not attained; (x, y) = "
       "(0, 1) is the limit point (the optimistic optimum, attained there)"),
]
