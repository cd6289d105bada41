"""A candidate on a tie made attainable (stackga.bilevel.attain): where the followers' own
rule breaks the tie against the leader, the step takes a point a short way into the
candidate's piece, where the followers' answer is unique and the leader's value tends to
the optimistic optimum. The followers here are written by hand (brute force, their tie
broken against the leader), not by the library."""
from types import SimpleNamespace

import numpy as np
import pytest

from stackga.bilevel import Bilevel, Follower, improve, solve_exact
from stackga.bilevel.attain import STEPS, attain, interior_point, loose_pairs, vertex_answer
from stackga.bilevel.kkt import kkt_system, strong_duality


def _routes(with_customer: bool) -> Bilevel:
    """Demand 2 on a tolled route (cost 2 + x) or a free one (cost 5): indifferent at x = 3.
    With a customer: it buys z = 8 - x (min (x - 8) z + z^2 / 2, 0 <= z <= 10), also paying x.
    Leader: max x y_toll (+ x z). Optimistic optimum at the tie x = 3: 6 (21 with the
    customer: 2x + x(8 - x) rises up to x = 3; beyond, x(8 - x) <= 16)."""
    fs = [Follower(d=[2.0, 5.0], B=[[1.0, 1.0]], b=[2.0], sense="=", M=[[1.0, 0.0]], lb=[0.0, 0.0])]
    Q_xy = [[1.0, 0.0]]
    if with_customer:
        fs.append(Follower(d=[-8.0], B=[[1.0]], b=[10.0], M=[[1.0]], Q=[[1.0]], lb=[0.0]))
        Q_xy = [[1.0, 0.0, 1.0]]
    return Bilevel("max", c_x=[0.0], Q_xy=Q_xy, followers=fs, x_lb=[0.0], x_ub=[10.0])


class _AgainstTheLeader:
    """The followers of :func:`_routes` by hand: on the tie (x >= 3) the demand takes the
    free route, the answer worst for the leader (the sup 6 / 21 is never attained)."""

    def __init__(self, with_customer: bool) -> None:
        self.with_customer = with_customer

    def evaluate(self, X, strict=False):
        x = np.asarray(X, float)[:, 0]
        toll = np.where(x < 3.0, 2.0, 0.0)
        y = [toll, 2.0 - toll]
        lead = x * toll
        if self.with_customer:
            z = np.clip(8.0 - x, 0.0, 10.0)
            y.append(z)
            lead = lead + x * z
        return SimpleNamespace(feasible=np.ones(len(x), bool), leader=lead,
                               arrays={"y": np.column_stack(y)})


@pytest.mark.parametrize("with_customer,optimum", [(False, 6.0), (True, 21.0)])
def test_the_step_approaches_the_optimum_its_followers_break_against_the_leader(with_customer, optimum):
    """From x = 1, the piece step's best point x = 3 is rejected (the followers take the
    free route there); the attained point lies just below 3, the followers' own answer
    there is the tolled route, and the leader's value is within the step's tolerance of
    the optimum and not above it (the point furthest from the tie within that tolerance
    is kept). With the customer (a QP follower whose answer moves with x) the price can
    still move: only the LP follower's vertex is held."""
    bl = _routes(with_customer)
    game = _AgainstTheLeader(with_customer)
    assert solve_exact(bl).F == pytest.approx(optimum, abs=1e-6)     # the optimistic reference
    out = improve(bl, game, np.array([1.0]))
    assert out.counts.get("attained", 0) >= 1
    assert out.x[0] < 3.0
    assert optimum - 2e-7 * (1 + optimum) < out.F <= optimum    # within the step's tol (1e-7)
    again = game.evaluate(out.x[None])
    assert again.leader[0] == pytest.approx(out.F, abs=1e-12) and again.arrays["y"][0, 0] == 2.0


