"""Messages of test_m6_transposed.py (ConvTranspose2D forward, the adjoint identity,
backward): key: (English, 繁體中文)."""
HINTS = {
    "output_size": {
        "fix": (
            "output size: H_out = (H − 1)·stride − 2·padding + kernel_size + output_padding "
            "(scatter into (H − 1)·stride + k + output_padding rows, then crop `padding` from "
            "the top and from the bottom)",
            "輸出大小：H_out = (H − 1)·stride − 2·padding + kernel_size + output_padding"
            "（先撒到 (H − 1)·stride + k + output_padding 列，再從上方與下方各裁掉 padding 列）"),
        "concept": (
            "the output size is wrong: the blocks scattered stride apart make the full "
            "output, the padding is cropped from it and the output padding adds to it (module "
            "text, transposed convolution forward)",
            "輸出大小不對：相隔 stride 撒出的區塊構成完整輸出，padding 從中裁掉，output padding "
            "則是額外加上的（講義：transposed convolution 的 forward）")},
    "convt_padding_not_cropped": {
        "fix": (
            "the padding is not cropped: in a transposed convolution `padding` "
            "REMOVES rows/columns — crop it from each border of the scattered output, "
            "Y[:, :, p:p + H_out, p:p + W_out]",
            "padding 沒有裁掉：轉置卷積的 padding 是「去掉」列與行——要從撒完的輸出四邊各裁掉 "
            "padding，Y[:, :, p:p + H_out, p:p + W_out]"),
        "concept": (
            "padding is treated as adding nothing: in a transposed convolution it removes "
            "rows and columns from every border, mirroring the padding the matching Conv2D "
            "adds (module text, transposed convolution forward)",
            "把 padding 當成什麼都不做：在轉置卷積裡，padding 是從四邊去掉列與行，對應到同一個 "
            "Conv2D 補上的 padding（講義：transposed convolution 的 forward）")},
    "convt_output_padding_ignored": {
        "fix": (
            "output_padding is ignored: it adds output_padding rows at the bottom "
            "and columns at the right (they get only the bias), "
            "H_full = (H − 1)·stride + k + output_padding",
            "output_padding 被忽略了：它在下方多加 output_padding 列、右方多加同樣行數（只有 bias），"
            "H_full = (H − 1)·stride + k + output_padding"),
        "concept": (
            "the output padding is left out: it picks the larger of the input sizes a strided "
            "Conv2D maps to the same size, with extra rows and columns at the bottom and "
            "right (module text, transposed convolution forward)",
            "少了 output padding：它在 strided Conv2D 會對到同一個大小的幾種輸入大小中選較大的，"
            "在下方與右方多出列與行（講義：transposed convolution 的 forward）")},
    "convt_weight_layout": {
        "fix": (
            "the weight layout is (C_in, C_out, k, k) (PyTorch's, the transpose of "
            "Conv2D's): input channel c scatters W[c, :, :, :]",
            "權重的排列是 (C_in, C_out, k, k)（PyTorch 的慣例，與 Conv2D 相反）：輸入 channel c "
            "撒出的是 W[c, :, :, :]"),
        "concept": (
            "the weight is read in Conv2D's layout: a transposed convolution's weight holds "
            "the input channels first, then the output channels (module text, transposed "
            "convolution forward)",
            "權重照 Conv2D 的排列來讀了：轉置卷積的權重是輸入 channel 在前、輸出 channel 在後"
            "（講義：transposed convolution 的 forward）")},
    "convt_kernel_flipped": {
        "fix": (
            "the kernel is flipped: in the scatter form no flip is needed, "
            "Y[.., i·s + a, j·s + q] += x[.., i, j] · W[.., a, q]",
            "kernel 被翻轉了：用「撒」的寫法不需要翻轉，Y[.., i·s + a, j·s + q] += x[.., i, j] · W[.., a, q]"),
        "concept": (
            "the kernel is flipped: each input pixel scatters a copy of the kernel as it is, "
            "its offset (a, b) landing a rows and b columns from the block's corner (module "
            "text, transposed convolution forward)",
            "kernel 被翻轉了：每個輸入像素撒出的是原樣的 kernel，它的位置 (a, b) 落在區塊左上角往下 a "
            "列、往右 b 行的地方（講義：transposed convolution 的 forward）")},
    "convt_stride_ignored": {
        "fix": (
            "the blocks ignore the stride: input pixel (i, j) scatters into the block "
            "starting at (i·stride, j·stride), Y[:, :, i·s:i·s + k, j·s:j·s + k] += ...",
            "區塊忽略了 stride：輸入像素 (i, j) 撒到從 (i·stride, j·stride) 開始的區塊，"
            "Y[:, :, i·s:i·s + k, j·s:j·s + k] += ..."),
        "concept": (
            "neighbouring input pixels scatter their blocks one pixel apart: the stride "
            "spreads them stride pixels apart, which is what upsamples (module text, "
            "transposed convolution forward)",
            "相鄰的輸入像素把區塊撒在相隔一個像素的地方：stride 讓它們相隔 stride 個像素，這才是"
            "上採樣的來源（講義：transposed convolution 的 forward）")},
    "convt_crop_one_side": {
        "fix": (
            "the padding is cropped from one side only: remove `padding` rows at the "
            "top AND at the bottom (and columns at the left and the right)",
            "padding 只從一邊裁掉：上方與下方都要去掉 padding 列（左右也各去掉 padding 行）"),
        "concept": (
            "all the cropping is done on one side: the padding is removed from every border "
            "equally, mirroring a Conv2D's zero border (module text, transposed convolution "
            "forward)",
            "全部的裁切都在同一邊：padding 要從四邊平均去掉，對應到 Conv2D 四周的補零"
            "（講義：transposed convolution 的 forward）")},
    "convt_bias_missing": {
        "fix": (
            "the bias is missing: add b[o] to every pixel of output channel o",
            "少了 bias：輸出 channel o 的每個像素都要加上 b[o]"),
        "concept": (
            "the bias is missing: each output channel has one bias, added to all its pixels, "
            "the output padding's rows included (module text, transposed convolution forward)",
            "少了 bias：每個輸出 channel 有一個 bias，加到它所有的像素上，output padding 的列也算"
            "（講義：transposed convolution 的 forward）")},
    "scatter": {
        "fix": (
            "every input pixel adds x[n, c, i, j] · W[c] to the k×k block of the output "
            "starting at (i·stride, j·stride) — += (blocks overlap when k > stride)",
            "每個輸入像素把 x[n, c, i, j] · W[c] 加到輸出中從 (i·stride, j·stride) 開始的 k×k "
            "區塊——用 +=（k > stride 時區塊會重疊）"),
        "concept": (
            "the scatter is wrong: each input pixel adds its value times the kernel to one "
            "block of the output, and overlapping blocks add up (module text, transposed "
            "convolution forward)",
            "「撒」的方式不對：每個輸入像素把自己的值乘上 kernel 加到輸出的一個區塊，重疊的區塊要相加"
            "（講義：transposed convolution 的 forward）")},
    "conv_size_mismatch": (
        "Conv2D(stride={stride}, padding={padding}) maps the {convt_size} output of "
        "ConvTranspose2D to {conv_size}, not back to {x_size}",
        "Conv2D(stride={stride}, padding={padding}) 把 ConvTranspose2D 的 {convt_size} 輸出"
        "變成 {conv_size}，不是原本的 {x_size}"),
    "conv2d_wrong": {
        "fix": (
            "your ConvTranspose2D is right; your Module 5 Conv2D is not (see "
            "m5.conv2d.forward): the identity uses both",
            "你的 ConvTranspose2D 是對的；是 Module 5 的 Conv2D 不對（見 m5.conv2d.forward）："
            "這個等式兩個都會用到"),
        "concept": (
            "the transposed convolution is right but the Module 5 convolution is not: the "
            "adjoint identity holds only when both layers are right (module text, the adjoint "
            "identity)",
            "轉置卷積是對的，但 Module 5 的卷積不對：伴隨恆等式要兩層都對才會成立（講義：伴隨恆等式）")},
    "not_the_adjoint": {
        "fix": (
            "your Conv2D is right, but ConvTranspose2D is not its adjoint: scatter "
            "each input pixel times W[c] (layout (C_in, C_out, k, k), no flip), "
            "then crop `padding` from each border (see m6.convtranspose.forward)",
            "你的 Conv2D 是對的，但 ConvTranspose2D 不是它的伴隨：每個輸入像素乘上 W[c] 撒出去"
            "（排列 (C_in, C_out, k, k)，不翻轉），再從四邊各裁掉 padding（見 m6.convtranspose.forward）"),
        "concept": (
            "the transposed convolution is not the adjoint of your convolution: its forward "
            "must be exactly Conv2D's input gradient with the same weights (module text, the "
            "adjoint identity)",
            "轉置卷積不是你的卷積的伴隨：它的 forward 必須正好是同一組權重下 Conv2D 對輸入的梯度"
            "（講義：伴隨恆等式）")},
    "adjoint_mismatch": (
        "<conv(y), x> = {lhs:.10g} but <y, convT(x)> = {rhs:.10g} with the same W "
        "(shape {w_shape}), zero biases{case}: ConvTranspose2D.forward must be the "
        "input-gradient of Conv2D",
        "同一個 W（形狀 {w_shape}）、bias 為 0{case}：<conv(y), x> = {lhs:.10g}，"
        "<y, convT(x)> = {rhs:.10g}：ConvTranspose2D.forward 應該是 Conv2D 對輸入的梯度"),
    "convt_dx_flipped": {
        "fix": (
            "dx uses the flipped kernel: the backward of a transposed convolution is an "
            "ordinary convolution, dx[n, c, i, j] = Σ dY[n, o, i·s + a, j·s + q] · "
            "W[c, o, a, q], W unflipped",
            "dx 用了翻轉的 kernel：轉置卷積的 backward 是一般的卷積，dx[n, c, i, j] = "
            "Σ dY[n, o, i·s + a, j·s + q] · W[c, o, a, q]，W 不翻轉"),
        "concept": (
            "Conv2D's rule of flipping the kernel for dx is carried over: a transposed "
            "convolution's input gradient is an ordinary, unflipped convolution, since its "
            "forward was Conv2D's input gradient (module text, the adjoint identity)",
            "把 Conv2D 求 dx 時翻轉 kernel 的規則搬過來了：轉置卷積對輸入的梯度是一般、不翻轉的卷積，"
            "因為它的 forward 就是 Conv2D 對輸入的梯度（講義：伴隨恆等式）")},
    "convt_dx_uncrop_one_side": {
        "fix": (
            "dout goes back into the uncropped frame at the wrong place: put it at rows and "
            "columns p … p + H_out − 1, dY[:, :, p:p + H_out, p:p + W_out] = dout, zeros "
            "on every border",
            "dout 放回未裁切框的位置不對：要放在第 p … p + H_out − 1 列與行，"
            "dY[:, :, p:p + H_out, p:p + W_out] = dout，四邊都補 0"),
        "concept": (
            "the crop's gradient puts dout back off-centre: forward cropped the padding from "
            "every border, so backward restores zeros on every border (module text, the "
            "adjoint identity)",
            "裁切的梯度把 dout 放偏了：forward 從四邊裁掉 padding，所以 backward 要在四邊補回 0"
            "（講義：伴隨恆等式）")},
    "convt_dw_conv2d_layout": {
        "fix": (
            "dW has Conv2D's layout: it must match W, (C_in, C_out, k, k), "
            "dW[c, o, a, q] = Σ x[n, c, i, j] · dY[n, o, i·s + a, j·s + q]",
            "dW 用了 Conv2D 的排列：它要和 W 一樣是 (C_in, C_out, k, k)，"
            "dW[c, o, a, q] = Σ x[n, c, i, j] · dY[n, o, i·s + a, j·s + q]"),
        "concept": (
            "dW is laid out like a Conv2D kernel: a gradient has its parameter's layout, "
            "input channels first for a transposed convolution (module text, the adjoint "
            "identity)",
            "dW 照 Conv2D kernel 的方式排列：梯度要和它的參數排列一樣，轉置卷積是輸入 channel 在前"
            "（講義：伴隨恆等式）")},
    "convt_db_mean": {
        "fix": (
            "db is a mean: sum dout over the batch and both spatial axes, "
            "dout.sum(axis=(0, 2, 3))",
            "db 用了平均：要把 dout 對 batch 與兩個空間軸加總，dout.sum(axis=(0, 2, 3))"),
        "concept": (
            "db averages where it sums: the bias adds to every output pixel of every sample, "
            "and each one's gradient counts in full (module text, the adjoint identity)",
            "db 取了平均，但應該加總：bias 加到每個樣本的每個輸出像素上，每一個的梯度都要完整算進去"
            "（講義：伴隨恆等式）")},
    "dx_gather": {
        "fix": (
            "dx is wrong: backward of a scatter is a gather — put dout back into the "
            "uncropped frame (zeros where the padding was), then "
            "dx[n, c, i, j] = Σ_{{o,a,q}} dY[n, o, i·s + a, j·s + q] · W[c, o, a, q] "
            "(an ordinary strided convolution)",
            "dx 不對：撒的反向是收集——先把 dout 放回沒裁切的框（padding 位置補 0），再算 "
            "dx[n, c, i, j] = Σ_{{o,a,q}} dY[n, o, i·s + a, j·s + q] · W[c, o, a, q]"
            "（一般的 strided 卷積）"),
        "concept": (
            "dx is wrong while dW and db are right: the gradient of a scatter is a gather, "
            "each input pixel collecting the gradient over the block it scattered into "
            "(module text, the adjoint identity)",
            "dx 錯但 dW、db 對：「撒」的梯度是「收集」，每個輸入像素收集它撒過的那個區塊上的梯度"
            "（講義：伴隨恆等式）")},
    "dW_formula": {
        "fix": (
            "dW[c, o, a, q] = Σ_{{n,i,j}} x[n, c, i, j] · dY[n, o, i·s + a, j·s + q], with "
            "dY the gradient in the uncropped frame",
            "dW[c, o, a, q] = Σ_{{n,i,j}} x[n, c, i, j] · dY[n, o, i·s + a, j·s + q]，"
            "dY 是放回未裁切框的梯度"),
        "concept": (
            "dW is wrong: each kernel entry scaled every input pixel into one position of its "
            "block, so its gradient sums input times output gradient there, over the batch "
            "(module text, the adjoint identity)",
            "dW 不對：kernel 的每個元素把每個輸入像素乘上後放到區塊的某個位置，所以它的梯度是那裡的輸入"
            "乘上輸出梯度，再對 batch 加總（講義：伴隨恆等式）")},
    "db_sum": {
        "fix": (
            "db sums dout over the batch and both spatial axes: dout.sum(axis=(0, 2, 3))",
            "db 是 dout 對 batch 與兩個空間軸的總和：dout.sum(axis=(0, 2, 3))"),
        "concept": (
            "db is wrong: each output channel's bias touches every pixel of every sample, so "
            "its gradient sums dout over all of them (module text, the adjoint identity)",
            "db 不對：每個輸出 channel 的 bias 影響每個樣本的每個像素，所以梯度是把 dout 對它們全部加總"
            "（講義：伴隨恆等式）")},
}
