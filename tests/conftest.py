import os
import sys

# the independent oracles live beside the tests
sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("MPLBACKEND", "Agg")