def test_the_interior_point_makes_every_active_multiplier_positive():
    """At the tie (x = 3, tolled route), the interior point is a price below 3 where the
    tolled route is strictly cheaper: the free route's lower bound pair has a positive
    multiplier; holding the customer's answer too would pin x (its stationarity
    x - 8 + z = 0), so no multiplier could move."""
    bl = _routes(True)
    K, _ = strong_duality(kkt_system(bl), bl)
    x, y = np.array([3.0]), np.array([2.0, 0.0, 5.0])
    active = ~loose_pairs(K, x, y)
    xc, positive = interior_point(K, np.r_[x, y], active, hold=np.array([True, True, False]))
    assert xc is not None and xc[0] < 3.0 and positive == int(active.sum())
    pinned, none = interior_point(K, np.r_[x, y], active, hold=np.ones(3, bool))
    assert pinned is None and none == 0


def test_vertex_answer_moves_to_a_vertex_no_worse_for_the_leader():
    """At x = 3 the optimal face is {y_toll + y_free = 2}; from its midpoint (1, 1) the
    vertex best for the leader is (2, 0)."""
    bl = _routes(False)
    y = vertex_answer(bl, np.array([3.0]), np.array([1.0, 1.0]))
    assert y == pytest.approx([2.0, 0.0], abs=1e-9)


def test_no_interior_point_no_candidate():
    """Where the leader's box blocks the move (x fixed at 3 by its bounds) no point of the
    piece makes the tolled route strictly cheaper: attain gives nothing."""
    bl = _routes(False)
    bl.x_lb[:] = bl.x_ub[:] = 3.0
    K, _ = strong_duality(kkt_system(bl), bl)
    assert attain(K, bl, _AgainstTheLeader(False), np.array([3.0, 2.0, 0.0])) is None
    bl.x_lb[:], bl.x_ub[:] = 0.0, 10.0                 # the box open again: a point below 3
    K, _ = strong_duality(kkt_system(bl), bl)
    got = attain(K, bl, _AgainstTheLeader(False), np.array([3.0, 2.0, 0.0]))
    assert got is not None and 3.0 - 1e-6 < got[0][0] < 3.0 and got[1][0] == 2.0
    assert got[2] == pytest.approx(6.0, abs=2e-6) and len(STEPS) > 1


def test_a_follower_with_the_leaders_vector_in_its_rows_is_not_held():
    """x = (p, q): the toll p and the demand q (the follower's row y_toll + y_free = q),
    tied by the leader's row p = q - 7. Holding the follower's answer would hold q, hence
    p: no price could move. Left to its tight rows, the answer moves with q, and the step
    comes within the step's tolerance of the optimum 30 (p = 3, q = 10) that its followers, breaking the
    tie toward the free route, never give exactly."""
    f = Follower(d=[2.0, 5.0], B=[[1.0, 1.0]], b=[0.0], sense="=", A=[[0.0, -1.0]],
                 M=[[1.0, 0.0], [0.0, 0.0]], lb=[0.0, 0.0])
    bl = Bilevel("max", c_x=[0.0, 0.0], Q_xy=[[1.0, 0.0], [0.0, 0.0]], followers=[f],
                 x_lb=[0.0, 0.0], x_ub=[10.0, 10.0], E_x=[[1.0, -1.0]], e_x=[-7.0])

    class Against:
        def evaluate(self, X, strict=False):
            p, q = X[:, 0], X[:, 1]
            y1 = np.where(p < 3.0, q, 0.0)
            return SimpleNamespace(feasible=np.ones(len(X), bool), leader=p * y1,
                                   arrays={"y": np.column_stack([y1, q - y1])})
    assert solve_exact(bl).F == pytest.approx(30.0, abs=1e-6)
    out = improve(bl, Against(), np.array([1.0, 8.0]), exact_nodes=0)
    assert out.counts.get("attained", 0) >= 1 and 30.0 - 2e-7 * 31.0 < out.F < 30.0
