"""Where the numbers go wrong (issue 13, item 2): when an array is wrong and a pattern
explains it, the hint says which, with the count of wrong entries and, for a small image, a
picture of the wrong entries."""
import numpy as np
import pytest

from grader.checks import Mismatch
from grader.expect import expect_close, where_wrong


def want(shape=(2, 3, 6, 6), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def hint_of(got, expected):
    with pytest.raises(Mismatch) as info:
        expect_close(got, expected, "dx")
    return info.value.hint, info.value.msg


def test_only_the_border():
    w = want()
    got = w.copy()
    got[..., 0, :] += 1.0
    got[..., :, -1] += 1.0
    hint, msg = hint_of(got, w)
    assert "only the border of dx is wrong" in hint["en"] and "只有邊框錯" in hint["zh-TW"]
    assert f"({2 * 3 * 11} of {w.size} entries wrong)" in hint["en"]
    picture = hint["en"].split("\n")[1:]
    assert picture[0] == "█" * 6 and picture[1] == "·····█" and len(picture) == 6
    assert "is wrong: max relative error" in msg["en"]          # the message is unchanged


@pytest.mark.parametrize("axis,what", [(-2, "rows"), (-1, "columns")])
def test_every_stride_th_row_or_column(axis, what):
    w = want((2, 3, 8, 8))
    got = w.copy()
    index = [slice(None)] * 4
    index[axis] = slice(1, None, 2)
    got[tuple(index)] += 1.0
    hint, _ = hint_of(got, w)
    assert f"one of every 2 {what} of dx is wrong" in hint["en"], hint["en"]
    assert "stride" in hint["zh-TW"]


def test_one_channel():
    w = want()
    got = w.copy()
    got[:, 2, 1:4, 2:5] *= -3.0
    hint, _ = hint_of(got, w)
    assert "only channel 2 of dx is wrong" in hint["en"] and "第 2 個 channel" in hint["zh-TW"]


def test_swapped_axes():
    w = want((2, 3, 5, 5))
    hint, _ = hint_of(np.swapaxes(w, 2, 3).copy(), w)
    assert "axes 2 and 3 swapped" in hint["en"], hint["en"]


def test_never_negative_where_half_the_values_are():
    w = want((4, 2, 8, 8))
    hint, _ = hint_of(np.maximum(w, 0.0), w)
    assert "never negative" in hint["en"] and "ReLU" in hint["zh-TW"]


def test_no_pattern_no_hint_and_a_large_image_has_no_picture():
    w = want((2, 3, 6, 6))
    noise = w + np.random.default_rng(1).standard_normal(w.shape)
    assert where_wrong(noise, w, np.ones(w.shape, bool), "dx") is None
    big = want((1, 1, 30, 30))
    got = big.copy()
    got[..., 0, :] += 1.0
    hint = where_wrong(got, big, got != big, "out")
    assert "only the border" in hint["en"] and "\n" not in hint["en"]


def test_a_factor_or_a_sign_keeps_its_own_hint():
    w = want()
    assert "wrong sign" in hint_of(-w, w)[0]["en"]
    assert "2 times too large" in hint_of(2 * w, w)[0]["en"]


def test_negative_values_where_a_relu_output_cannot_have_any():
    pre = want((2, 4, 6, 6))
    after_relu = np.maximum(pre, 0.0)
    hint, _ = hint_of(pre + 0.5, after_relu)
    negative = int((pre + 0.5 < 0).sum())
    assert f"has {negative} negative values, but every expected value is ≥ 0" in hint["en"]
    assert "ReLU" in hint["zh-TW"]
