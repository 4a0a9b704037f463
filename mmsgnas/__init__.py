"""mmsgnas: SGNAS (Searching by Generating, CVPR 2021) on the OpenMMLab 2.0 stack."""
from .engine.checkpoint_globals import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

__all__ = ['__version__']
