"""``type='mmsgnas.X'`` must build with no ``custom_imports`` from any default scope."""
import subprocess
import sys

import pytest

SCRIPT = r'''
import sys
from mmengine.registry import DefaultScope, init_default_scope
init_default_scope('{scope}')
from {scope}.registry import MODELS
assert 'mmsgnas' not in sys.modules, 'mmsgnas imported too early'
with DefaultScope.overwrite_default_scope('{scope}'):
    net = MODELS.build(dict(type='mmsgnas.{cls}', {args}))
print(type(net).__module__, type(net).__name__)
'''


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmdet'])
@pytest.mark.parametrize('cls, args', [
    ('UnifiedSupernet', "variant='cifar'"),
    ('SGNASNet', "arch='SGNAS-A'"),
])
def test_build_without_custom_imports(scope, cls, args):
    code = SCRIPT.format(scope=scope, cls=cls, args=args)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f'{cls}' in out.stdout and 'mmsgnas.models' in out.stdout


def test_loops_resolve_from_mmengine_registry():
    from mmengine.registry import LOOPS, OPTIM_WRAPPERS
    assert LOOPS.get('mmsgnas.SupernetTrainLoop').__name__ == 'SupernetTrainLoop'
    assert LOOPS.get('mmsgnas.SubnetValLoop').__name__ == 'SubnetValLoop'
    assert OPTIM_WRAPPERS.get('mmsgnas.BF16AmpOptimWrapper').__name__ == 'BF16AmpOptimWrapper'
