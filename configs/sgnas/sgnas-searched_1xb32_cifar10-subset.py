# The best architecture of the quickstart's search (by inherited top-1) trained from scratch
# on the embedded CIFAR-10 subset; the same recipe as sgnas-c_1xb32_cifar10-subset.py. Point
# it at any architecture file the search loop wrote:
#   python tools/train.py configs/sgnas/sgnas-searched_1xb32_cifar10-subset.py \
#       --cfg-options model.backbone.arch=work_dirs/quickstart/search/search/arch_120M.json
_base_ = './sgnas-c_1xb32_cifar10-subset.py'

model = dict(backbone=dict(arch='work_dirs/quickstart/search/search/best_arch.json'))
