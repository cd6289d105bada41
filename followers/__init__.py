"""Batched follower models: each answers a whole population of prices in one call.

Every follower has ``respond(prices (n_pop, T)) -> Response`` with the
follower's objective (n_pop,), a status per individual and its decision
arrays. No follower knows which case it serves.
"""
from .battery import Battery
from .ev_fleet import EVFleet
from .response import Follower, Response, Status
from .storage_dp import StorageLP, solve_storage
from .storage_operator import StorageOperator
from .thermal import ThermalBuildings
from .users import FlexibleUsers

__all__ = ["Battery", "EVFleet", "Follower", "FlexibleUsers", "Response", "Status",
           "StorageLP", "StorageOperator", "ThermalBuildings", "solve_storage"]
