"""The data layer every case shares: typed schemas of its CSV files and their loading.

    from stackga.data import Column, Table, Param, ParamTable, load_table, load_params
"""
from .read import Params, data_folder, export, fingerprint, load_params, load_table
from .schema import Bounds, Column, DataError, Param, ParamTable, Table

__all__ = ["Bounds", "Column", "DataError", "Param", "ParamTable", "Params", "Table",
           "data_folder", "export", "fingerprint", "load_params", "load_table"]
