"""SGNASNet exports to ONNX and runs the same under onnxruntime (tools/export_onnx.py)."""
import pytest
import torch

from conftest import load_tool


@pytest.mark.parametrize('arch, with_se, act', [('SGNAS-C', False, 'ReLU6'),
                                                ('SGNAS-A', True, 'HSwish')])
def test_onnx_matches_torch(tmp_path, arch, with_se, act):
    tool = load_tool('tools/export_onnx.py')
    argv = [arch, str(tmp_path / 'net.onnx'), '--variant', 'cifar', '--out-indices', '5', '19',
            '--act', act] + (['--with-se'] if with_se else [])
    assert tool.main(argv) < 1e-4


def test_onnx_loads_a_checkpoint_and_rejects_a_mismatch(tmp_path):
    tool = load_tool('tools/export_onnx.py')
    net = tool.build_net('SGNAS-B', 'cifar', False, 'ReLU6', [19], None)
    ckpt = tmp_path / 'b.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in net.state_dict().items()}}, ckpt)
    loaded = tool.build_net('SGNAS-B', 'cifar', False, 'ReLU6', [19], str(ckpt))
    torch.testing.assert_close(loaded.state_dict(), net.state_dict())
    with pytest.raises(RuntimeError, match='size mismatch|Missing key|Unexpected key'):
        tool.build_net('SGNAS-A', 'cifar', False, 'ReLU6', [19], str(ckpt))
