# The quickstart supernet, under the name the README promises: the reduced-cost proxy of the
# CIFAR variant (the CIFAR variant itself: sgnas_unified-supernet_1xb32-2e_cifar10-subset.py).
#   python tools/train.py configs/sgnas/supernet.py
_base_ = ['./sgnas_unified-supernet-proxy_1xb64-24e_cifar10-subset.py']
