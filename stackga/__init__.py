"""stackga: Stackelberg pricing games solved by a GA over exact, batched follower responses."""
__version__ = "0.1.0"
