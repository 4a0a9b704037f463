# The quickstart supernet, under the name the README promises:
#   python tools/train.py configs/sgnas/supernet.py
_base_ = ['./sgnas_unified-supernet_1xb32-2e_cifar10-subset.py']
