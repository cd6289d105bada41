"""External solver backends (HiGHS): a model built once from matrices, limits always set, one map from the solver's status to :class:`~stackga.followers.Status`."""
