"""DDP on a machine without a GPU (the CPU runs of the tools and tests)."""
import torch.distributed as dist
from mmengine.config import Config, ConfigDict


def use_cpu_distributed(cfg: Config) -> None:
    """DDP without a GPU: gloo, and no device ids.

    mmengine 0.10.7's pytorch launcher calls ``torch.cuda.set_device`` whatever the backend,
    so the gloo process group is started here (the Runner then finds it started), and the
    DDP wrapper gets ``device_ids=None`` as torch requires for CPU modules.
    """
    dist_cfg = cfg.setdefault('env_cfg', ConfigDict()).setdefault('dist_cfg', ConfigDict())
    if dist_cfg.get('backend', 'nccl') != 'gloo':
        print('no GPU, so the nccl backend cannot run; using gloo')
        dist_cfg.backend = 'gloo'
    if cfg.launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg', None) or ConfigDict(type='MMDistributedDataParallel')
    wrapper.device_ids = None
    cfg.model_wrapper_cfg = wrapper


def close_distributed() -> None:
    """Destroy the default process group, if one was started, while the interpreter is still
    whole. Left to interpreter shutdown, a gloo group can abort a rank after its work is done
    (SIGABRT, "terminate called without an active exception"; pytorch/pytorch#190489), which
    fails a finished ``torchrun`` job."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
