# SGNAS-C trained from scratch on ImageNet-1k with the published recipe (see sgnas-a).
_base_ = './sgnas-a_8xb32_in1k.py'

model = dict(backbone=dict(arch='SGNAS-C'))
