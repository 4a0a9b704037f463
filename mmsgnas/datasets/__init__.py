from .in_memory_dataset import InMemoryCustomDataset

__all__ = ['InMemoryCustomDataset']
