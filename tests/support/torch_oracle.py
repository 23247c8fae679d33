"""Comparing our float64 arrays with PyTorch's, for the torch-oracle tests. Import it after
`pytest.importorskip("torch")`."""
import numpy as np
import torch

RTOL = 1e-10
ATOL = 1e-10


def close(actual, desired, what, rtol=RTOL, atol=ATOL):
    """assert_allclose against a torch tensor (or array), with a shape check first."""
    if isinstance(desired, torch.Tensor):
        desired = desired.detach().numpy()
    actual = np.asarray(actual)
    assert actual.shape == desired.shape, f"{what}: shape {actual.shape} != torch {desired.shape}"
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, err_msg=what)


def leaf(a):
    """A float64 leaf tensor that requires grad, holding a COPY of the numpy array."""
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def forward_checked(run, *inputs):
    """run() (a forward), asserting the inputs are left unmodified and a float64 array comes
    back."""
    before = [x.copy() for x in inputs]
    out = run()
    for x, b in zip(inputs, before):
        np.testing.assert_array_equal(x, b, err_msg="forward modified its input")
    assert isinstance(out, np.ndarray), f"forward returned {type(out).__name__}"
    assert out.dtype == np.float64, f"forward returned dtype {out.dtype}"
    return out
