"""Published bilevel test problems with their reported optima, stated as ``Bilevel`` games.

``PROBLEMS`` is a list of dicts::

    {"name", "cls" ("LP-LP" | "LP-QP" | "QP-LP" | "QP-QP": leader objective - follower),
     "source" (the publication and problem number as cited, then the file and function the
               statement was taken from),
     "build"  (zero-argument function returning a fresh Bilevel),
     "F"      (optimal leader objective in the leader's own sense, equal to Bilevel.value at
               (x, y)),
     "x", "y" (an optimal leader decision / stacked follower decisions, or None when the
               source does not report them; when the optimum is not unique the note says so),
     "note"}

Where the statements come from (read with ``git show HEAD:<path>``):

* BilevelJuMP.jl  ``test/problems/jump.jl`` (functions ``jump_*``) and
  ``docs/src/examples/*.jl``; it restates problems from Bard's book "Practical Bilevel
  Optimization" (1998), Dempe's "Foundations of Bilevel Programming" (2002), Dempe et al.
  "Bilevel Programming Problems" (2015), the "Handbook of Test Problems in Local and Global
  Optimization" (Floudas et al. 1999, "HTP", chapter 9), Conejo et al. "Decomposition
  Techniques in Mathematical Programming" (2006) and others;
* PAO (or-fusion/pao)  ``pao/mpr/examples/*.py`` with the optima asserted in
  ``pao/mpr/tests/test_solve.py``, and ``pao/pyomo/tests/attic/auxiliary`` (models and their
  stored solutions);
* BOLIB (ShenglongZhou/BOLIB)  ``BOLIB/BLIBExamples/*.m`` with the best known values of
  Table 3 of ``BOLIB/BOLIB_test_examples_library.pdf`` (Zhou, Zemkoho, Tin 2019); used only
  to add problems the other two sources lack (a linear leader over a QP follower, bilinear
  x'y follower objectives, a few more quadratic ones).

Conventions, the same in every problem:

* A constraint of the lower level that involves x alone does not depend on the follower's
  choice; it restricts which x are admissible (the follower would be infeasible otherwise)
  and is stated on the leader (bounds x_lb/x_ub, A_x, E_x).  Upper-level constraints that
  involve y are coupling rows G_x x + G_y y <= h (an equality is two rows).
* Terms of the follower's objective in x alone do not change its argmin and are dropped;
  the follower's optimal value is never compared here.
* The model has no constant term: a leader objective with a constant c (e.g. (x - 1)^2)
  is stated without it and "F" is the source's value minus c; the note says so.
* Every leader variable has finite bounds.  Where the source leaves x unbounded, a box is
  added that contains the optimum with a wide margin (the note says "box added"); the
  optimum was re-checked with the box widened.
* Selection is optimistic throughout (the sources' KKT/MPEC reformulations are).

Every entry was checked at its (x, y): bounds and leader constraints, the follower's
feasibility and optimality (its LP/QP re-solved at x), and F = Bilevel.value(x, y); and a
global solve of the KKT reformulation found no better F.  Where that differs from what the
source reports, the verified value is used and the note says so, marked "DISCREPANCY".
"""
from __future__ import annotations

import numpy as np

from stackga.bilevel import Bilevel, Follower

inf = np.inf

JUMP = "BilevelJuMP.jl test/problems/jump.jl"
PAO = "PAO pao/mpr/examples"
BOLIB = "BOLIB BOLIB/BLIBExamples"


# ===================================================================================== LP-LP

