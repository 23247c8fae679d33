"""Messages of test_m6_transposed.py (ConvTranspose2D forward, the adjoint identity,
backward): key: (English, 繁體中文)."""
HINTS = {
    "output_size": (
        "output size: H_out = (H − 1)·stride − 2·padding + kernel_size + output_padding "
        "(scatter into (H − 1)·stride + k + output_padding rows, then crop `padding` from "
        "the top and from the bottom)",
        "輸出大小：H_out = (H − 1)·stride − 2·padding + kernel_size + output_padding"
        "（先撒到 (H − 1)·stride + k + output_padding 列，再從上方與下方各裁掉 padding 列）"),
    "padding_not_cropped": (
        "the padding is not cropped: in a transposed convolution `padding` "
        "REMOVES rows/columns — crop it from each border of the scattered output",
        "padding 沒有裁掉：轉置卷積的 padding 是「去掉」列與行——要從撒完的輸出四邊各裁掉 padding"),
    "output_padding_ignored": (
        "output_padding is ignored: it adds output_padding rows at the bottom "
        "and columns at the right (they get only the bias)",
        "output_padding 被忽略了：它在下方多加 output_padding 列、右方多加同樣行數（只有 bias）"),
    "weight_layout": (
        "the weight layout is (C_in, C_out, k, k) (PyTorch's, the transpose of "
        "Conv2D's): input channel c scatters W[c, :, :, :]",
        "權重的排列是 (C_in, C_out, k, k)（PyTorch 的慣例，與 Conv2D 相反）：輸入 channel c 撒出的是 W[c, :, :, :]"),
    "kernel_flipped": (
        "the kernel is flipped: in the scatter form no flip is needed, "
        "Y[.., i·s + a, j·s + q] += x[.., i, j] · W[.., a, q]",
        "kernel 被翻轉了：用「撒」的寫法不需要翻轉，Y[.., i·s + a, j·s + q] += x[.., i, j] · W[.., a, q]"),
    "padding_one_side": (
        "the padding is cropped from one side only: remove `padding` rows at the "
        "top AND at the bottom (and columns at the left and the right)",
        "padding 只從一邊裁掉：上方與下方都要去掉 padding 列（左右也各去掉 padding 行）"),
    "bias_missing": (
        "the bias is missing: add b[o] to every pixel of output channel o",
        "少了 bias：輸出 channel o 的每個像素都要加上 b[o]"),
    "scatter": (
        "every input pixel adds x[n, c, i, j] · W[c] to the k×k block of the output "
        "starting at (i·stride, j·stride) — += (blocks overlap when k > stride)",
        "每個輸入像素把 x[n, c, i, j] · W[c] 加到輸出中從 (i·stride, j·stride) 開始的 k×k 區塊——用 +="
        "（k > stride 時區塊會重疊）"),
    "conv_size_mismatch": (
        "Conv2D(stride={stride}, padding={padding}) maps the {convt_size} output of "
        "ConvTranspose2D to {conv_size}, not back to {x_size}",
        "Conv2D(stride={stride}, padding={padding}) 把 ConvTranspose2D 的 {convt_size} 輸出"
        "變成 {conv_size}，不是原本的 {x_size}"),
    "conv2d_wrong": (
        "your ConvTranspose2D is right; your Module 5 Conv2D is not (see "
        "m5.conv2d.forward): the identity uses both",
        "你的 ConvTranspose2D 是對的；是 Module 5 的 Conv2D 不對（見 m5.conv2d.forward）：這個等式兩個都會用到"),
    "not_the_adjoint": (
        "your Conv2D is right, but ConvTranspose2D is not its adjoint: scatter "
        "each input pixel times W[c] (layout (C_in, C_out, k, k), no flip), "
        "then crop `padding` from each border (see m6.convtranspose.forward)",
        "你的 Conv2D 是對的，但 ConvTranspose2D 不是它的伴隨：每個輸入像素乘上 W[c] 撒出去"
        "（排列 (C_in, C_out, k, k)，不翻轉），再從四邊各裁掉 padding（見 m6.convtranspose.forward）"),
    "adjoint_mismatch": (
        "<conv(y), x> = {lhs:.10g} but <y, convT(x)> = {rhs:.10g} with the same W "
        "(shape {w_shape}), zero biases{case}: ConvTranspose2D.forward must be the "
        "input-gradient of Conv2D",
        "同一個 W（形狀 {w_shape}）、bias 為 0{case}：<conv(y), x> = {lhs:.10g}，"
        "<y, convT(x)> = {rhs:.10g}：ConvTranspose2D.forward 應該是 Conv2D 對輸入的梯度"),
    "dW_conv2d_layout": (
        "dW has Conv2D's layout: it must match W, (C_in, C_out, k, k)",
        "dW 用了 Conv2D 的排列：它要和 W 一樣是 (C_in, C_out, k, k)"),
    "dx_gather": (
        "dx is wrong: backward of a scatter is a gather — put dout back into the "
        "uncropped frame (zeros where the padding was), then "
        "dx[n, c, i, j] = Σ_{{o,a,q}} dY[n, o, i·s + a, j·s + q] · W[c, o, a, q] "
        "(an ordinary strided convolution)",
        "dx 不對：撒的反向是收集——先把 dout 放回沒裁切的框（padding 位置補 0），再算 "
        "dx[n, c, i, j] = Σ_{{o,a,q}} dY[n, o, i·s + a, j·s + q] · W[c, o, a, q]（一般的 strided 卷積）"),
    "dW_formula": (
        "dW[c, o, a, q] = Σ_{{n,i,j}} x[n, c, i, j] · dY[n, o, i·s + a, j·s + q], with "
        "dY the gradient in the uncropped frame",
        "dW[c, o, a, q] = Σ_{{n,i,j}} x[n, c, i, j] · dY[n, o, i·s + a, j·s + q]，dY 是放回未裁切框的梯度"),
    "db_sum": (
        "db sums dout over the batch and both spatial axes: dout.sum(axis=(0, 2, 3))",
        "db 是 dout 對 batch 與兩個空間軸的總和：dout.sum(axis=(0, 2, 3))"),
}
