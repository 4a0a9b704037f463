"""mmsgnas: SGNAS (Searching by Generating, CVPR 2021) on the OpenMMLab 2.0 stack."""
from mmengine.config.utils import MODULE2PACKAGE

from .checkpoint_globals import allow_mmengine_checkpoints
from .version import __version__

# lets configs use `_base_ = 'mmsgnas::sgnas/supernet.py'` (mmengine keeps a fixed table)
MODULE2PACKAGE.setdefault('mmsgnas', 'mmsgnas')
allow_mmengine_checkpoints()

__all__ = ['__version__']
