from .lookup_table import FlopsTable, count_conv_macs

__all__ = ['FlopsTable', 'count_conv_macs']
