"""Messages of test_m5_conv.py (Conv2D forward and backward): key: (English, 繁體中文)."""
HINTS = {
    "forward_padding": (
        "padding is wrong: pad `padding` zeros on both sides of H and W "
        "(np.pad with ((0,0),(0,0),(p,p),(p,p)))",
        "padding 不對：H 與 W 兩側各補 padding 個 0（np.pad 用 ((0,0),(0,0),(p,p),(p,p))）"),
    "forward_stride": (
        "stride is wrong: H' = (H + 2·padding − kH) // stride + 1, and window (i, j) "
        "starts at row i·stride, column j·stride",
        "stride 不對：H' = (H + 2·padding − kH) // stride + 1，第 (i, j) 個 window "
        "從第 i·stride 列、第 j·stride 行開始"),
    "forward_non_square": (
        "non-square input or kernel fails: take kH, kW from W.shape and H, W "
        "separately from x.shape",
        "非正方形的輸入或 kernel 出錯：kH、kW 要從 W.shape 取，H、W 要分別從 x.shape 取"),
    "backward_dx": (
        "dx is wrong but dW and db are right: dx is the full convolution of dout "
        "with the flipped kernel; with stride, dout[i, j] goes back to rows "
        "i·stride … i·stride+kH−1 (then drop the padding)",
        "dx 錯但 dW、db 對：dx 是 dout 與翻轉後 kernel 的 full convolution；有 stride 時 "
        "dout[i, j] 回到第 i·stride … i·stride+kH−1 列（最後去掉 padding）"),
    "backward_dW": (
        "dW is wrong: dW[o,c,p,q] = Σ_{{n,i,j}} dout[n,o,i,j] · x_pad[n,c,i·s+p,j·s+q] "
        "(correlate the padded input with dout)",
        "dW 不對：dW[o,c,p,q] = Σ_{{n,i,j}} dout[n,o,i,j] · x_pad[n,c,i·s+p,j·s+q]"
        "（padded input 與 dout 做 correlation）"),
    "backward_db": (
        "db sums dout over the batch and both spatial axes: dout.sum(axis=(0, 2, 3))",
        "db 是 dout 對 batch 與兩個空間軸的總和：dout.sum(axis=(0, 2, 3))"),
}
