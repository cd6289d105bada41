"""Importing the library has no side effects on the user's session."""
import subprocess
import sys


def test_import_keeps_the_plotting_backend():
    """``import stackga.cases.eva`` (and every plotting module) leaves matplotlib's backend as
    the user chose it (a notebook's inline backend must survive)."""
    code = ("import matplotlib; matplotlib.use('svg');"
            "import stackga, stackga.plots, stackga.bilevel.plots, stackga.experiments.plots;"
            "import stackga.cases.island.plots, stackga.cases.v2g.plots, stackga.cases.eva.plots;"
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


def test_import_prints_nothing():
    code = "import stackga, stackga.followers, stackga.cases.island, stackga.bilevel"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "" and out.stderr == ""
