"""Run a minigrad layer and its torch twin on the same weights and compare everything.

``check_layer`` copies the minigrad layer's state dict into the torch layer (strict),
then, in each mode, compares the output, the input gradient, every parameter's
gradient and (afterwards) every buffer, in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg


def copy_into_torch(torch: Any, module: mg.nn.Module, twin: Any) -> None:
    state = {k: torch.from_numpy(np.array(v.numpy())) for k, v in module.state_dict().items()}
    twin.load_state_dict(state, strict=True)


def check_layer(
    torch: Any,
    layer: mg.nn.Module,
    twin: Any,
    input_array: np.ndarray,
    modes: tuple[bool, ...] = (True, False),
    rtol: float = 1e-10,
    **forward_kwargs: Any,
) -> None:
    layer.double()
    twin.double()
    copy_into_torch(torch, layer, twin)
    for training in modes:
        layer.train(training)
        twin.train(training)
        x = mg.tensor(input_array, requires_grad=True)
        tx = torch.tensor(input_array, requires_grad=True)
        out = layer(x, **forward_kwargs)
        t_out = twin(tx, **forward_kwargs)
        np.testing.assert_allclose(
            out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=1e-12
        )
        seed = np.random.default_rng(1).standard_normal(out.shape)
        layer.zero_grad()
        twin.zero_grad()
        out.backward(mg.tensor(seed))
        t_out.backward(torch.tensor(seed))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=1e-12)
        t_params = dict(twin.named_parameters())
        for name, param in layer.named_parameters():
            np.testing.assert_allclose(
                param.grad.numpy(),
                t_params[name].grad.numpy(),
                rtol=rtol,
                atol=1e-12,
                err_msg=name,
            )
        t_buffers = dict(twin.named_buffers())
        for name, buffer in layer.named_buffers():
            np.testing.assert_allclose(
                buffer.numpy(), t_buffers[name].numpy(), rtol=rtol, atol=1e-12, err_msg=name
            )
