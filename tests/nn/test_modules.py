"""chainrule.nn.modules mirrors torch.nn.modules: for every class chainrule.nn has that torch.nn.modules.<file>
also has, chainrule.nn.modules.<file>.<Class> is chainrule.nn.<Class>. Classes chainrule lacks are refused
with an AttributeError naming them, so the mirror keeps working while layers are added."""
import importlib
import inspect

import pytest
import torch.nn.modules

import chainrule.nn as nn
import chainrule.nn.modules

FILES = ["activation", "batchnorm", "container", "conv", "dropout", "flatten", "linear", "loss", "module",
         "normalization", "pooling", "rnn", "sparse", "transformer", "upsampling", "channelshuffle", "distance", "fold",
         "padding", "pixelshuffle"]


def chainrule_classes():
    return {name for name, value in vars(nn).items() if inspect.isclass(value)}


@pytest.mark.parametrize("file", FILES)
def test_each_torch_file_name_resolves_to_chainrules_class(file):
    ours = importlib.import_module(f"chainrule.nn.modules.{file}")
    theirs = importlib.import_module(f"torch.nn.modules.{file}")
    shared = sorted(chainrule_classes() & set(theirs.__all__))
    for name in shared:
        assert getattr(ours, name) is getattr(nn, name), f"chainrule.nn.modules.{file}.{name}"
        assert getattr(chainrule.nn.modules, name) is getattr(nn, name)
    assert set(shared) <= set(dir(ours))


def test_the_layers_chainrule_has_today_are_found():
    m = chainrule.nn.modules
    assert m.linear.Linear is nn.Linear and m.container.ModuleDict is nn.ModuleDict
    assert m.activation.SiLU is nn.SiLU and m.loss.KLDivLoss is nn.KLDivLoss and m.module.Module is nn.Module
    assert m.dropout.Dropout2d is nn.Dropout2d and m.flatten.Unflatten is nn.Unflatten
    assert m.sparse.Embedding is nn.Embedding and m.batchnorm.BatchNorm2d is nn.BatchNorm2d


def test_import_as_module_and_missing_names():
    import chainrule.nn.modules.rnn as rnn

    for name in ["RNN", "LSTM", "GRU"]:
        if hasattr(nn, name):
            assert getattr(rnn, name) is getattr(nn, name)
        else:
            with pytest.raises(AttributeError, match=f"no {name} yet"):
                getattr(rnn, name)
    with pytest.raises(AttributeError, match="Conv3d"):
        chainrule.nn.modules.conv.Conv3d  # a torch class chainrule does not have
    with pytest.raises(AttributeError, match="Nonsense"):
        chainrule.nn.modules.linear.Nonsense
    assert isinstance(torch.nn.modules.linear.Linear, type)
