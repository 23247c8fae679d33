"""Messages of test_m5_dense.py (FullyConnected, ReLU, Sigmoid): key: (English, 繁體中文)."""
HINTS = {
    "fc_bias_missing": ("the bias is missing: out = x @ W + b", "少了 bias：out = x @ W + b"),
    "fc_bias_subtracted": ("the bias is subtracted: out = x @ W + b",
                           "bias 被減掉了：out = x @ W + b"),
    "fc_dx_over_n": (
        "dx is N times too small: dx = dout @ W.T; the 1/N of the mean is already in dout",
        "dx 小了 N 倍：dx = dout @ W.T；平均的 1/N 已經在 dout 裡"),
    "fc_dW_transposed": ("dW is transposed: dW = x.T @ dout, shape (D, M) like W",
                         "dW 轉置了：dW = x.T @ dout，形狀 (D, M) 與 W 相同"),
    "fc_dW_over_n": (
        "dW is N times too small: dW = x.T @ dout sums over the batch; "
        "the 1/N of the mean is already in dout",
        "dW 小了 N 倍：dW = x.T @ dout 是對 batch 加總；平均的 1/N 已經在 dout 裡"),
    "fc_db_extra_axis": (
        "db has an extra axis: dout.sum(axis=0) without keepdims, shape (M,) like b",
        "db 多了一個軸：dout.sum(axis=0) 不要 keepdims，形狀 (M,) 與 b 相同"),
    "fc_db_wrong_axis": (
        "db is summed over the wrong axis: sum over the batch, dout.sum(axis=0)",
        "db 加總的軸錯了：要對 batch 加總，dout.sum(axis=0)"),
    "fc_db_mean": (
        "db is the mean of dout over the batch: sum over the batch, not mean "
        "(db = dout.sum(axis=0))",
        "db 是 dout 對 batch 的平均：要加總而不是平均（db = dout.sum(axis=0)）"),
    "fc_dW_wrong": ("dW is wrong: dW = x.T @ dout, with x the input forward kept",
                    "dW 不對：dW = x.T @ dout，x 是 forward 存下來的輸入"),
    "fc_dx_wrong": ("dx is wrong: dx = dout @ W.T", "dx 不對：dx = dout @ W.T"),
    "relu_leaky": (
        "negative inputs must give exactly 0: out = max(0, x) "
        "(np.maximum(x, 0)), not a leaky slope",
        "負的輸入要輸出 0：out = max(0, x)（np.maximum(x, 0)），不是 leaky 的斜率"),
    "relu_mask_only": ("dx is the 0/1 mask alone: multiply by dout, dx = dout * (x > 0)",
                       "dx 只有 0/1 遮罩：要乘上 dout，dx = dout * (x > 0)"),
    "relu_mask_from_dout": (
        "the mask must come from forward's input x (cache it), not from dout: "
        "dx = dout * (x > 0)",
        "遮罩要用 forward 的輸入 x（存在 cache），不是 dout：dx = dout * (x > 0)"),
    "sigmoid_dx_uses_x": (
        "dx uses x instead of σ(x): dx = dout · σ(x) · (1 − σ(x)), with the "
        "σ(x) forward computed (cache the output)",
        "dx 用了 x 而不是 σ(x)：dx = dout · σ(x) · (1 − σ(x))，σ(x) 是 forward 的輸出（存進 cache）"),
    "sigmoid_dx_no_dout": ("dx is missing dout: dx = dout · σ(x) · (1 − σ(x))",
                           "dx 少乘了 dout：dx = dout · σ(x) · (1 − σ(x))"),
    "sigmoid_stable": (
        "overflow for large |x|: use exp(-|x|), which never overflows: σ(x) = 1/(1+z) for x ≥ 0 "
        "and z/(1+z) for x < 0, with z = exp(-|x|) (np.where evaluates both branches, so each "
        "must be safe for every x)",
        "|x| 很大時溢位：改用不會溢位的 exp(-|x|)：令 z = exp(-|x|)，x ≥ 0 時 σ(x) = 1/(1+z)，"
        "x < 0 時 σ(x) = z/(1+z)（np.where 兩個分支都會算，所以兩邊都要對所有 x 安全）"),
}
