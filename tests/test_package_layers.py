"""The package's import graph: layers import downwards only, function-local imports included.

spaces < models < flops < latency < search < algorithms < engine < analysis; the registry, version,
checkpoint allow-list and datasets sit at the bottom and import no other layer.
"""
import ast
import os
import os.path as osp

import pytest

import mmsgnas

PACKAGE = osp.dirname(mmsgnas.__file__)
LAYERS = {'registry': 0, 'version': 0, 'checkpoint_globals': 0, 'datasets': 0, 'spaces': 1,
          'models': 2, 'flops': 3, 'latency': 4, 'search': 5, 'algorithms': 6, 'engine': 7,
          'analysis': 8}


def modules():
    for root, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith('.py'):
                yield osp.join(root, name)


def part(module_path: str) -> str:
    """The layer name of a file or dotted module inside the package ('' for the root)."""
    rel = module_path.split('.') if not module_path.endswith('.py') else \
        osp.relpath(module_path, PACKAGE)[:-3].split(os.sep)
    rel = rel[1:] if rel and rel[0] == 'mmsgnas' else rel
    return '' if not rel or rel == ['__init__'] else rel[0]


def internal_imports(path: str):
    """Every import of the package in a file (top-level and function-local), absolute."""
    tree = ast.parse(open(path).read())
    package = osp.relpath(osp.dirname(path), osp.dirname(PACKAGE)).replace(os.sep, '.')
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                yield node.lineno, '.'.join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split('.')[0] == 'mmsgnas':
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] == 'mmsgnas':
                    yield node.lineno, alias.name


@pytest.mark.parametrize('path', sorted(modules()), ids=lambda p: osp.relpath(p, PACKAGE))
def test_imports_point_down_the_layers(path):
    own = part(path)
    if own == '':
        return  # the package root may import anything it re-exports
    assert own in LAYERS, f'{own!r} is not a known layer: add it to LAYERS'
    for line, target in internal_imports(path):
        other = part(target)
        assert other in LAYERS, f'{path}:{line} imports {target}, not in a known layer'
        assert LAYERS[other] <= LAYERS[own], (
            f'{osp.relpath(path, PACKAGE)}:{line} ({own}, layer {LAYERS[own]}) imports '
            f'{target} ({other}, layer {LAYERS[other]}): imports must point down the layers')


def test_every_layer_exists():
    present = {part(p) for p in modules()} - {''}
    assert present == set(LAYERS), present ^ set(LAYERS)
