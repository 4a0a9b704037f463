# "Give me the front": 50 FLOPs targets over the generator's range in one forward, each
# evaluated, and the non-dominated set written as pareto.csv / .md / .png with one
# architecture file per member (pareto/arch_<rank>.json).
#   python tools/test.py configs/sgnas/sgnas_search-pareto_unified-supernet_1xb32_cifar10-subset.py \
#       work_dirs/quickstart/generator/best_generator.pth
# Against random search and evolution with as many evaluations, hypervolumes side by side:
#   python tools/benchmarks/pareto_front.py configs/sgnas/sgnas_search-pareto_unified-supernet_1xb32_cifar10-subset.py \
#       work_dirs/quickstart/generator/best_generator.pth
_base_ = ['./sgnas_search_unified-supernet_1xb32_cifar10-subset.py']

test_cfg = dict(targets=None, num_targets=50, front=True, num_background=30,
                out_dir='pareto_front')
