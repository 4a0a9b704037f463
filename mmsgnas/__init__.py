"""mmsgnas: SGNAS (Searching by Generating, CVPR 2021) on the OpenMMLab 2.0 stack."""
from .version import __version__

__all__ = ['__version__']