# BilevelJuMP jump_01 (textbook example stated in the function's comment)
def jump_01():
    f = Follower(d=[1.0], A=[[2.0], [1.0]], B=[[1.0], [2.0]], b=[4.0, 4.0])
    return Bilevel("min", c_x=[-4.0], c_y=[-3.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   name="jump_01")


# BilevelJuMP jump_02
def jump_02():
    f = Follower(d=[-1.0], A=[[1.0], [1.0], [1.0]], B=[[1.0], [4.0], [2.0]],
                 b=[8.0, 8.0, 13.0], sense=["<=", ">=", "<="])
    return Bilevel("min", c_x=[1.0], c_y=[3.0], followers=[f], x_lb=[1.0], x_ub=[6.0],
                   name="jump_02")


# Dempe (2002), Foundations of Bilevel Programming, ch. 3.2 p. 25 (BilevelJuMP jump_03)
def dempe_p25():
    # the source names the leader's variable y and the follower's x; here leader x, follower y
    f = Follower(d=[-1.0], A=[[1.0], [1.0], [1.0], [-7.0]], B=[[1.0], [4.0], [2.0], [2.0]],
                 b=[8.0, 8.0, 13.0, 0.0], sense=["<=", ">=", "<=", "<="], lb=[-inf])
    return Bilevel("min", c_x=[1.0], c_y=[3.0], followers=[f], x_lb=[0.0], x_ub=[8.0],
                   G_x=[[0.0]], G_y=[[1.0]], h=[5.0], name="dempe_p25")


# Dempe (2002) ch. 3.2 p. 25, the bound y <= 5 moved to the lower level (BilevelJuMP jump_04)
def dempe_p25_lower_bound():
    f = Follower(d=[-1.0], A=[[1.0], [1.0], [1.0], [-7.0]], B=[[1.0], [4.0], [2.0], [2.0]],
                 b=[8.0, 8.0, 13.0, 0.0], sense=["<=", ">=", "<=", "<="], lb=[-inf], ub=[5.0])
    return Bilevel("min", c_x=[1.0], c_y=[3.0], followers=[f], x_lb=[0.0], x_ub=[8.0],
                   name="dempe_p25_lower_bound")


# Dempe (2002) sec. 3.4.1 p. 32 (BilevelJuMP jump_05)
def dempe_p32():
    # leader x = source's y in [0, 3]; follower y = source's (x1, x2) >= 0
    f = Follower(d=[-1.0, 0.0], A=[[0.0], [-1.0]], B=[[100.0, -1.0], [0.0, 1.0]], b=[1.0, 0.0])
    return Bilevel("min", c_x=[-1.0], c_y=[0.0, 2.0], followers=[f], x_lb=[0.0], x_ub=[3.0],
                   name="dempe_p32")


# Bard (1998), Practical Bilevel Optimization, ex. 5.1.1 p. 197
def bard_511():
    f = Follower(d=[1.0], A=[[-1.0], [-2.0], [2.0], [3.0]], B=[[-1.0], [1.0], [1.0], [-2.0]],
                 b=[-3.0, 0.0, 12.0, 4.0])
    return Bilevel("min", c_x=[1.0], c_y=[-4.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   name="bard_511")


# Bard (1998) ex. 5.1.1 with the last row's signs flipped (PAO attic bard511 / linear_mpec)
def bard_511_flipped():
    f = Follower(d=[1.0], A=[[-1.0], [-2.0], [2.0], [-3.0]], B=[[-1.0], [1.0], [1.0], [2.0]],
                 b=[-3.0, 0.0, 12.0, -4.0])
    return Bilevel("min", c_x=[1.0], c_y=[-4.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   name="bard_511_flipped")


def _bard_531_follower():
    return Follower(d=[1.0, 1.0, 2.0], A=[[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]],
                    B=[[-1.0, 1.0, 1.0], [-1.0, 2.0, -0.5], [2.0, -1.0, -0.5]], b=[1.0, 1.0, 1.0])


# Bard (1998) ex. 5.3.1 p. 208 (BilevelJuMP jump_07); also HTP 9.2.4 in equality form
def bard_531():
    return Bilevel("min", c_x=[-8.0, -4.0], c_y=[4.0, -40.0, -4.0],
                   followers=[_bard_531_follower()], x_lb=[0.0, 0.0], x_ub=[10.0, 10.0],
                   name="bard_531")


# HTP 9.2.4 p. 211: Bard's 5.3.1 with slack variables and equality rows (jump_HTP_lin03)
def htp_924():
    f = Follower(d=[1.0, 1.0, 2.0, 0.0, 0.0, 0.0], A=[[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]],
                 B=[[-1.0, 1.0, 1.0, 1.0, 0.0, 0.0], [-1.0, 2.0, -0.5, 0.0, 1.0, 0.0],
                    [2.0, -1.0, -0.5, 0.0, 0.0, 1.0]], b=[1.0, 1.0, 1.0], sense="=")
    return Bilevel("min", c_x=[-8.0, -4.0], c_y=[4.0, -40.0, -4.0, 0.0, 0.0, 0.0],
                   followers=[f], x_lb=[0.0, 0.0], x_ub=[10.0, 10.0], name="htp_924")


# HTP 9.2.8 p. 216 (jump_HTP_lin07): as Bard 5.3.1 with +4 y3 in the leader's objective
def htp_928():
    return Bilevel("min", c_x=[-8.0, -4.0], c_y=[4.0, -40.0, 4.0],
                   followers=[_bard_531_follower()], x_lb=[0.0, 0.0], x_ub=[10.0, 10.0],
                   name="htp_928")


def _bard_812_follower():
    return Follower(d=[-1.0, -1.0], A=[[1.0], [1.0], [0.0]],
                    B=[[-1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], b=[1.0, 1.0, 1.0])


# Bard (1998) ex. 8.1.2 p. 304 (BilevelJuMP jump_09a)
def bard_812():
    return Bilevel("min", c_x=[-10.1], c_y=[10.0, -1.0], followers=[_bard_812_follower()],
                   x_lb=[0.0], x_ub=[10.0], name="bard_812")


# Bard (1998) ex. 8.1.2 p. 304, variant (BilevelJuMP jump_09b)
def bard_812_b():
    return Bilevel("min", c_x=[-1.0], c_y=[10.0, -2.0], followers=[_bard_812_follower()],
                   x_lb=[0.0], x_ub=[10.0], name="bard_812_b")


# HTP 9.2.6 (BilevelJuMP jump_HTP_lin05): Bard 8.1.2's follower, leader -x + 10 y1 - y2
def htp_926():
    return Bilevel("min", c_x=[-1.0], c_y=[10.0, -1.0], followers=[_bard_812_follower()],
                   x_lb=[0.0], x_ub=[10.0], name="htp_926")


# Dempe, Kalashnikov et al. (2015), Bilevel Programming Problems (energy), ex. 2.1 p. 21
# (BilevelJuMP jump_11a); = Getachew, Mersha, Dempe (2005) (PAO getachew_ex1)
def dempe_ex21():
    f = Follower(d=[-1.0], A=[[-3.0], [3.0]], B=[[1.0], [1.0]], b=[-3.0, 30.0], lb=[-inf])
    return Bilevel("min", c_x=[-1.0], c_y=[-2.0], followers=[f], x_lb=[-20.0], x_ub=[20.0],
                   G_x=[[-2.0], [1.0]], G_y=[[3.0], [1.0]], h=[12.0, 14.0], name="dempe_ex21")


# Dempe et al. ex. 2.1 with the leader's constraints in the lower level (BilevelJuMP jump_11b);
# = Getachew, Mersha, Dempe (2005) (PAO getachew_ex2)
def dempe_ex21_lower():
    f = Follower(d=[-1.0], A=[[-3.0], [3.0], [-2.0], [1.0]], B=[[1.0], [1.0], [3.0], [1.0]],
                 b=[-3.0, 30.0, 12.0, 14.0], lb=[-inf])
    return Bilevel("min", c_x=[-1.0], c_y=[-2.0], followers=[f], x_lb=[-20.0], x_ub=[20.0],
                   name="dempe_ex21_lower")


# Dempe et al. ex. 3.3 p. 45, parameter a (BilevelJuMP jump_12, a in {0, 0.1, 0.2})
def dempe_ex33(a):
    f = Follower(d=[-1.0, -1.0], A=[[1.0], [-1.0]], B=[[1.0, 0.0], [1.0, 0.0]],
                 b=[1.0 + a, 1.0], lb=[-inf, 0.0], ub=[inf, 1.0])
    return Bilevel("min", c_x=[0.5], c_y=[-1.0, 3.0], followers=[f], x_lb=[-5.0], x_ub=[5.0],
                   name=f"dempe_ex33_a{a}")


# Dempe et al. ex. 8.2 p. 290 (BilevelJuMP jump_14)
def dempe_ex82():
    # leader (x, y) in [0, 10]^2, follower z; upper: x + y + z >= 15, 0 <= z <= 10
    f = Follower(d=[1.0], A=[[1.0, 1.0]], B=[[-1.0]], b=[5.0], ub=[10.0])
    return Bilevel("min", c_x=[1.0, -2.0], c_y=[1.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[10.0, 10.0],
                   G_x=[[-1.0, -1.0], [0.0, 0.0], [0.0, 0.0]], G_y=[[-1.0], [1.0], [-1.0]],
                   h=[-15.0, 10.0, 0.0], name="dempe_ex82")


# HTP 9.2.2 (BilevelJuMP jump_HTP_lin01)
def htp_922():
    f = Follower(d=[-1.0, 0.0], A=[[-2.0], [8.0], [-2.0]],
                 B=[[2.0, 4.0], [3.0, -2.0], [1.0, -3.0]], b=[16.0, 48.0, -12.0],
                 lb=[0.0, -inf], ub=[4.0, inf])
    return Bilevel("min", c_x=[-1.0], c_y=[-3.0, 2.0], followers=[f], x_lb=[0.0], x_ub=[8.0],
                   G_x=np.zeros((4, 1)), G_y=[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]],
                   h=[4.0, 4.0, 0.0, 0.0], name="htp_922")


# HTP 9.2.3 (BilevelJuMP jump_HTP_lin02)
def htp_923():
    f = Follower(d=[1.0], A=[[-1.0], [1.0], [4.0]], B=[[1.0], [2.0], [-1.0]],
                 b=[3.0, 12.0, 12.0])
    return Bilevel("min", c_x=[-1.0], c_y=[-3.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   name="htp_923")


# HTP 9.2.5 (BilevelJuMP jump_HTP_lin04)
def htp_925():
    f = Follower(d=[1.0], A=[[-2.0], [2.0], [2.0]], B=[[1.0], [5.0], [-3.0]],
                 b=[0.0, 108.0, -4.0], lb=[-inf])
    return Bilevel("min", c_x=[1.0], c_y=[-4.0], followers=[f], x_lb=[-50.0], x_ub=[50.0],
                   name="htp_925")


# HTP 9.2.7 (BilevelJuMP jump_HTP_lin06)
def htp_927():
    f = Follower(d=[3.0], A=[[-1.0], [1.0], [2.0], [1.0], [-1.0]],
                 B=[[-2.0], [-2.0], [-1.0], [2.0], [2.0]], b=[-10.0, 6.0, 21.0, 38.0, 18.0])
    return Bilevel("min", c_x=[-1.0], c_y=[-3.0], followers=[f], x_lb=[0.0], x_ub=[40.0],
                   name="htp_927")


# HTP 9.2.9 p. 217 (BilevelJuMP jump_HTP_lin08); 9.2.11 (jump_HTP_lin10) is the same here
def htp_929():
    f = Follower(d=[-4.0, 1.0], A=[[-2.0, 0.0], [1.0, -3.0]], B=[[1.0, -1.0], [0.0, 1.0]],
                 b=[-2.5, 2.0])
    return Bilevel("min", c_x=[-2.0, 1.0], c_y=[0.5, 0.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[2.0, 2.0], A_x=[[1.0, 1.0]], b_x=[2.0],
                   name="htp_929")


# HTP 9.2.10 (BilevelJuMP jump_HTP_lin09 and jump_08)
def htp_9210():
    f = Follower(d=[-1.0], A=[[-1.0], [-0.25], [1.0], [1.0]], B=[[-0.5], [1.0], [0.5], [-2.0]],
                 b=[-2.0, 2.0, 8.0, 2.0])
    return Bilevel("min", c_x=[1.0], c_y=[1.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   name="htp_9210")


# HTP 9.3.10 p. 230 (BilevelJuMP jump_HTP_quad09); = Bard (1991) ex. 1 (BOLIB Bard1991Ex1)
def htp_9310():
    # follower min 2 y1 + x y2 s.t. y1 + y2 >= x + 4, y >= 0
    f = Follower(d=[2.0, 0.0], M=[[0.0, 1.0]], A=[[1.0]], B=[[-1.0, -1.0]], b=[-4.0])
    return Bilevel("min", c_x=[1.0], c_y=[0.0, 1.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   name="htp_9310")


# Ferris, GAMS EMP library jointc1, second part (BilevelJuMP jump_jointc1)
def jointc1():
    f = Follower(d=[1.0], A=[[1.0], [-1.0]], B=[[1.0], [1.0]], b=[0.0, 0.0], sense=">=",
                 lb=[-inf])
    return Bilevel("min", c_x=[1.0], followers=[f], x_lb=[1.0], x_ub=[10.0],
                   G_x=[[1.0], [-1.0]], G_y=[[-1.0], [-1.0]], h=[0.0, 0.0], name="jointc1")


# Ferris, GAMS EMP library jointc2, first part (BilevelJuMP jump_jointc2)
def jointc2_a():
    f = Follower(d=[1.0], A=[[1.0]], B=[[1.0]], b=[0.0], sense=">=", lb=[-inf])
    return Bilevel("max", c_x=[1.0], followers=[f], x_lb=[1.0], x_ub=[2.0],
                   G_x=[[0.0], [1.0], [-1.0]], G_y=[[1.0], [-1.0], [-1.0]], h=[100.0, 2.0, 0.0],
                   name="jointc2_a")


# Ferris, GAMS EMP library jointc2, second part (BilevelJuMP jump_jointc2)
def jointc2_b():
    f = Follower(d=[1.0], A=[[1.0], [-1.0]], B=[[1.0], [1.0]], b=[0.0, -2.0], sense=">=",
                 lb=[-inf])
    return Bilevel("max", c_x=[1.0], followers=[f], x_lb=[1.0], x_ub=[2.0],
                   G_x=[[0.0], [1.0], [-1.0]], G_y=[[1.0], [-1.0], [-1.0]], h=[100.0, 2.0, 0.0],
                   name="jointc2_b")


# Bard (1983), An efficient point algorithm for a linear two-stage optimization problem,
# Operations Research 31(4) (BilevelJuMP jump_EffPointAlgo)
def bard_1983():
    f = Follower.maximize(
        d=[3.0, -1.0, -4.0],
        A=[[-1.0, 0.2, 0.0, 0.0, 1.0, 2.0], [1.0, 0.0, 1.0, -2.0, 0.0, 0.0],
           [5.0, 0.0, 0.0, 1.0, 0.0, 3.2], [0.0, -3.0, 0.0, -1.0, 1.0, 0.0],
           [-2.0, -1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
        B=[[-4.0, 2.0, 1.0], [0.0, -4.0, 1.0], [2.0, 2.0, 0.0], [-2.0, 0.0, 0.0],
           [0.0, -1.0, 1.0], [-1.0, -2.0, -1.0]],
        b=[12.0, 10.0, 15.0, 12.0, -2.0, -2.0])
    return Bilevel("max", c_x=[2.0, -1.0, -1.0, 2.0, 1.0, -3.5], c_y=[-1.0, -1.5, 3.0],
                   followers=[f], x_lb=np.zeros(6), x_ub=np.full(6, 50.0),
                   A_x=[[0.0, -2.0, -3.0, 0.0, -1.0, 0.0]], b_x=[-3.0], name="bard_1983")


# Moshirvaziri, Amouzegar, Jacobsen (1996), Test problem construction for linear bilevel
# programming problems, J. Global Optim. 8 (BilevelJuMP jump_SemiRand)
def moshirvaziri_1996():
    f = Follower(d=[-9.0, 9.0], A=[[-6.0, 1.0, 1.0, -3.0], [-9.0, 9.0, -9.0, 5.0],
                                   [5.0, 3.0, 1.0, 9.0]],
                 B=[[-9.0, -7.0], [-5.0, -4.0], [1.0, 5.0]], b=[-15.0, -5.0, 32.0])
    G_x = [[-9.0, 3.0, -8.0, 3.0], [4.0, -10.0, 3.0, 5.0], [4.0, -2.0, -2.0, 10.0],
           [9.0, -9.0, 4.0, -3.0], [-2.0, -2.0, 8.0, -5.0], [7.0, 2.0, -5.0, 4.0]]
    G_y = [[3.0, 0.0], [8.0, 8.0], [-5.0, 8.0], [-1.0, -9.0], [5.0, 8.0], [-5.0, 0.0]]
    return Bilevel("min", c_x=[-4.0, 8.0, 1.0, -1.0], c_y=[9.0, -9.0], followers=[f],
                   x_lb=np.zeros(4), x_ub=np.full(4, 10.0),
                   A_x=[[0.0, 4.0, 5.0, 10.0]], b_x=[26.0],
                   G_x=G_x, G_y=G_y, h=[-1.0, 25.0, 21.0, -1.0, 20.0, 11.0],
                   name="moshirvaziri_1996")


# Conejo et al. (2006), Decomposition Techniques in Mathematical Programming, ch. 7.2 p. 281
# (BilevelJuMP jump_DTMP_01, docs/src/examples/DTMP_example1.jl)
def conejo_dtmp():
    f = Follower(d=[-1.0], A=[[1.0]], B=[[1.0]], b=[7.0])
    return Bilevel("min", c_x=[-1.0], c_y=[4.0], followers=[f], x_lb=[0.0], x_ub=[4.0],
                   G_x=[[2.0]], G_y=[[1.0]], h=[8.0], name="conejo_dtmp")


# Conejo et al. ch. 7.2 with an upper-only z = 1 and a lower-only w = 1 (jump_DTMP_01_mod1)
def conejo_dtmp_mod():
    # leader (x, z), follower (y, w)
    f = Follower(d=[-1.0, 1.0], A=[[1.0, 0.0], [0.0, 0.0]], B=[[1.0, 1.0], [0.0, 1.0]],
                 b=[8.0, 1.0], sense=["<=", "="], lb=[0.0, -inf])
    return Bilevel("min", c_x=[-1.0, 1.0], c_y=[4.0, 0.0], followers=[f],
                   x_lb=[0.0, -5.0], x_ub=[4.0, 5.0], E_x=[[0.0, 1.0]], e_x=[1.0],
                   G_x=[[2.0, 1.0]], G_y=[[1.0, 0.0]], h=[9.0], name="conejo_dtmp_mod")


# BilevelJuMP issue #82 "fruits" (BilevelJuMP jump_fruits, p_max = 0.1)
def fruits():
    # leader p; follower (pN1, pN2, mP1, mP2, mN1, mN2) in [0, 10]
    f = Follower(d=[0.1, 0.1, 0.003, 0.003, 0.01, 0.01], M=[[0.0, 0.0, -1.0, -1.0, 1.0, 1.0]],
                 B=[[-1.0, 0.0, 1.0, 0.0, -1.0, 0.0], [0.0, -1.0, 0.0, 1.0, 0.0, -1.0]],
                 b=[-3.0, -6.0], sense="=", ub=np.full(6, 10.0))
    row = [0.0, 0.0, 1.0, 1.0, -1.0, -1.0]
    return Bilevel("min", c_x=[0.0], c_y=[0.0, 0.0, -0.003, -0.003, -0.01, -0.01],
                   followers=[f], x_lb=[0.0], x_ub=[0.1],
                   G_x=[[0.0], [0.0]], G_y=[row, [-v for v in row]], h=[0.0, 0.0], name="fruits")


# Chi et al. (2014), bilevel programs with lower-level second-order cone programs, J. Inequal.
# Appl. 2014:168, ex. 3.1 (BilevelJuMP jump_conic02, docs/src/examples/SOCBLP_example1.jl)
def chi_2014_ex31():
    # the cone y1 >= |y2| with y2 >= 0 is the linear row y1 - y2 >= 0
    f = Follower(d=[-1.0, 1.0], A=[[1.0], [1.0], [1.0], [0.0]],
                 B=[[1.0, -1.0], [4.0, -4.0], [2.0, -2.0], [1.0, -1.0]],
                 b=[8.0, 8.0, 12.0, 0.0], sense=["<=", ">=", "<=", ">="])
    return Bilevel("min", c_x=[1.0], c_y=[3.0, -3.0], followers=[f], x_lb=[2.0], x_ub=[6.0],
                   name="chi_2014_ex31")


# Chi et al. (2014) setting, second instance in BilevelJuMP (jump_conic03)
def chi_2014_conic03():
    # y1 >= 0, y2 <= 0; the cone y1 >= |y2| is the linear row y1 + y2 >= 0
    f = Follower(d=[-1.0, -1.0], A=[[1.0], [1.0], [-1.0], [0.0]],
                 B=[[1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [1.0, 1.0]],
                 b=[8.0, 8.0, 0.0, 0.0], sense=["<=", ">=", "<=", ">="],
                 lb=[0.0, -inf], ub=[inf, 0.0])
    return Bilevel("min", c_x=[1.0], c_y=[2.0, 2.0], followers=[f], x_lb=[0.0], x_ub=[6.0],
                   G_x=[[0.0]], G_y=[[1.0, 1.0]], h=[3.0], name="chi_2014_conic03")


# Besancon, Anjos, Brotcorne (2019), Near-optimal robust bilevel optimization, ex. 2.7
# (PAO besancon27)
def besancon_27():
    f = Follower.maximize(d=[1.0], A=[[-0.1]], B=[[1.0]], b=[1.0], lb=[-inf])
    return Bilevel("min", c_x=[1.0], followers=[f], x_lb=[0.0], x_ub=[10.0],
                   G_x=[[-0.1]], G_y=[[-1.0]], h=[-1.0], name="besancon_27")


# Besancon et al. (2019) ex. 2.7 shifted (PAO besancon27_shifted)
def besancon_27_shifted():
    f = Follower.maximize(d=[1.0], A=[[-0.1]], B=[[1.0]], b=[1.0], lb=[-inf])
    return Bilevel("min", c_x=[1.0], c_y=[-1.0], followers=[f], x_lb=[2.5], x_ub=[10.0],
                   G_x=[[-0.1]], G_y=[[-1.0]], h=[-1.0], name="besancon_27_shifted")


# Pineda, Morales (2019), Solving linear bilevel problems using big-Ms: not all that glitters
# is gold, IEEE TPWRS (PAO pineda)
def pineda_2018():
    f = Follower(d=[1.0], A=[[100.0]], B=[[-1.0]], b=[100.0])
    return Bilevel("max", c_x=[1.0], c_y=[1.0], followers=[f], x_lb=[0.0], x_ub=[2.0],
                   name="pineda_2018")


# PAO documentation example "simple bilevel" (PAO pao1)
def pao1():
    f = Follower.maximize(d=[1.0], A=[[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]],
                          B=[[1.0], [-4.0], [2.0]], b=[8.0, -8.0, 13.0])
    return Bilevel("min", c_x=[1.0, 0.0], c_y=[3.0], followers=[f],
                   x_lb=[2.0, -20.0], x_ub=[6.0, 20.0], E_x=[[1.0, 1.0]], e_x=[10.0],
                   name="pao1")


# PAO documentation example "multiple lower levels" (PAO pao2): two followers
def pao2():
    f1 = Follower.maximize(d=[1.0], A=[[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]],
                           B=[[1.0], [-4.0], [2.0]], b=[8.0, -8.0, 13.0], name="L1")
    f2 = Follower.maximize(d=[1.0], A=[[0.0, 1.0], [0.0, -1.0], [0.0, 1.0]],
                           B=[[1.0], [-4.0], [2.0]], b=[8.0, -8.0, 13.0], name="L2")
    return Bilevel("min", c_x=[1.0, 0.0], c_y=[3.0, 3.0], followers=[f1, f2],
                   x_lb=[2.0, -20.0], x_ub=[6.0, 20.0], E_x=[[1.0, 1.0]], e_x=[10.0],
                   name="pao2")


# Dempe, Franke (2014), ex. 3.8 (BOLIB DempeFranke2014Ex38)
def dempe_franke_2014_ex38():
    f = Follower(d=[0.0, 0.0], M=np.eye(2), B=[[-2.0, 1.0]], b=[0.0], lb=[-inf, 0.0],
                 ub=[2.0, 2.0])
    return Bilevel("min", c_x=[2.0, 1.0], c_y=[2.0, -1.0], followers=[f],
                   x_lb=[-1.0, -1.0], x_ub=[1.0, -0.75], name="dempe_franke_2014_ex38")


# Morgan, Patrone (2006) (BOLIB MorganPatrone2006a)
def morgan_patrone_2006a():
    f = Follower(d=[0.0], M=[[1.0]], B=np.zeros((0, 1)), b=np.zeros(0), lb=[-1.0], ub=[1.0])
    return Bilevel("min", c_x=[-1.0], c_y=[-1.0], followers=[f], x_lb=[-0.5], x_ub=[0.5],
                   name="morgan_patrone_2006a")


# ===================================================================================== LP-QP

# HTP 9.3.4 p. 223 (BilevelJuMP jump_HTP_quad03, docs/src/examples/PHTP_example2.jl)
def htp_934():
    # follower min (y1 - x1 + 40)^2 + (y2 - x2 + 20)^2 (constant dropped)
    f = Follower(d=[80.0, 40.0], M=-2.0 * np.eye(2), Q=2.0 * np.eye(2), A=-np.eye(2),
                 B=2.0 * np.eye(2), b=[-10.0, -10.0], lb=[-10.0, -10.0], ub=[20.0, 20.0])
    return Bilevel("min", c_x=[2.0, 2.0], c_y=[-3.0, -3.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[50.0, 50.0],
                   G_x=[[1.0, 1.0]], G_y=[[1.0, -2.0]], h=[40.0], name="htp_934")


# Aiyoshi, Shimizu (1984) ex. 2 (BOLIB AiyoshiShimizu1984Ex2): HTP 9.3.4 with +20 in place of +40
def aiyoshi_shimizu_1984_ex2():
    f = Follower(d=[40.0, 40.0], M=-2.0 * np.eye(2), Q=2.0 * np.eye(2), A=-np.eye(2),
                 B=2.0 * np.eye(2), b=[-10.0, -10.0], lb=[-10.0, -10.0], ub=[20.0, 20.0])
    return Bilevel("min", c_x=[2.0, 2.0], c_y=[-3.0, -3.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[50.0, 50.0],
                   G_x=[[1.0, 1.0]], G_y=[[1.0, -2.0]], h=[40.0],
                   name="aiyoshi_shimizu_1984_ex2")


# Floudas et al. (2013) (BOLIB FloudasEtal2013): as above with the coupling row in the lower level
def floudas_2013():
    f = Follower(d=[40.0, 40.0], M=-2.0 * np.eye(2), Q=2.0 * np.eye(2),
                 A=[[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]],
                 B=[[2.0, 0.0], [0.0, 2.0], [1.0, -2.0]], b=[-10.0, -10.0, 40.0],
                 lb=[-10.0, -10.0], ub=[20.0, 20.0])
    return Bilevel("min", c_x=[2.0, 2.0], c_y=[-3.0, -3.0], followers=[f],
                   x_lb=[0.0, 0.0], x_ub=[50.0, 50.0], name="floudas_2013")


# Hatz et al. (2013) (BOLIB HatzEtal2013)
def hatz_2013():
    # follower min (x - y1)^2 + y2^2, y >= 0
    f = Follower(d=[0.0, 0.0], M=[[-2.0, 0.0]], Q=2.0 * np.eye(2), B=np.zeros((0, 2)),
                 b=np.zeros(0))
    return Bilevel("min", c_x=[-1.0], c_y=[2.0, 1.0], followers=[f], x_lb=[-10.0], x_ub=[10.0],
                   name="hatz_2013")


# Outrata, Cervinka (2009) (BOLIB OutrataCervinka2009)
def outrata_cervinka_2009():
    # follower min y1 - y2 + x'y + y'y/2 s.t. y2 <= 0, y2 - y1 <= 0, y2 + y1 <= 0
    f = Follower(d=[1.0, -1.0], M=np.eye(2), Q=np.eye(2),
                 B=[[0.0, 1.0], [-1.0, 1.0], [1.0, 1.0]], b=[0.0, 0.0, 0.0],
                 lb=[-inf, -inf])
    return Bilevel("min", c_x=[-2.0, -0.5], c_y=[0.0, -1.0], followers=[f],
                   x_lb=[-10.0, -10.0], x_ub=[0.0, 10.0], name="outrata_cervinka_2009")


# ===================================================================================== QP-LP

# Dempe et al. (2015) p. 45 (BilevelJuMP jump_13_quad, cited there as "pag 45 ex 3.3")
def dempe_quad_p45():
    # leader min (x - 1)^2 + y^2 (constant +1 dropped)
    f = Follower(d=[-1.0], A=[[1.0], [-1.0]], B=[[1.0], [1.0]], b=[2.0, 2.0])
    return Bilevel("min", c_x=[-2.0], c_y=[0.0], Q_xx=[[2.0]], Q_yy=[[2.0]], followers=[f],
                   x_lb=[-2.0], x_ub=[2.0], name="dempe_quad_p45")


# Dempe (2002) sec. 5.1 p. 127 (BilevelJuMP jump_quad_01_a, docs/src/examples/FOBP_example4.jl)
def dempe_p127():
    # leader x = source's y, follower y = source's x; min y^2 + x s.t. -x - y <= 0
    f = Follower(d=[1.0], B=np.zeros((0, 1)), b=np.zeros(0))
    return Bilevel("min", c_x=[1.0], Q_yy=[[2.0]], followers=[f], x_lb=[-10.0], x_ub=[10.0],
                   G_x=[[-1.0]], G_y=[[-1.0]], h=[0.0], name="dempe_p127")


# Dempe (2002) sec. 5.1 p. 127 with the constraint in the lower level (jump_quad_01_b)
def dempe_p127_lower():
    f = Follower(d=[1.0], A=[[-1.0]], B=[[-1.0]], b=[0.0])
    return Bilevel("min", c_x=[1.0], Q_yy=[[2.0]], followers=[f], x_lb=[-10.0], x_ub=[10.0],
                   name="dempe_p127_lower")


# HTP 9.3.9 p. 229 (BilevelJuMP jump_HTP_quad08)
def htp_939():
    # leader min -(4x - 3) y + (2x + 1) (constant +1 dropped); follower min (4x - 1) y
    f = Follower(d=[-1.0], M=[[4.0]], B=np.zeros((0, 1)), b=np.zeros(0), ub=[1.0])
    return Bilevel("min", c_x=[2.0], c_y=[3.0], Q_xy=[[-4.0]], followers=[f],
                   x_lb=[0.0], x_ub=[1.0], G_x=[[0.0], [0.0]], G_y=[[1.0], [-1.0]],
                   h=[1.0, 0.0], name="htp_939")


# LP duality example after Stanford MS&E 111 notes ch. 4, as a bilevel (PAO attic t5)
def pao_t5():
    # leader z in [1, 2]: min z (3 x1 + 2.5 x2); follower max z (3 x1 + 2.5 x2)
    f = Follower.maximize(d=[0.0, 0.0], M=[[3.0, 2.5]],
                          B=[[4.44, 0.0], [0.0, 6.67], [4.0, 2.86], [3.0, 6.0]],
                          b=[100.0, 100.0, 100.0, 100.0])
    return Bilevel("min", c_x=[0.0], Q_xy=[[3.0, 2.5]], followers=[f], x_lb=[1.0], x_ub=[2.0],
                   name="pao_t5")


# Tuy, Migdalas, Hoai-Phuong (2007) (BOLIB TuyEtal2007)
def tuy_2007():
    f = Follower(d=[-1.0], A=[[3.0], [1.0], [1.0]], B=[[1.0], [1.0], [3.0]],
                 b=[15.0, 7.0, 15.0], lb=[-inf])
    return Bilevel("min", Q_xx=[[2.0]], c_x=[0.0], Q_yy=[[2.0]], followers=[f],
                   x_lb=[0.0], x_ub=[20.0], G_x=[[0.0]], G_y=[[-1.0]], h=[0.0],
                   name="tuy_2007")


# Lampariello, Sagratella (2017) ex. 3.5 (BOLIB LamparielloSagratella2017Ex35)
def lampariello_sagratella_2017_ex35():
    f = Follower(d=[-1.0], A=[[2.0]], B=[[1.0]], b=[2.0], ub=[1.0])
    return Bilevel("min", c_x=[0.0], Q_xx=[[2.0]], Q_yy=[[2.0]], followers=[f],
                   x_lb=[-1.0], x_ub=[1.0], name="lampariello_sagratella_2017_ex35")


# Dempe, Lohse (2011) ex. 3.1 (BOLIB DempeLohse2011Ex31a)
def dempe_lohse_2011_ex31a():
    # leader min (x1 - .5)^2 + (x2 - .5)^2 - 3 y1 - 3 y2 (constant +0.5 dropped)
    f = Follower(d=[0.0, 0.0], M=np.eye(2), B=[[1.0, 1.0], [-1.0, 1.0]], b=[2.0, 0.0])
    return Bilevel("min", c_x=[-1.0, -1.0], c_y=[-3.0, -3.0], Q_xx=2.0 * np.eye(2),
                   followers=[f], x_lb=[-10.0, -10.0], x_ub=[10.0, 10.0],
                   name="dempe_lohse_2011_ex31a")


# ===================================================================================== QP-QP

def _htp_932_follower(y_lb):
    # min (y - 1)^2 - 1.5 x y (constant dropped) s.t. -3x + y <= -3, x - y/2 <= 4, x + y <= 7
    return Follower(d=[-2.0], M=[[-1.5]], Q=[[2.0]], A=[[-3.0], [1.0], [1.0]],
                    B=[[1.0], [-0.5], [1.0]], b=[-3.0, 4.0, 7.0], lb=[y_lb])


# HTP 9.3.2 p. 221 (BilevelJuMP jump_HTP_quad01, docs/src/examples/PHTP_example1.jl);
# = Bard (1988) ex. 1 (BOLIB Bard1988Ex1)
def htp_932():
    # leader min (x - 5)^2 + (2y + 1)^2 (constant +26 dropped), upper y >= 0
    return Bilevel("min", c_x=[-10.0], c_y=[4.0], Q_xx=[[2.0]], Q_yy=[[8.0]],
                   followers=[_htp_932_follower(-inf)], x_lb=[0.0], x_ub=[10.0],
                   G_x=[[0.0]], G_y=[[-1.0]], h=[0.0], name="htp_932")


# HTP 9.3.8 p. 228 (BilevelJuMP jump_HTP_quad07): 9.3.2 with y >= 0 in the lower level too
def htp_938():
    return Bilevel("min", c_x=[-10.0], c_y=[4.0], Q_xx=[[2.0]], Q_yy=[[8.0]],
                   followers=[_htp_932_follower(0.0)], x_lb=[0.0], x_ub=[10.0],
                   G_x=[[0.0]], G_y=[[-1.0]], h=[0.0], name="htp_938")


# HTP 9.3.3 p. 222 (BilevelJuMP jump_HTP_quad02); = Shimizu, Aiyoshi (1981) ex. 1 (BOLIB)
def htp_933():
    # leader min x^2 + (y - 10)^2 (constant +100 dropped); follower min (x + 2y - 30)^2
    f = Follower(d=[-120.0], M=[[4.0]], Q=[[8.0]], A=[[1.0]], B=[[1.0]], b=[20.0], ub=[20.0])
    return Bilevel("min", c_x=[0.0], c_y=[-20.0], Q_xx=[[2.0]], Q_yy=[[2.0]], followers=[f],
                   x_lb=[0.0], x_ub=[15.0], G_x=[[-1.0], [0.0], [0.0]],
                   G_y=[[1.0], [-1.0], [1.0]], h=[0.0, 0.0, 20.0], name="htp_933")


# HTP 9.3.5 p. 225 (BilevelJuMP jump_HTP_quad04)
def htp_935():
    # leader min ((y1 - 2)^2 + (y2 - 2)^2) / 2 (constant +4 dropped);
    # follower min y1^2 / 2 + y2 s.t. y1 + y2 = x, y >= 0
    f = Follower(d=[0.0, 1.0], Q=[[1.0, 0.0], [0.0, 0.0]], A=[[-1.0]], B=[[1.0, 1.0]], b=[0.0],
                 sense="=")
    return Bilevel("min", c_x=[0.0], c_y=[-2.0, -2.0], Q_yy=np.eye(2), followers=[f],
                   x_lb=[-10.0], x_ub=[10.0], G_x=np.zeros((2, 1)), G_y=-np.eye(2),
                   h=[0.0, 0.0], name="htp_935")


# HTP 9.3.6 p. 226 (BilevelJuMP jump_HTP_quad05); = Clark, Westerberg (1990) (BOLIB)
def htp_936():
    # leader min (x - 3)^2 + (y - 2)^2 (constant +13 dropped); follower min (y - 5)^2
    f = Follower(d=[-10.0], Q=[[2.0]], A=[[-2.0], [1.0], [1.0]], B=[[1.0], [-2.0], [2.0]],
                 b=[1.0, 2.0, 14.0])
    return Bilevel("min", c_x=[-6.0], c_y=[-4.0], Q_xx=[[2.0]], Q_yy=[[2.0]], followers=[f],
                   x_lb=[0.0], x_ub=[8.0], name="htp_936")


def _htp_937_follower():
    # min (y1 - x1)^2 + (y2 - x2)^2 (constant dropped), 0.5 <= y <= 1.5
    return Follower(d=[0.0, 0.0], M=-2.0 * np.eye(2), Q=2.0 * np.eye(2), B=np.zeros((0, 2)),
                    b=np.zeros(0), lb=[0.5, 0.5], ub=[1.5, 1.5])


# HTP 9.3.7 p. 227 (BilevelJuMP jump_HTP_quad06); = De Silva (1978) (BOLIB DeSilva1978)
def htp_937():
    return Bilevel("min", c_x=[-2.0, -2.0], Q_xx=2.0 * np.eye(2), Q_yy=2.0 * np.eye(2),
                   followers=[_htp_937_follower()], x_lb=[-5.0, -5.0], x_ub=[5.0, 5.0],
                   G_x=np.zeros((2, 2)), G_y=-np.eye(2), h=[0.0, 0.0], name="htp_937")


# HTP 9.3.7, second instance (BilevelJuMP jump_HTP_quad06b)
def htp_937_b():
    return Bilevel("min", c_x=[0.0, 0.0], c_y=[-3.0, -3.0], Q_xx=2.0 * np.eye(2),
                   Q_yy=2.0 * np.eye(2), followers=[_htp_937_follower()],
                   x_lb=[-5.0, -5.0], x_ub=[5.0, 5.0], G_x=np.zeros((2, 2)), G_y=-np.eye(2),
                   h=[0.0, 0.0], name="htp_937_b")


# Falk, Liu (1995) (BOLIB FalkLiu1995)
def falk_liu_1995():
    # leader min sum (x_i - 1.5)^2 + y_i^2 - 4.5 (constants cancel)
    return Bilevel("min", c_x=[-3.0, -3.0], Q_xx=2.0 * np.eye(2), Q_yy=2.0 * np.eye(2),
                   followers=[_htp_937_follower()], x_lb=[-5.0, -5.0], x_ub=[5.0, 5.0],
                   name="falk_liu_1995")


# Siddiqui, Gabriel (2013), An SOS1-based approach for solving MPECs with a natural gas
# market application, Netw. Spat. Econ. 13 (BilevelJuMP jump_qp_lower_max / _min)
def siddiqui_gabriel_2013():
    # a Stackelberg-Cournot market: price 13 - (q1 + q2 + Q), unit cost 1; leader Q, two
    # followers' quantities q decided jointly: max (12 - q1 - q2 - Q)(q1 + q2) + q1 q2
    f = Follower.maximize(d=[12.0, 12.0], M=[[-1.0, -1.0]], Q=[[2.0, 1.0], [1.0, 2.0]],
                          B=np.zeros((0, 2)), b=np.zeros(0))
    return Bilevel("max", c_x=[12.0], Q_xx=[[-2.0]], Q_xy=[[-1.0, -1.0]], followers=[f],
                   x_lb=[0.0], x_ub=[20.0], name="siddiqui_gabriel_2013")


# Shimizu, Aiyoshi (1981) ex. 2 (BOLIB ShimizuAiyoshi1981Ex2)
def shimizu_aiyoshi_1981_ex2():
    # leader min (x1 - 30)^2 + (x2 - 20)^2 - 20 y1 + 20 y2 (constant +1300 dropped)
    # s.t. x1 + 2 x2 >= 30, x1 + x2 <= 25, x2 <= 15; follower min |x - y|^2, 0 <= y <= 10
    f = Follower(d=[0.0, 0.0], M=-2.0 * np.eye(2), Q=2.0 * np.eye(2), B=np.zeros((0, 2)),
                 b=np.zeros(0), ub=[10.0, 10.0])
    return Bilevel("min", c_x=[-60.0, -40.0], c_y=[-20.0, 20.0], Q_xx=2.0 * np.eye(2),
                   followers=[f], x_lb=[-50.0, -50.0], x_ub=[50.0, 15.0],
                   A_x=[[-1.0, -2.0], [1.0, 1.0]], b_x=[-30.0, 25.0],
                   name="shimizu_aiyoshi_1981_ex2")


# ================================================================================== registry

def _p(name, cls, source, build, F, x, y, note=""):
    return {"name": name, "cls": cls, "source": source, "build": build, "F": float(F),
            "x": None if x is None else [float(v) for v in x],
            "y": None if y is None else [float(v) for v in y], "note": note}


BOX = "box added where the source leaves x unbounded"
XONLY = "lower-level constraints on x alone are stated on the leader"
CONST = ("the leader's objective has a constant {c:+g} in the source, dropped here: the "
         "source's F* = {F:g}")

PROBLEMS: list[dict] = [
    # ---------------------------------------------------------------------------- LP-LP
    _p("jump_01", "LP-LP", f"textbook example in the comment of {JUMP}::jump_01", jump_01,
       -8, [2], [0], f"x >= 0 from the lower level; x <= 10 {BOX}"),
    _p("jump_02", "LP-LP", f"{JUMP}::jump_02", jump_02, 12, [6], [2],
       f"1 <= x <= 6 come from the lower level ({XONLY}). PAO pao/pyomo/examples/gecco2013.py "
       "(Sinha, Malo, Deb, GECCO 2013 tutorial) is the same with 2 <= x <= 6: same optimum"),
    _p("dempe_p25", "LP-LP", f"Dempe (2002) Foundations of Bilevel Programming ch. 3.2 p. 25; "
       f"{JUMP}::jump_03, docs/src/examples/FOBP_example2.jl", dempe_p25, 92 / 15, [8 / 15],
       [28 / 15], "source's leader variable is y and follower's x (swapped here); the "
       "upper-level bound x <= 5 on the follower's variable is a coupling row"),
    _p("dempe_p25_lower_bound", "LP-LP", f"Dempe (2002) ch. 3.2 p. 25; {JUMP}::jump_04",
       dempe_p25_lower_bound, 92 / 15, [8 / 15], [28 / 15],
       "as dempe_p25 with the bound on the follower's variable in the lower level"),
    _p("dempe_p32", "LP-LP", f"Dempe (2002) sec. 3.4.1 p. 32; {JUMP}::jump_05", dempe_p32,
       0, [0], [0.01, 0], "leader and follower names swapped as in the source's book"),
    _p("bard_511", "LP-LP", "Bard (1998) Practical Bilevel Optimization ex. 5.1.1 p. 197; "
       f"{JUMP}::jump_06; {PAO}/bard511.py::create (asserted in pao/mpr/tests/test_solve.py)",
       bard_511, -12, [4], [4], f"x <= 10 {BOX}; the last row is 3x - 2y <= 4 (BilevelJuMP "
       "notes that signs are wrong in some versions of the book, see bard_511_flipped)"),
    _p("bard_511_flipped", "LP-LP", "Bard (1998) ex. 5.1.1 as stated in PAO "
       "pao/pyomo/tests/attic/auxiliary/solution/test_bard511_linear_mpec.txt (row "
       "-3x + 2y <= -4), optimum in pao/pyomo/tests/attic/auxiliary/solution/bard511.txt",
       bard_511_flipped, -2, [2], [1], f"x <= 10 {BOX}"),
    _p("bard_531", "LP-LP", f"Bard (1998) ex. 5.3.1 p. 208; {JUMP}::jump_07", bard_531,
       -29.2, [0, 0.9], [0, 0.6, 0.4],
       f"x <= 10 {BOX}; the follower's x1 + 2 x2 is dropped. F* not asserted by the source, "
       "computed at its (x, y)"),
    _p("htp_924", "LP-LP", f"HTP (Floudas et al. 1999) 9.2.4 p. 211; {JUMP}::jump_HTP_lin03",
       htp_924, -29.2, [0, 0.9], [0, 0.6, 0.4, 0, 0, 0],
       f"Bard 5.3.1 with slacks y4..y6 and equality rows; x <= 10 {BOX}"),
    _p("htp_928", "LP-LP", f"HTP 9.2.8 p. 216; {JUMP}::jump_HTP_lin07", htp_928, -26,
       [0, 0.9], [0, 0.6, 0.4], f"+4 y3 in the leader (BilevelJuMP: 'the sign of 4y[3] seems "
       f"off, but solution is the same'); x <= 10 {BOX}; F* computed at the source's (x, y)"),
    _p("bard_812", "LP-LP", f"Bard (1998) ex. 8.1.2 p. 304; {JUMP}::jump_09a", bard_812,
       -1, [0], [0, 1], "degenerate lower level: at x = 0 every y1 + y2 = 1 is optimal; the "
       f"optimistic choice is y = (0, 1). x <= 10 {BOX}"),
    _p("bard_812_b", "LP-LP", f"Bard (1998) ex. 8.1.2 p. 304 variant; {JUMP}::jump_09b",
       bard_812_b, -2, [0], [0, 1], f"optimistic choice among ties as bard_812; x <= 10 {BOX}"),
    _p("htp_926", "LP-LP", f"HTP 9.2.6; {JUMP}::jump_HTP_lin05", htp_926, -1, [0], [0, 1],
       "BilevelJuMP: 'book solution looks incorrect', asserts x = 0, y = (0, 1); optimistic "
       f"choice among ties; x <= 10 {BOX}"),
    _p("dempe_ex21", "LP-LP", "Dempe, Kalashnikov, Perez-Valdes, Kalashnykova (2015) Bilevel "
       f"Programming Problems ex. 2.1 p. 21; {JUMP}::jump_11a; Getachew, Mersha, Dempe (2005), "
       f"{PAO}/getachew_ex1.py (test_solve.py)", dempe_ex21, -20, [8], [6], f"[-20, 20] {BOX}"),
    _p("dempe_ex21_lower", "LP-LP", f"Dempe et al. (2015) ex. 2.1, upper constraints moved to "
       f"the lower level; {JUMP}::jump_11b; {PAO}/getachew_ex2.py (test_solve.py)",
       dempe_ex21_lower, -22, [6], [8], f"[-20, 20] {BOX}"),
    *[_p(f"dempe_ex33_a{a}", "LP-LP", f"Dempe et al. (2015) ex. 3.3 p. 45 with a = {a}; "
         f"{JUMP}::jump_12", (lambda a=a: dempe_ex33(a)), 2 - a / 4, [a / 2], [1 + a / 2, 1],
         f"[-5, 5] {BOX}; F* = 2 - a/4 computed at the source's (x, y)") for a in (0.0, 0.1, 0.2)],
    _p("dempe_ex82", "LP-LP", f"Dempe et al. (2015) ex. 8.2 p. 290; {JUMP}::jump_14",
       dempe_ex82, -15, [0, 10], [5], "leader (x, y), follower z; 2x - y in the follower's "
       "objective dropped; the upper bounds 0 <= z <= 10 are coupling rows"),
    _p("htp_922", "LP-LP", f"HTP 9.2.2; {JUMP}::jump_HTP_lin01", htp_922, -13, [5], [4, 2],
       "y2 has no lower-level bound (only the upper level's 0 <= y <= 4); at x = 5 the "
       "follower is indifferent in y2 on [2, 4.5], optimistic y2 = 2"),
    _p("htp_923", "LP-LP", f"HTP 9.2.3; {JUMP}::jump_HTP_lin02", htp_923, -16, [4], [4],
       f"x <= 10 {BOX}; the upper level's y >= 0 repeats the follower's bound"),
    _p("htp_925", "LP-LP", f"HTP 9.2.5; {JUMP}::jump_HTP_lin04", htp_925, -37, [19], [14],
       f"[-50, 50] {BOX}"),
    _p("htp_927", "LP-LP", f"HTP 9.2.7; {JUMP}::jump_HTP_lin06", htp_927, -49, [16], [11],
       f"x <= 40 {BOX}; BilevelJuMP fixes a sign on the book ('sign of 2y was wrong on "
       "book') and notes 'book solution looks incorrect'; -x in the follower dropped"),
    _p("htp_929", "LP-LP", f"HTP 9.2.9 p. 217; {JUMP}::jump_HTP_lin08 (9.2.11, "
       "jump_HTP_lin10, is identical once x1 + x2 <= 2 is on the leader)", htp_929, -3.25,
       [2, 0], [1.5, 0], f"{XONLY} (x1 + x2 <= 2); x <= 2 implied; BilevelJuMP: 'solution "
       "from the book is incorrect', uses the GAMS EMP library (flds918) solution"),
    _p("htp_9210", "LP-LP", f"HTP 9.2.10; {JUMP}::jump_HTP_lin09 and jump_08", htp_9210,
       28 / 9, [8 / 9], [20 / 9], f"x <= 10 {BOX}; -5x in the follower dropped"),
    _p("htp_9310", "LP-LP", f"HTP 9.3.10 p. 230; {JUMP}::jump_HTP_quad09; Bard (1991) ex. 1 "
       f"({BOLIB}/Bard1991Ex1.m, F* = 2)", htp_9310, 2, [2], [6, 0],
       "listed among HTP's quadratic problems, but the only nonlinearity is x*y2 in the "
       "follower's objective, linear in y (M); the +4 missing from the book is restored "
       f"from GAMS flds929 as in BilevelJuMP; x <= 10 {BOX}"),
    _p("jointc1", "LP-LP", "Ferris, GAMS EMP library model jointc1 (second model); "
       f"{JUMP}::jump_jointc1", jointc1, 1, [1], [1],
       f"x <= 10 {BOX}; the first model of jointc1 is infeasible and not included"),
    _p("jointc2_a", "LP-LP", "Ferris, GAMS EMP library model jointc2 (first model); "
       f"{JUMP}::jump_jointc2", jointc2_a, 1, [1], [-1], ""),
    _p("jointc2_b", "LP-LP", "Ferris, GAMS EMP library model jointc2 (second model); "
       f"{JUMP}::jump_jointc2", jointc2_b, 2, [2], [0], ""),
    _p("bard_1983", "LP-LP", "Bard (1983) An efficient point algorithm for a linear "
       f"two-stage optimization problem, Oper. Res. 31; {JUMP}::jump_EffPointAlgo",
       bard_1983, 41.2, [0, 4, 0, 15, 9.2, 0], [0, 0, 2],
       f"both levels maximise; x <= 50 {BOX}; the lower-level row -2x2 - 3x3 - x5 <= -3 is "
       "on x alone (A_x); F* computed at the source's (x, y)"),
    _p("moshirvaziri_1996", "LP-LP", "Moshirvaziri, Amouzegar, Jacobsen (1996) Test problem "
       f"construction for linear bilevel programming problems, JOGO 8; {JUMP}::jump_SemiRand",
       moshirvaziri_1996, 129607 / 8416, [26511 / 16832, 14083 / 16832, 1589 / 8416,
                                          36541 / 16832], [31773 / 16832, 0],
       f"x <= 10 {BOX}; {XONLY} (4 x2 + 5 x3 + 10 x4 <= 26). The source asserts x = (1.57504, "
       "0.83668, 0.188807, 2.17092), y = (1.88765, 0) to 1e-4 and no F; the exact vertex "
       "(rationals here) and F = 129607/8416 = 15.40007 come from a global solve"),
    _p("conejo_dtmp", "LP-LP", "Conejo, Castillo, Minguez, Garcia-Bertrand (2006) "
       f"Decomposition Techniques in Mathematical Programming ch. 7.2 p. 281; {JUMP}::"
       "jump_DTMP_01, docs/src/examples/DTMP_example1.jl", conejo_dtmp, 23, [1], [6],
       f"0 <= x <= 4 from the lower level ({XONLY}); -x in the follower dropped"),
    _p("conejo_dtmp_mod", "LP-LP", f"Conejo et al. (2006) ch. 7.2 modified; {JUMP}::"
       "jump_DTMP_01_mod1", conejo_dtmp_mod, 24, [1, 1], [6, 1],
       "leader (x, z) with z = 1 (E_x; z in [-5, 5] box added), follower (y, w) with the "
       "equality row w = 1"),
    _p("fruits", "LP-LP", f"BilevelJuMP issue #82; {JUMP}::jump_fruits (p_max = 0.1)", fruits,
       0, None, [3, 6, 0, 0, 0, 0],
       "follower (pN1, pN2, mP1, mP2, mN1, mN2) with the bilinear p*m terms in M; the "
       "upper-level equality sum(mP - mN) = 0 is two coupling rows. x is not unique: every "
       "p in [0.09, 0.1] is optimal (p < 0.09 makes the follower sell, violating the "
       "coupling; the source's p_max < 0.09 case is infeasible)"),
    _p("chi_2014_ex31", "LP-LP", "Chi, Wan, Hao (2014) J. Inequal. Appl. 2014:168 ex. 3.1; "
       f"{JUMP}::jump_conic02, docs/src/examples/SOCBLP_example1.jl", chi_2014_ex31, 12, [6],
       None, "the lower level's second-order cone y1 >= |y2| is exactly the linear row "
       "y1 - y2 >= 0 since y2 >= 0; y is not unique (any y1 - y2 = 2, y2 >= 0; the source "
       "asserts only y1 - y2 = 2)"),
    _p("chi_2014_conic03", "LP-LP", f"Chi et al. (2014) setting; {JUMP}::jump_conic03",
       chi_2014_conic03, 6, [2], None, "the cone y1 >= |y2| with y2 <= 0 is the linear row "
       "y1 + y2 >= 0; y is not unique (any y1 + y2 = 2, y1 >= 0, y2 <= 0; the source "
       "asserts only the sum); the coupling y1 + y2 <= 3 disconnects the feasible set"),
    _p("besancon_27", "LP-LP", "Besancon, Anjos, Brotcorne (2019) Near-optimal robust bilevel "
       f"optimization, arXiv:1908.04040 ex. 2.7; {PAO}/besancon27.py (test_solve.py)",
       besancon_27, 0, [0], [1], f"x <= 10 {BOX}; follower's variable free (PAO's default)"),
    _p("besancon_27_shifted", "LP-LP", f"Besancon et al. (2019) ex. 2.7 shifted; "
       f"{PAO}/besancon27_shifted.py (test_solve.py)", besancon_27_shifted, 1.25, [2.5], [1.25],
       f"x <= 10 {BOX}"),
    _p("pineda_2018", "LP-LP", "Pineda, Morales (2019) Solving linear bilevel problems using "
       f"big-Ms: not all that glitters is gold, IEEE TPWRS; {PAO}/pineda.py (test_solve.py)",
       pineda_2018, 102, [2], [100], "the follower's y = 100 defeats small big-M bounds"),
    _p("pao1", "LP-LP", f"PAO documentation example; {PAO}/pao1.py (optimum in its comment)",
       pao1, 12, [6, 4], [2], f"x1 + x2 = 10 (E_x); x2 in [-20, 20] {BOX}"),
    _p("pao2", "LP-LP", f"PAO documentation example with two lower levels; {PAO}/pao2.py",
       pao2, 18.5, [2, 8], [5.5, 0], "two followers; x2 in [-20, 20] box added. DISCREPANCY: "
       "the file's comment 'Optimal solution: (x,y,z) = (6,4,2)' is copied from pao1 (there "
       "F = 24); verified optimum F = 18.5 at x = (2, 8), y = (5.5, 0), used here"),
    _p("dempe_franke_2014_ex38", "LP-LP", f"Dempe, Franke (2014) ex. 3.8; {BOLIB}/"
       "DempeFranke2014Ex38.m (BOLIB Table 3: F* = -1)", dempe_franke_2014_ex38, -1, [-1, -1],
       [2, 2], "follower's objective x'y (M = I). BOLIB lists F* only; (x, y) from a global "
       "solve; not unique (x = (0, -1), y = (1, 2) also attains -1)"),
    _p("morgan_patrone_2006a", "LP-LP", f"Morgan, Patrone (2006); {BOLIB}/MorganPatrone2006a.m "
       "(BOLIB Table 3: F* = -1, global solution (0, 1))", morgan_patrone_2006a, -1, [0], [1],
       "follower min x*y on [-1, 1]: at x = 0 every y is optimal and the optimistic choice "
       "y = 1 attains F* = -1, only there (x < 0 gives F = -x - 1 > -1, x > 0 gives y = -1)"),
    # ---------------------------------------------------------------------------- LP-QP
    _p("htp_934", "LP-QP", f"HTP 9.3.4 p. 223; {JUMP}::jump_HTP_quad03, "
       "docs/src/examples/PHTP_example2.jl", htp_934, 60, [0, 0], [-10, -10],
       f"{CONST.format(c=-60, F=0)}. Not unique: the source also accepts x = (0, 30), "
       "y = (-10, 10); BilevelJuMP restores 40 (GAMS flds923) where the book has 20, see "
       "aiyoshi_shimizu_1984_ex2 for the book's version; upper bounds -10 <= y <= 20 repeat "
       "the follower's"),
    _p("aiyoshi_shimizu_1984_ex2", "LP-QP", f"Aiyoshi, Shimizu (1984) ex. 2; {BOLIB}/"
       "AiyoshiShimizu1984Ex2.m (BOLIB Table 3: F* = 5 at (25, 30, 5, 10))",
       aiyoshi_shimizu_1984_ex2, 60, [0, 0], [-10, -10],
       f"{CONST.format(c=-60, F=0)}. DISCREPANCY: BOLIB's F* = 5 at x = (25, 30), y = (5, 10) "
       "is feasible but not optimal; BOLIB's own 'local' point (0, 0, -10, -10) has F = 0 "
       "(verified global optimum, used here)"),
    _p("floudas_2013", "LP-QP", f"Floudas et al. (2013); {BOLIB}/FloudasEtal2013.m (BOLIB "
       "Table 3: F* = 0 at (0, 0, -10, -10))", floudas_2013, 60, [0, 0], [-10, -10],
       f"{CONST.format(c=-60, F=0)}; the row x1 + x2 + y1 - 2 y2 <= 40 is in the lower level"),
    _p("hatz_2013", "LP-QP", f"Hatz et al. (2013); {BOLIB}/HatzEtal2013.m (BOLIB Table 3: "
       "F* = 0 at (0, 0, 0))", hatz_2013, 0, [0], [0, 0], f"[-10, 10] {BOX}"),
    _p("outrata_cervinka_2009", "LP-QP", f"Outrata, Cervinka (2009); {BOLIB}/"
       "OutrataCervinka2009.m (BOLIB Table 3: F* = 0 at 0)", outrata_cervinka_2009, 0, [0, 0],
       [0, 0], "x1 <= 0 from the source; x1 >= -10, x2 in [-10, 10] box added"),
    # ---------------------------------------------------------------------------- QP-LP
    _p("dempe_quad_p45", "QP-LP", "Dempe, Kalashnikov, Perez-Valdes, Kalashnykova (2015) "
       f"Bilevel Programming Problems, cited as 'pag 45 ex 3.3'; {JUMP}::jump_13_quad",
       dempe_quad_p45, -0.5, [1.5], [0.5],
       f"{CONST.format(c=1, F=0.5)} (F* computed at the source's (x, y))"),
    _p("dempe_p127", "QP-LP", f"Dempe (2002) sec. 5.1 p. 127; {JUMP}::jump_quad_01_a, "
       "docs/src/examples/FOBP_example4.jl", dempe_p127, 0, [0], [0],
       f"leader/follower names swapped as in the book; [-10, 10] {BOX}"),
    _p("dempe_p127_lower", "QP-LP", f"Dempe (2002) sec. 5.1 p. 127, constraint in the lower "
       f"level; {JUMP}::jump_quad_01_b", dempe_p127_lower, -0.25, [-0.5], [0.5],
       f"[-10, 10] {BOX}"),
    _p("htp_939", "QP-LP", f"HTP 9.3.9 p. 229; {JUMP}::jump_HTP_quad08", htp_939, 0.5, [0.25],
       [0], f"{CONST.format(c=1, F=1.5)}; the leader's x*y term is indefinite (allowed for "
       "the leader); at x = 0.25 the follower is indifferent, optimistic y = 0"),
    _p("pao_t5", "QP-LP", "duality example adapted from Stanford MS&E 111 notes ch. 4; PAO "
       "pao/pyomo/tests/attic/auxiliary/t5.py, optimum in .../solution/t5.txt", pao_t5,
       77.3022049287, [1], [20.3631647211, 6.4850843061],
       "bilinear leader z*(3 x1 + 2.5 x2); the follower maximises the same"),
    _p("tuy_2007", "QP-LP", f"Tuy, Migdalas, Hoai-Phuong (2007); {BOLIB}/TuyEtal2007.m (BOLIB "
       "Table 3: F* = 22.5, solution (4.492188, 1.523438))", tuy_2007, 22.5, [4.5], [1.5],
       "the upper level's y >= 0 is a coupling row; x <= 20 box added (x >= 0 from the "
       "source). BOLIB's point is an approximation of the exact (4.5, 1.5); not unique: "
       "(1.5, 4.5) also attains 22.5"),
    _p("lampariello_sagratella_2017_ex35", "QP-LP", f"Lampariello, Sagratella (2017) ex. 3.5; "
       f"{BOLIB}/LamparielloSagratella2017Ex35.m (BOLIB Table 3: F* = 0.8 at (4/5, 2/5))",
       lampariello_sagratella_2017_ex35, 0.8, [0.8], [0.4], ""),
    _p("dempe_lohse_2011_ex31a", "QP-LP", f"Dempe, Lohse (2011) ex. 3.1; {BOLIB}/"
       "DempeLohse2011Ex31a.m (BOLIB Table 3: F* = -5.5 at (0, 0, 1, 1))",
       dempe_lohse_2011_ex31a, -6.25, [0, 0.5], [2, 0],
       "the leader's objective has a constant +0.5 in the source, dropped here. "
       "DISCREPANCY: BOLIB corrects the paper's (0.5, 0.5, 1, 1) to (0, 0, 1, 1) with "
       "F* = -5.5, but x = (0, 0.5), y = (2, 0) is better: the follower is indifferent in "
       "y1 when x1 = 0 and the optimistic choice y1 = 2 gives F = -5.75 in the source's "
       f"terms (verified global optimum, used here: -6.25 without the constant); "
       f"[-10, 10]^2 {BOX}"),
    # ---------------------------------------------------------------------------- QP-QP
    _p("htp_932", "QP-QP", f"HTP 9.3.2 p. 221; {JUMP}::jump_HTP_quad01, docs/src/examples/"
       f"PHTP_example1.jl; Bard (1988) ex. 1 ({BOLIB}/Bard1988Ex1.m, F* = 17)", htp_932, -9,
       [1], [0], f"{CONST.format(c=26, F=17)}; y >= 0 only in the upper level (coupling); "
       f"x <= 10 {BOX}"),
    _p("htp_938", "QP-QP", f"HTP 9.3.8 p. 228; {JUMP}::jump_HTP_quad07", htp_938, -9, [1], [0],
       f"{CONST.format(c=26, F=17)}; 9.3.2 with y >= 0 in the lower level too; x <= 10 {BOX}"),
    _p("htp_933", "QP-QP", f"HTP 9.3.3 p. 222; {JUMP}::jump_HTP_quad02; Shimizu, Aiyoshi (1981) "
       f"ex. 1 ({BOLIB}/ShimizuAiyoshi1981Ex1.m, F* = 100)", htp_933, 0, [10], [10],
       f"{CONST.format(c=100, F=100)}"),
    _p("htp_935", "QP-QP", f"HTP 9.3.5 p. 225; {JUMP}::jump_HTP_quad04", htp_935, -3.5, [3],
       [1, 2], f"{CONST.format(c=4, F=0.5)}; [-10, 10] {BOX}"),
    _p("htp_936", "QP-QP", f"HTP 9.3.6 p. 226; {JUMP}::jump_HTP_quad05; Clark, Westerberg (1990) "
       f"({BOLIB}/ClarkWesterberg1990a.m, F* = 5)", htp_936, -8, [1], [3],
       f"{CONST.format(c=13, F=5)}"),
    _p("htp_937", "QP-QP", f"HTP 9.3.7 p. 227; {JUMP}::jump_HTP_quad06; De Silva (1978) "
       f"({BOLIB}/DeSilva1978.m, F* = -1)", htp_937, -1, [0.5, 0.5], [0.5, 0.5],
       f"[-5, 5]^2 {BOX}"),
    _p("htp_937_b", "QP-QP", f"HTP 9.3.7 (second objective); {JUMP}::jump_HTP_quad06b",
       htp_937_b, -2.5, [0, 0], [0.5, 0.5],
       "BilevelJuMP reports that the book claims x = y = (0.5, 0.5) sqrt(3) with F = "
       "-2.1962 while Xpress finds F = -2.5 at x = 0, y = (0.5, 0.5) and asserts the latter "
       f"(verified global optimum); [-5, 5]^2 {BOX}"),
    _p("falk_liu_1995", "QP-QP", f"Falk, Liu (1995); {BOLIB}/FalkLiu1995.m (BOLIB Table 3: "
       "F* = -2.1962)", falk_liu_1995, -2.25, [0.75, 0.75], [0.75, 0.75],
       "DISCREPANCY: BOLIB's F* = -2.1962 (at x = y = (0.5, 0.5) sqrt(3)) is not optimal; "
       "verified global optimum F = -2.25 at x = y = (0.75, 0.75), used here. "
       f"[-5, 5]^2 {BOX}"),
    _p("siddiqui_gabriel_2013", "QP-QP", "Siddiqui, Gabriel (2013) An SOS1-based approach for "
       "solving MPECs with a natural gas market application, Netw. Spat. Econ. 13 (via "
       f"BilevelJuMP issue #182); {JUMP}::jump_qp_lower_max (jump_qp_lower_min is the same "
       "problem with the follower minimising the negated objective)", siddiqui_gabriel_2013,
       12, [6], [2, 2], f"leader maximises; Q >= 0, Q <= 20 {BOX}; F* computed at the "
       "source's (x, y)"),
    _p("shimizu_aiyoshi_1981_ex2", "QP-QP", f"Shimizu, Aiyoshi (1981) ex. 2; {BOLIB}/"
       "ShimizuAiyoshi1981Ex2.m (BOLIB Table 3: F* = 225)", shimizu_aiyoshi_1981_ex2, -1075,
       [20, 5], [10, 5], f"{CONST.format(c=1300, F=225)}; x2 <= 15 from the source, other "
       f"bounds [-50, 50] {BOX}; BOLIB lists F* only, (x, y) from a global solve"),
]
