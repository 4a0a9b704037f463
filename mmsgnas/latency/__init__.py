"""Measured latency: the meter (PyTorch eager, ONNX Runtime), the lookup tables, built from
their parts, their calibration, and the NB201 table fitted on whole networks."""
from .building import build_nb201_table, build_sgnas_table
from .calibration import calibrate, uncalibrated
from .fitting import fit_nb201_table
from .measure import RUNTIMES, LatencyMeter, device_name, device_slug
from .parts import block_signatures, signature
from .tables import (NB201LatencyTable, SGNASLatencyTable, latency_table, load_latency_table,
                     table_path)

__all__ = ['LatencyMeter', 'NB201LatencyTable', 'RUNTIMES', 'SGNASLatencyTable',
           'block_signatures', 'build_nb201_table', 'build_sgnas_table', 'calibrate',
           'device_name', 'device_slug', 'fit_nb201_table', 'latency_table',
           'load_latency_table', 'signature', 'table_path', 'uncalibrated']
