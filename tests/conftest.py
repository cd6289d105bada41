import os
import sys

# the independent oracles live beside the tests
sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("MPLBACKEND", "Agg")
# checkpoints are signed with a per-user key: the tests (and the runs they start) use
# their own, not the user's ~/.config/stackga
if "STACKGA_KEY_DIR" not in os.environ:
    import tempfile
    os.environ["STACKGA_KEY_DIR"] = tempfile.mkdtemp(prefix="stackga-test-key-")
