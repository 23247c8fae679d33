"""Messages of test_m5_conv.py (Conv2D forward and backward): key: (English, 繁體中文)."""
HINTS = {
    "forward_padding": {
        "fix": (
            "padding is wrong: pad `padding` zeros on both sides of H and W "
            "(np.pad with ((0,0),(0,0),(p,p),(p,p)))",
            "padding 不對：H 與 W 兩側各補 padding 個 0（np.pad 用 ((0,0),(0,0),(p,p),(p,p))）"),
        "concept": (
            "the padding is wrong: padding adds the same number of zero rows and columns on "
            "every border of the image (module text, Conv2D forward)",
            "padding 不對：padding 是在影像的每一邊都補上同樣圈數的 0（講義：Conv2D 前向傳播）")},
    "forward_stride": {
        "fix": (
            "stride is wrong: H' = (H + 2·padding − kH) // stride + 1, and window (i, j) "
            "starts at row i·stride, column j·stride",
            "stride 不對：H' = (H + 2·padding − kH) // stride + 1，第 (i, j) 個 window "
            "從第 i·stride 列、第 j·stride 行開始"),
        "concept": (
            "the stride is wrong: it sets both how many windows fit and how far apart "
            "consecutive windows start (module text, Conv2D forward)",
            "stride 不對：它同時決定能放幾個 window，以及相鄰 window 的起點相隔多遠"
            "（講義：Conv2D 前向傳播）")},
    "forward_non_square": {
        "fix": (
            "non-square input or kernel fails: take kH, kW from W.shape and H, W "
            "separately from x.shape",
            "非正方形的輸入或 kernel 出錯：kH、kW 要從 W.shape 取，H、W 要分別從 x.shape 取"),
        "concept": (
            "a square image or kernel is assumed: height and width are separate sizes, for "
            "the input and for the kernel (module text, Conv2D forward)",
            "假設了影像或 kernel 是正方形：輸入和 kernel 的高與寬是各自獨立的大小"
            "（講義：Conv2D 前向傳播）")},
    "conv_forward_flipped_kernel": {
        "fix": (
            "the kernel is flipped: Conv2D is a cross-correlation, "
            "out[n, o, i, j] = b[o] + Σ W[o, c, p, q] · xp[n, c, i·s + p, j·s + q] — "
            "use W as it is, not W[:, :, ::-1, ::-1]",
            "kernel 被翻轉了：Conv2D 是 cross-correlation，"
            "out[n, o, i, j] = b[o] + Σ W[o, c, p, q] · xp[n, c, i·s + p, j·s + q]——"
            "直接用 W，不要用 W[:, :, ::-1, ::-1]"),
        "concept": (
            "the forward pass is a mathematical convolution with a flipped kernel, but deep "
            "learning's Conv2D slides the kernel unflipped, a cross-correlation (module text, "
            "Conv2D forward)",
            "前向傳播做成了翻轉 kernel 的數學卷積，但深度學習的 Conv2D 是不翻轉 kernel 的滑動，"
            "也就是 cross-correlation（講義：Conv2D 前向傳播）")},
    "conv_forward_stride_ignored": {
        "fix": (
            "the stride is ignored: take every stride-th window, window (i, j) at "
            "(i·stride, j·stride), and H' = (H + 2·padding − kH) // stride + 1",
            "stride 被忽略了：每隔 stride 取一個 window，第 (i, j) 個在 (i·stride, j·stride)，"
            "H' = (H + 2·padding − kH) // stride + 1"),
        "concept": (
            "the output is computed as if the stride were 1: the stride skips windows, which "
            "shrinks the output (module text, Conv2D forward)",
            "輸出算得好像 stride 是 1：stride 會跳過 window，所以輸出會變小（講義：Conv2D 前向傳播）")},
    "conv_forward_windows_not_strided": {
        "fix": (
            "the output size is right but the windows are not strided: window (i, j) starts "
            "at xp[.., i·stride, j·stride], not at xp[.., i, j]",
            "輸出大小對了，但 window 沒有照 stride 取：第 (i, j) 個 window 從 "
            "xp[.., i·stride, j·stride] 開始，不是 xp[.., i, j]"),
        "concept": (
            "the stride is used for the output size but not for where each window starts: "
            "consecutive windows are stride pixels apart (module text, Conv2D forward)",
            "stride 只用在輸出大小，沒用在每個 window 的起點：相鄰的 window 相隔 stride 個像素"
            "（講義：Conv2D 前向傳播）")},
    "conv_forward_pad_one_side": {
        "fix": (
            "all the padding is on one side: pad `padding` zeros above AND below, left AND "
            "right, np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))",
            "padding 全補在同一邊：上下、左右都要各補 padding 個 0，"
            "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))"),
        "concept": (
            "the zero padding is added on one side only: it surrounds the image equally, so "
            "that each window stays centred where it should be (module text, Conv2D forward)",
            "補零只補在一邊：補零要平均圍住整張影像，每個 window 才會對齊到該在的位置"
            "（講義：Conv2D 前向傳播）")},
    "conv_forward_no_padding": {
        "fix": (
            "the padding is never applied: convolve the padded input, "
            "xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), not x",
            "padding 沒有套用：要對補零後的輸入做卷積，"
            "xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))，不是 x"),
        "concept": (
            "the padding is ignored: the convolution runs over the image surrounded by its "
            "zero border (module text, Conv2D forward)",
            "padding 被忽略了：卷積是在加上一圈 0 之後的影像上做（講義：Conv2D 前向傳播）")},
    "conv_forward_size_without_padding": {
        "fix": (
            "the output size leaves the padding out: H' = (H + 2·padding − kH) // stride + 1, "
            "not (H − kH) // stride + 1",
            "輸出大小沒有算進 padding：H' = (H + 2·padding − kH) // stride + 1，"
            "不是 (H − kH) // stride + 1"),
        "concept": (
            "the output size is that of the unpadded input: the windows slide over the padded "
            "input, so the padding counts in the size (module text, Conv2D forward)",
            "輸出大小是用沒補零的輸入算的：window 是在補零後的輸入上滑動，所以大小要算進 padding"
            "（講義：Conv2D 前向傳播）")},
    "conv_forward_no_bias": {
        "fix": (
            "the bias is missing: add b[o] to every pixel of output channel o, "
            "+ b[None, :, None, None]",
            "少了 bias：輸出 channel o 的每個像素都要加上 b[o]，+ b[None, :, None, None]"),
        "concept": (
            "the bias is missing: each output channel has one bias, shared by all its pixels "
            "(module text, Conv2D forward)",
            "少了 bias：每個輸出 channel 有一個 bias，該 channel 的所有像素共用（講義：Conv2D 前向傳播）")},
    "conv_forward_bias_per_input_channel": {
        "fix": (
            "the bias is added C_in times: add b[o] once, after the sum over input channels "
            "and kernel positions, not inside it",
            "bias 加了 C_in 次：b[o] 只加一次，在對輸入 channel 與 kernel 位置的加總之後，不是在加總裡面"),
        "concept": (
            "the bias is added once per input channel: it is added once per output value, "
            "outside the sum (module text, Conv2D forward)",
            "bias 對每個輸入 channel 各加了一次：它對每個輸出值只加一次，在加總之外（講義：Conv2D 前向傳播）")},
    "backward_dx": {
        "fix": (
            "dx is wrong but dW and db are right: dx is the full convolution of dout "
            "with the flipped kernel; with stride, dout[i, j] goes back to rows "
            "i·stride … i·stride+kH−1 (then drop the padding)",
            "dx 錯但 dW、db 對：dx 是 dout 與翻轉後 kernel 的 full convolution；有 stride 時 "
            "dout[i, j] 回到第 i·stride … i·stride+kH−1 列（最後去掉 padding）"),
        "concept": (
            "dx is wrong while dW and db are right: each input pixel gathers the gradient of "
            "every output whose window covers it, over every output channel (module text, "
            "Conv2D backward: dx)",
            "dx 錯但 dW、db 對：每個輸入像素要收集所有 window 蓋到它的輸出的梯度，而且對每個輸出 "
            "channel 都要算（講義：Conv2D 反向傳播的 dx）")},
    "backward_dW": {
        "fix": (
            "dW is wrong: dW[o,c,p,q] = Σ_{{n,i,j}} dout[n,o,i,j] · x_pad[n,c,i·s+p,j·s+q] "
            "(correlate the padded input with dout)",
            "dW 不對：dW[o,c,p,q] = Σ_{{n,i,j}} dout[n,o,i,j] · x_pad[n,c,i·s+p,j·s+q]"
            "（padded input 與 dout 做 correlation）"),
        "concept": (
            "dW is wrong: a weight is shared by every window, so its gradient sums the padded "
            "input's matching pixel times dout over the batch and all output positions "
            "(module text, Conv2D backward: dW)",
            "dW 不對：權重被所有 window 共用，所以它的梯度是補零後輸入的對應像素乘上 dout，"
            "對 batch 與所有輸出位置加總（講義：Conv2D 反向傳播的 dW）")},
    "backward_db": {
        "fix": (
            "db sums dout over the batch and both spatial axes: dout.sum(axis=(0, 2, 3))",
            "db 是 dout 對 batch 與兩個空間軸的總和：dout.sum(axis=(0, 2, 3))"),
        "concept": (
            "db is wrong: each output channel's bias touches every pixel of every sample, so "
            "its gradient sums dout over all of them (module text, Conv2D backward: db)",
            "db 不對：每個輸出 channel 的 bias 影響每個樣本的每個像素，所以梯度是把 dout "
            "對它們全部加總（講義：Conv2D 反向傳播的 db）")},
    "conv_dx_no_flip": {
        "fix": (
            "dx uses the kernel unflipped: dx is the full convolution of dout with the kernel "
            "flipped, W[:, :, ::-1, ::-1] — or scatter dout[n, o, i, j] · W[o] (unflipped) "
            "back into each window, never both flips",
            "dx 用了沒翻轉的 kernel：dx 是 dout 與翻轉後 kernel W[:, :, ::-1, ::-1] 的 full "
            "convolution——或是把 dout[n, o, i, j] · W[o]（不翻轉）撒回每個 window，不要兩種翻轉都做"),
        "concept": (
            "the kernel's orientation in dx is wrong: read from the input's side, an input "
            "pixel meets the kernel reversed, a true convolution with the flipped kernel "
            "(module text, Conv2D backward: dx)",
            "dx 裡 kernel 的方向不對：從輸入那一邊看，輸入像素遇到的是反過來的 kernel，也就是和翻轉 "
            "kernel 的真正卷積（講義：Conv2D 反向傳播的 dx）")},
    "conv_dx_padding_not_cropped": {
        "fix": (
            "dx still has the padding: return the gradient of the padded input without its "
            "border, dxp[:, :, p:p + H, p:p + W]",
            "dx 還帶著 padding：回傳補零輸入的梯度時要去掉邊框，dxp[:, :, p:p + H, p:p + W]"),
        "concept": (
            "dx is the gradient of the padded input: the padding zeros are constants, not "
            "inputs, so their gradient is dropped and dx has the input's size (module text, "
            "Conv2D backward: dx)",
            "dx 是補零輸入的梯度：補上的 0 是常數不是輸入，它們的梯度要丟掉，dx 的大小和輸入一樣"
            "（講義：Conv2D 反向傳播的 dx）")},
    "conv_dx_crop_one_side": {
        "fix": (
            "dx is cropped from one side: drop `padding` rows at the top AND the bottom (and "
            "columns left and right), dxp[:, :, p:p + H, p:p + W]",
            "dx 只從一邊裁切：上方與下方都要去掉 padding 列（左右也各去掉 padding 行），"
            "dxp[:, :, p:p + H, p:p + W]"),
        "concept": (
            "the padding's gradient is cropped from one side only: the padding surrounds the "
            "input, so its border is dropped on every side (module text, Conv2D backward: dx)",
            "padding 的梯度只從一邊裁掉：padding 圍在輸入四周，所以每一邊的邊框都要去掉"
            "（講義：Conv2D 反向傳播的 dx）")},
    "conv_dx_stride_ignored": {
        "fix": (
            "dx ignores the stride: dout[n, o, i, j] goes back to the window at "
            "(i·stride, j·stride), rows i·stride … i·stride + kH − 1",
            "dx 忽略了 stride：dout[n, o, i, j] 要回到位於 (i·stride, j·stride) 的 window，"
            "也就是第 i·stride … i·stride + kH − 1 列"),
        "concept": (
            "with a stride, neighbouring outputs read windows stride pixels apart, and their "
            "gradients go back to those same windows (module text, Conv2D backward: dx)",
            "有 stride 時，相鄰的輸出讀的 window 相隔 stride 個像素，它們的梯度也要回到同樣的 window"
            "（講義：Conv2D 反向傳播的 dx）")},
    "conv_dx_windows_assigned": {
        "fix": (
            "overlapping windows overwrite each other in dx: accumulate with +=, "
            "dxp[n, :, window] += dout[n, o, i, j] · W[o]",
            "dx 裡重疊的 window 互相覆蓋了：要用 += 累加，dxp[n, :, window] += dout[n, o, i, j] · W[o]"),
        "concept": (
            "an input pixel read by several windows gets the sum of all their gradients, not "
            "just the last one's (module text, Conv2D backward from the loops)",
            "被好幾個 window 讀到的輸入像素，梯度是它們全部的總和，不是只有最後一個"
            "（講義：從 forward 的迴圈寫 Conv2D backward）")},
    "conv_dw_over_n": {
        "fix": (
            "dW is divided by the batch size: sum over the batch, do not average; the 1/N "
            "of the mean loss is already in dout",
            "dW 除以了 batch 大小：要對 batch 加總，不是平均；mean loss 的 1/N 已經在 dout 裡了"),
        "concept": (
            "dW averages over the batch: a layer's gradient sums over the samples, the loss "
            "already did the averaging (module text, Conv2D backward: dW)",
            "dW 對 batch 取了平均：層的梯度是對樣本加總，平均已經在 loss 裡做過了"
            "（講義：Conv2D 反向傳播的 dW）")},
    "conv_dw_fc_layout": {
        "fix": (
            "dW is in FC's layout: cols.T @ dout_rows is (C_in·kH·kW, C_out); use "
            "(dout_rows.T @ cols).reshape(W.shape), whose rows are the output channels",
            "dW 用了 FC 的排列：cols.T @ dout_rows 是 (C_in·kH·kW, C_out)；要用 "
            "(dout_rows.T @ cols).reshape(W.shape)，它的每一列是一個輸出 channel"),
        "concept": (
            "dW is built in the fully connected layer's (inputs, outputs) layout and then "
            "reshaped, which scrambles it: Conv2D's kernels are laid out output channel first "
            "(module text, im2col backward)",
            "dW 是照全連接層（輸入, 輸出）的排列算出來再 reshape，順序就亂了：Conv2D 的 kernel "
            "排列是輸出 channel 在前（講義：im2col 的 backward）")},
    "conv_dw_stride_ignored": {
        "fix": (
            "dW ignores the stride: dW[o, c, p, q] = Σ dout[n, o, i, j] · "
            "xp[n, c, i·s + p, j·s + q], not xp[n, c, i + p, j + q]",
            "dW 忽略了 stride：dW[o, c, p, q] = Σ dout[n, o, i, j] · "
            "xp[n, c, i·s + p, j·s + q]，不是 xp[n, c, i + p, j + q]"),
        "concept": (
            "dW pairs dout with the wrong input pixels: with a stride, consecutive outputs are "
            "stride pixels apart in the padded input (module text, Conv2D backward: dW)",
            "dW 讓 dout 對到了錯的輸入像素：有 stride 時，相鄰輸出在補零輸入上相隔 stride 個像素"
            "（講義：Conv2D 反向傳播的 dW）")},
    "conv_dw_flipped": {
        "fix": (
            "dW is flipped: correlate the padded input with dout (no flip), "
            "dW[o, c, p, q] = Σ dout[n, o, i, j] · xp[n, c, i·s + p, j·s + q]",
            "dW 被翻轉了：補零輸入和 dout 做 correlation（不翻轉），"
            "dW[o, c, p, q] = Σ dout[n, o, i, j] · xp[n, c, i·s + p, j·s + q]"),
        "concept": (
            "dW is a convolution where it is a correlation: kernel offset (p, q) pairs with "
            "the input pixels it multiplied in forward, no flip (module text, Conv2D "
            "backward: dW)",
            "dW 做成了卷積，但它是 correlation：kernel 位置 (p, q) 對應的是它在 forward 乘過的那些"
            "輸入像素，不翻轉（講義：Conv2D 反向傳播的 dW）")},
    "conv_db_mean": {
        "fix": (
            "db is a mean: sum dout over the batch and both spatial axes, "
            "dout.sum(axis=(0, 2, 3))",
            "db 用了平均：要把 dout 對 batch 與兩個空間軸加總，dout.sum(axis=(0, 2, 3))"),
        "concept": (
            "db averages where it sums: the bias adds to every output pixel of every sample, "
            "and each one's gradient counts in full (module text, Conv2D backward: db)",
            "db 取了平均，但應該加總：bias 加到每個樣本的每個輸出像素上，每一個的梯度都要完整算進去"
            "（講義：Conv2D 反向傳播的 db）")},
    "conv_db_batch_only": {
        "fix": (
            "db is summed over the batch only (FC's dout.sum(axis=0)): sum over the spatial "
            "axes too, dout.sum(axis=(0, 2, 3)), shape (C_out,)",
            "db 只對 batch 加總（FC 的 dout.sum(axis=0)）：空間軸也要加總，"
            "dout.sum(axis=(0, 2, 3))，形狀 (C_out,)"),
        "concept": (
            "db keeps one value per output pixel: a convolution shares each channel's bias "
            "over all positions, so its gradient sums over them as well as over the batch "
            "(module text, Conv2D backward: db)",
            "db 每個輸出像素留了一個值：卷積的每個 channel 在所有位置共用同一個 bias，所以梯度要對"
            "位置和 batch 都加總（講義：Conv2D 反向傳播的 db）")},
}
