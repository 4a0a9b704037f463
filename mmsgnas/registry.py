"""mmsgnas registries, children of mmengine's roots.

mmengine imports ``mmsgnas.registry`` when it meets a ``mmsgnas.`` prefix, and each registry
imports its ``locations`` on first lookup, so ``type='mmsgnas.UnifiedSupernet'`` builds from any
config (``default_scope='mmpretrain'`` or ``'mmdet'``) with no ``custom_imports``.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmsgnas',
                  locations=['mmsgnas.models', 'mmsgnas.algorithms'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='mmsgnas',
                 locations=['mmsgnas.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmsgnas',
                 locations=['mmsgnas.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='mmsgnas',
                          locations=['mmsgnas.engine'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mmsgnas',
                    locations=['mmsgnas.datasets'])
