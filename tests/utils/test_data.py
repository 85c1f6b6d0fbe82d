"""chainrule.utils.data is chainrule.data, as torch.utils.data holds PyTorch's."""
from chainrule.data import DataLoader, TensorDataset


def test_utils_data_is_data():
    import chainrule.data
    import chainrule.utils
    from chainrule.utils.data import DataLoader as Loader
    from chainrule.utils.data import TensorDataset as Tensors

    assert chainrule.utils.data is chainrule.data
    assert Loader is DataLoader and Tensors is TensorDataset
