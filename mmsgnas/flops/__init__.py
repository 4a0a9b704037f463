from .counting import count_conv_macs
from .tables import NB201FlopsTable, SGNASFlopsTable, flops_table, measure_nb201_macs

__all__ = ['NB201FlopsTable', 'SGNASFlopsTable', 'count_conv_macs', 'flops_table',
           'measure_nb201_macs']
