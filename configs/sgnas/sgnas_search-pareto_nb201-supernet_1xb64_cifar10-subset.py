# The front on the NAS-Bench-201 cell space: 50 FLOPs targets, one generator forward.
#   python tools/test.py configs/sgnas/sgnas_search-pareto_nb201-supernet_1xb64_cifar10-subset.py \
#       work_dirs/nb201/generator/best_generator.pth
# With random search, evolution and the benchmark's own front (ground truth):
#   python tools/benchmarks/pareto_front.py configs/sgnas/sgnas_search-pareto_nb201-supernet_1xb64_cifar10-subset.py \
#       work_dirs/nb201/generator/best_generator.pth --ground-truth
_base_ = ['./sgnas_search_nb201-supernet_1xb64_cifar10-subset.py']

test_cfg = dict(targets=None, num_targets=50, front=True, num_background=30,
                out_dir='pareto_front')
