from .reinforce import reinforce_ce, sample_onehots
from .sgnas import ArchGenerator, PriorPool, SGNASGenerator, batch_statistics, constraint_loss

__all__ = ['ArchGenerator', 'PriorPool', 'SGNASGenerator', 'batch_statistics', 'constraint_loss',
           'reinforce_ce', 'sample_onehots']
