"""Batched follower models: each answers a whole population of prices in one call.

Every follower has ``respond(prices (n_pop, T)) -> Response`` with the
follower's objective (n_pop,), a status per individual and its decision
arrays. No follower knows which case it serves.
"""
from .battery import Battery
from .cvxpy_follower import CvxpyFollower
from .ev_fleet import EVFleet
from .ev_hub import EVHub
from .fixed_plan import FixedPlan
from .prosumer import Prosumer
from .recourse.ev_clusters import EVClusters
from .recourse.microgrid_dispatch import MicrogridDispatch
from .recourse.unit_dispatch import ThermalDispatch
from .response import Follower, Response, Status
from .storage_agent import StorageAgent
from .storage_dp import StorageLP, solve_storage
from .storage_operator import StorageOperator
from .thermal import ThermalBuildings
from .users import FlexibleUsers

__all__ = ["Battery", "CvxpyFollower", "EVClusters", "EVFleet", "EVHub", "FixedPlan", "Follower", "FlexibleUsers",
           "MicrogridDispatch", "Prosumer", "Response", "Status",
           "StorageAgent", "StorageLP", "StorageOperator", "ThermalBuildings", "ThermalDispatch",
           "solve_storage"]
