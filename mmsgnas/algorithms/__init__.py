from .generator_parts import ArchGenerator, PriorPool, batch_statistics, constraint_loss
from .reinforce import reinforce_ce, sample_onehots
from .sgnas import SGNASGenerator

__all__ = ['ArchGenerator', 'PriorPool', 'SGNASGenerator', 'batch_statistics', 'constraint_loss',
           'reinforce_ce', 'sample_onehots']
