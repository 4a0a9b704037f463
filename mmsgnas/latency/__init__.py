"""Measured latency: the meter (PyTorch eager, ONNX Runtime) and the lookup tables."""
from .measure import RUNTIMES, LatencyMeter, device_name, device_slug
from .tables import (NB201LatencyTable, SGNASLatencyTable, build_nb201_table,
                     build_sgnas_table, calibrate, latency_table, load_latency_table, signature,
                     table_path)

__all__ = ['LatencyMeter', 'NB201LatencyTable', 'RUNTIMES', 'SGNASLatencyTable',
           'build_nb201_table', 'build_sgnas_table', 'calibrate', 'device_name', 'device_slug',
           'latency_table', 'load_latency_table', 'signature', 'table_path']
