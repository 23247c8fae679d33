"""The shared numerical gradient checker (given/gradcheck.py)."""
import numpy as np
import pytest

from given.gradcheck import gradient_check, numerical_gradient, rel_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    # d/dx sum(x^3) = 3 x^2; central differences are exact up to h^2 = 1e-10 times f'''.
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2,
                               rtol=1e-9)
    # With an upstream gradient: d/dx sum(sin(x) * dout) = cos(x) * dout.
    dout = np.array([[1.0, -2.0, 0.5], [3.0, 0.1, -1.0]])
    np.testing.assert_allclose(numerical_gradient(np.sin, x, dout), np.cos(x) * dout, rtol=1e-9)


def test_x_is_restored_exactly_and_f_may_read_it_through_a_closure():
    W = np.array([1.0, 2.0, 3.0])
    keep = W.copy()
    grad = numerical_gradient(lambda _: W @ np.array([1.0, -1.0, 2.0]), W)
    np.testing.assert_array_equal(W, keep)
    np.testing.assert_allclose(grad, [1.0, -1.0, 2.0], rtol=1e-10)


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 4e-6])) == pytest.approx(1e-6)
    with pytest.raises(ValueError, match="shapes"):
        rel_error(np.ones(2), np.ones(3))


def test_gradient_check_accepts_right_and_rejects_wrong_gradients():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal((3, 2))
    dout = rng.standard_normal((4, 2))
    right = A.T @ dout
    assert gradient_check(lambda v: A @ v, x, right, dout) < 1e-9
    assert gradient_check(lambda v: A @ v, x, 2 * right, dout) > 0.3
    assert gradient_check(lambda v: A @ v, x, right[::-1], dout) > 1e-2


def test_sampled_check_evaluates_only_the_chosen_coordinates():
    calls = []
    x = np.linspace(-1.0, 1.0, 100)

    def f(v):
        calls.append(1)
        return np.sum(v ** 2)

    assert gradient_check(f, x, 2 * x, num_checks=10) < 1e-9
    assert len(calls) == 20  # two evaluations per checked coordinate, not 200
    assert gradient_check(f, x, 3 * x, num_checks=10) == pytest.approx(0.2)


def test_float32_input_is_refused():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, np.ones(3, dtype=np.float32))
