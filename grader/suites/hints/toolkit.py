"""Messages of toolkit.py (gradient probes and (param, grad) pairs): key: (English, 繁體中文)."""
HINTS = {
    "gradient_wrong_at": (
        "{label} is wrong at {where}: backward gives {analytic:.6g}, the numerical gradient "
        "is {numerical:.6g}",
        "{label} 在 {where} 不正確：backward 得到 {analytic:.6g}，數值梯度是 {numerical:.6g}"),
    "gradient_unstable": (
        "{label}: the numerical gradient is unstable at every probe (NaN, or a forward pass "
        "whose output is not a function of its input?)",
        "{label}：每個取樣點的數值梯度都不穩定（NaN，或 forward 的輸出不只取決於輸入？）"),
    "not_pairs": (
        "{what} should return a list of (param, grad) pairs, got {got}",
        "{what} 應回傳 (param, grad) 組成的串列，但得到 {got}"),
    "pair_count_changed": (
        "{what} returned {first} pairs, then {second}",
        "{what} 先回傳 {first} 組，再呼叫一次卻是 {second} 組"),
    "no_pairs": ("{what} returned no (param, grad) pairs", "{what} 沒有回傳任何 (param, grad)"),
}
