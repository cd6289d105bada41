"""The rows of a batch solved on threads or helper processes, with the same answer as one thread."""
