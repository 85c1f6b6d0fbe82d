"""cr.cuda.amp: torch.cuda.amp's deprecated spellings warn, then disable themselves without CUDA, as torch's."""
import warnings

import torch

import chainrule as cr


def recorded(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
    return made, [w.category for w in caught]


def test_grad_scaler_warns_twice_and_passes_through_like_torchs():
    ours, our_warnings = recorded(lambda: cr.cuda.amp.GradScaler(init_scale=8.0))
    theirs, their_warnings = recorded(lambda: torch.cuda.amp.GradScaler(init_scale=8.0))
    assert our_warnings == their_warnings == [FutureWarning, UserWarning]
    assert isinstance(ours, cr.amp.GradScaler)
    assert (ours.is_enabled(), ours.get_scale(), ours.state_dict()) == (
        theirs.is_enabled(), theirs.get_scale(), theirs.state_dict())
    loss = cr.ones(1)
    assert ours.scale(loss) is loss


def test_autocast_warns_twice_and_is_disabled_like_torchs():
    ours, our_warnings = recorded(lambda: cr.cuda.amp.autocast())
    theirs, their_warnings = recorded(lambda: torch.cuda.amp.autocast())
    assert our_warnings == their_warnings == [FutureWarning, UserWarning]
    assert ours._enabled == theirs._enabled and ours.fast_dtype == cr.float16
    with ours:
        assert (cr.ones(2, dtype=cr.float32) * 2).dtype == cr.float32
