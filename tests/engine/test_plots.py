"""The generic plots stay a page at any number of followers and mark a known bound."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from stackga import Result  # noqa: E402
from stackga.errors import InputError  # noqa: E402
from stackga.plots import MAX_FOLLOWER_PANELS, plot_convergence, plot_followers  # noqa: E402


def run_with(n_followers: int, gens: int = 30) -> Result:
    rng = np.random.default_rng(n_followers)
    best = np.maximum.accumulate(rng.normal(size=gens))
    log = {"gen": np.arange(1.0, gens + 1), "best": best, "mean": best - 1, "worst": best - 2}
    log.update({f"f_p{k}": rng.normal(size=gens) * (k + 1) for k in range(n_followers)})
    return Result(game="g", x=np.zeros(2), leader=float(best[-1]), followers={}, arrays={}, log=log)


@pytest.mark.parametrize("n", [2, MAX_FOLLOWER_PANELS, 20, 200])
def test_convergence_stays_a_page_and_marks_the_bound(n):
    fig = plot_convergence(run_with(n), reference={"proven optimum": 3.5})
    w, h = fig.get_size_inches()
    panels = [ax for ax in fig.axes if ax.get_ylabel() and not ax.get_ylabel() == "one follower"]
    assert h <= 2.2 * (1 + MAX_FOLLOWER_PANELS) and len(panels) == 1 + (n if n <= MAX_FOLLOWER_PANELS else 1)
    marks = [ln for ln in fig.axes[0].lines if np.allclose(ln.get_ydata(), 3.5)]
    assert marks and "proven optimum: 3.5" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    if n > MAX_FOLLOWER_PANELS:                     # the summary: the sum over followers
        line = fig.axes[1].lines[0]
        log = run_with(n).log
        np.testing.assert_allclose(line.get_ydata(), sum(log[f"f_p{k}"] for k in range(n)))


def test_each_follower_as_a_row_scaled_to_its_own_range():
    r = run_with(200)
    fig = plot_followers(r)
    img = fig.axes[0].images[0].get_array()
    assert img.shape == (200, 30) and fig.get_size_inches()[1] <= 9.0
    assert np.allclose(img.min(axis=1), 0.0) and np.allclose(img.max(axis=1), 1.0)
    with pytest.raises(InputError, match="no followers' log"):
        plot_followers(run_with(0))
