"""Messages of test_m6_unet.py (U-Net encoder and decoder, SimpleUNet's shapes, gradient
check and IoU): key: (English, 繁體中文)."""
HINTS = {
    "params_are_copies": (
        "changing the arrays that get_params_and_grads() returned did not change the output: "
        "return the layers' own arrays (params_and_grads_of(self) collects them), not copies — "
        "training updates them in place",
        "改動 get_params_and_grads() 回傳的陣列不會影響輸出：要回傳各層自己的陣列（params_and_grads_of(self) "
        "會收集它們），不是複本——訓練時會原地更新它們"),
    "every_layer_lists_params": (
        "every layer with parameters must contribute its own pairs "
        "(params_and_grads_of(self) collects them)",
        "每個有參數的層都要提供自己的參數（params_and_grads_of(self) 會收集它們）"),
    "output_ignores": (
        "{what} does not depend on {on}: changing {on} changed it by {rel:.2g} "
        "(relative). An output that ignores {on} agrees with a zero gradient, so its "
        "gradient check proves nothing",
        "{what}與{on}無關：改變{on}，它只變了 {rel:.2g}（相對）。"
        "不受{on}影響的輸出和全 0 的梯度一致，梯度檢查因此沒有意義"),
    "the_output": ("the output", "輸出"),
    "its_parameters": ("its parameters", "它的參數"),
    "its_input_x": ("its input x", "輸入 x"),
    "no_pairs": (
        "{what} returned no (param, grad) pairs",
        "{what} 沒有回傳任何 (param, grad)"),
    "not_a_pair": (
        "{name} should return a pair ({first}, {second}), got {got}",
        "{name} 應回傳一對 ({first}, {second})，但得到 {got}"),
    "pair_swapped": (
        "{name} returned ({second}, {first}): the order is "
        "({first}, {second})",
        "{name} 回傳的是 ({second}, {first})：順序應該是 ({first}, {second})"),
    "encoder_pair": (
        "UNetEncoder.forward returns (skip, pooled): the features after the second ReLU (for the "
        "skip connection) and their 2×2 max-pool (for the next level)",
        "UNetEncoder.forward 回傳 (skip, pooled)：第二個 ReLU 之後的特徵（給 skip connection）與它們的 "
        "2×2 max-pool（給下一層）"),
    "encoder_dx_ignores_dskip": (
        "dx does not depend on dskip: the features before pooling feed two consumers (the pool "
        "and the skip connection), so their gradient is the SUM of both — "
        "d = pool.backward(dout) + dskip, then back through the conv/BN/ReLU layers",
        "dx 與 dskip 無關：pooling 之前的特徵同時給了兩個地方（pool 與 skip connection），所以它的梯度是兩者的"
        "「總和」——d = pool.backward(dout) + dskip，再往回穿過 conv/BN/ReLU 各層"),
    "encoder_pooled_is_maxpool": (
        "pooled must be the 2×2 max-pool (stride 2) of skip: the pool comes "
        "after the second Conv → BN → ReLU, and skip is what goes into it",
        "pooled 應該是 skip 的 2×2 max-pool（stride 2）：pool 接在第二個 Conv → BN → ReLU 之後，"
        "skip 就是送進 pool 的那個"),
    "encoder_skip_negative": (
        "skip has negative values: it is taken after the second ReLU",
        "skip 有負值：它應該取在第二個 ReLU 之後"),
    "encoder_backward_not_additive": (
        "backward(dout, dskip) is not the sum of backward(dout, 0) and "
        "backward(0, dskip): add the two gradients where the branches meet, "
        "d = pool.backward(dout) + dskip",
        "backward(dout, dskip) 不等於 backward(dout, 0) 加上 backward(0, dskip)：兩條分支交會處"
        "要把梯度相加，d = pool.backward(dout) + dskip"),
    "decoder_pair": (
        "UNetDecoder.backward(dout) returns (dx, dskip): the gradient of the input x (back through "
        "the upsampling) and of the skip features",
        "UNetDecoder.backward(dout) 回傳 (dx, dskip)：輸入 x 的梯度（要往回穿過上採樣）與 skip 特徵的梯度"),
    "decoder_output_x_size": (
        "the output has x's size: upsample x by 2 first (self.up), then "
        "concatenate the skip",
        "輸出和 x 一樣大：要先把 x 上採樣 2 倍（self.up），再接上 skip"),
    "decoder_ignores_skip": (
        "{name}: the output does not change when skip changes: "
        "concatenate the skip with the upsampled x "
        "(np.concatenate([x_up, skip], axis=1)) and convolve both",
        "{name}：skip 改變時輸出不變：要把 skip 與上採樣後的 x 接起來"
        "（np.concatenate([x_up, skip], axis=1)）再一起卷積"),
    "decoder_ignores_x": (
        "{name}: the output does not depend on x",
        "{name}：輸出與 x 無關"),
    "decoder_dskip_zero": (
        "dskip is all zeros: after the convolutions, split the gradient of "
        "the concatenation — the skip's channels come after x's: "
        "dskip = dcat[:, C_x:]",
        "dskip 全是 0：穿過卷積層之後，要把串接的梯度拆開——skip 的 channel 排在 x 之後："
        "dskip = dcat[:, C_x:]"),
    "decoder_dx_through_upsampling": (
        "dskip is right but dx is not: x's part of the concatenated gradient, "
        "dcat[:, :C_x], must go back through the upsampling: "
        "dx = self.up.backward(dcat[:, :C_x])",
        "dskip 對但 dx 不對：串接梯度中屬於 x 的部分 dcat[:, :C_x] 要往回穿過上採樣："
        "dx = self.up.backward(dcat[:, :C_x])"),
    "decoder_backward_split": (
        "backward: through the two Conv → BN → ReLU stages in reverse, then split "
        "the gradient of the concatenation by channel — the first C_x channels "
        "go back through the upsampling to x, the rest are dskip (the same order "
        "as in forward's concatenate)",
        "backward：先反向穿過兩組 Conv → BN → ReLU，再依 channel 拆開串接的梯度——前 C_x 個 channel "
        "往回穿過上採樣得到 dx，其餘是 dskip（順序與 forward 串接時相同）"),
    "unet_output_too_small": (
        "the output is smaller than the input: each decoder upsamples by 2 and there "
        "are as many decoders (2) as pooling encoders",
        "輸出比輸入小：每個 decoder 上採樣 2 倍，decoder（2 個）要和做 pooling 的 encoder 一樣多"),
    "unet_eight_channels": (
        "8 output channels: the last layer is a 1×1 Conv2D(8, n_classes) that maps the "
        "features to class scores",
        "輸出有 8 個 channel：最後一層是 1×1 的 Conv2D(8, n_classes)，把特徵變成各類別分數"),
    "unet_channels_vs_classes": (
        "{channels} output channels for n_classes={n}: the head is "
        "Conv2D(8, n_classes, 1) — use the n_classes argument",
        "n_classes={n} 卻輸出 {channels} 個 channel：head 是 Conv2D(8, n_classes, 1)——要用 n_classes 參數"),
    "concat_fails": (
        "the concatenation fails: the upsampled x and the skip must have the same H and W — "
        "upsample x by 2 before concatenating, and use the encoder's pre-pool features as the skip",
        "串接失敗：上採樣後的 x 與 skip 的 H、W 要相同——先把 x 上採樣 2 倍再串接，skip 要用 encoder "
        "pooling 之前的特徵"),
    "non_finite": (
        "{name} has non-finite values",
        "{name} 有非有限值"),
    "unet_backward_returns_dx": (
        "SimpleUNet.backward(dlogits) should return the gradient w.r.t. the input x (what the "
        "first encoder's backward returns), like every layer's backward",
        "SimpleUNet.backward(dlogits) 應該回傳對輸入 x 的梯度（第一個 encoder 的 backward 回傳值），"
        "和每一層的 backward 一樣"),
    "unet_params_right_dx_wrong": (
        "the parameter gradients are right but dx is not: SimpleUNet.backward must "
        "return what the first encoder's backward returns",
        "參數的梯度正確但 dx 不對：SimpleUNet.backward 要回傳第一個 encoder 的 backward 的回傳值"),
    "unet_backward_order": (
        "backward visits the blocks in reverse: head → dec1 → dec2 → bottom → enc2 → "
        "enc1, and each decoder's dskip goes into the backward of the encoder that "
        "produced that skip: enc2.backward(d, dskip2), enc1.backward(d, dskip1)",
        "backward 依反序走過各區塊：head → dec1 → dec2 → bottom → enc2 → enc1，每個 decoder 的 "
        "dskip 要送進產生那個 skip 的 encoder：enc2.backward(d, dskip2)、enc1.backward(d, dskip1)"),
    "no_transposed_weights": (
        "{what} has no ConvTranspose2D weights of shape (32, 32, 2, 2) and "
        "(16, 16, 2, 2): with upsample='transposed' each decoder upsamples "
        "with ConvTranspose2D(c, c, 2, stride=2), c = in_channels − "
        "out_channels, and its W and b are trained",
        "{what} 沒有形狀為 (32, 32, 2, 2) 與 (16, 16, 2, 2) 的 ConvTranspose2D 權重："
        "upsample='transposed' 時每個 decoder 用 ConvTranspose2D(c, c, 2, stride=2) 上採樣，"
        "c = in_channels − out_channels，它的 W 與 b 也要訓練"),
    "transposed_weights": ("the ConvTranspose2D weights", "ConvTranspose2D 的權重"),
    "training_pairs": (
        "every layer with parameters must keep dW/db (dgamma/dbeta) after backward, and "
        "get_params_and_grads() must list (param, grad) pairs of the same shape",
        "每個有參數的層在 backward 後都要存好 dW/db（dgamma/dbeta），"
        "get_params_and_grads() 要列出形狀相同的 (param, grad)"),
    "training_stopped": ("training stopped: {reason}", "訓練中止：{reason}"),
    "pair_not_float_arrays": (
        "{what} gave pair {k} as ({param}, {grad}); expected two "
        "float64 arrays of the same shape (did backward store every grad?)",
        "{what} 的第 {k} 組是 ({param}, {grad})；應該是兩個形狀相同的 "
        "float64 陣列（backward 有存好每個梯度嗎？）"),
    "iou_what": ("training the U-Net", "U-Net 的訓練"),
    "iou_after": (
        "after {steps} steps of momentum SGD (lr {lr}, batch {batch}) on "
        "{n_train} images, on {n_test} held-out {size}×{size} images",
        "以 momentum SGD（lr {lr}、batch {batch}）在 {n_train} 張影像上訓練 {steps} 步之後，"
        "在 {n_test} 張未見過的 {size}×{size} 影像上"),
    "iou_loss_too_high": (
        "the pixel cross-entropy is {loss:.4g} {after}; expected below "
        "{limit:.3g} (half of the {guess:.3g} of always guessing the "
        "class frequencies)",
        "{after} pixel cross-entropy 是 {loss:.4g}；應低於 {limit:.3g}"
        "（永遠猜類別比例的 {guess:.3g} 的一半）"),
    "iou_too_low": (
        "mean IoU is {iou:.3f} {after}; expected at least {threshold}",
        "{after} mean IoU 是 {iou:.3f}；應至少 {threshold}"),
    "iou_diverged": (
        "training diverged (inf/NaN): do the gradient checks pass? A backward that "
        "is too large by a constant factor makes lr = 0.1 explode",
        "訓練發散（inf/NaN）：梯度檢查有通過嗎？backward 大了某個倍數時 lr = 0.1 會爆掉"),
    "iou_one_class": (
        "the model predicts one class everywhere: it has not learned — check "
        "m6.unet.gradcheck first, and that get_params_and_grads() returns the live "
        "arrays (training updates them in place)",
        "模型在每個位置都預測同一類：它沒有學到東西——先看 m6.unet.gradcheck，以及 "
        "get_params_and_grads() 是否回傳真正的陣列（訓練時原地更新）"),
    "iou_running_statistics": (
        "with batch statistics (training mode) the same model reaches IoU "
        "{train_iou:.3f}, in eval mode only {iou:.3f}: BatchNorm2D's running "
        "statistics are off — running = (1 − momentum)·running + momentum·batch "
        "in training mode, and eval mode normalises with them",
        "同一個模型用 batch 統計量（訓練模式）IoU 可達 {train_iou:.3f}，在 eval 模式只有 {iou:.3f}："
        "BatchNorm2D 的 running 統計量有問題——訓練模式要更新 running = (1 − momentum)·running + "
        "momentum·batch，eval 模式要用它們來正規化"),
    "iou_outlines": (
        "the shapes are found but their outlines are not: the fine detail comes "
        "through the skip connections — does each decoder concatenate its "
        "encoder's pre-pool features and convolve them (see m6.unet.decoder)?",
        "形狀有找到但邊界不準：細節要靠 skip connection 傳過來——每個 decoder 有把對應 encoder "
        "pooling 前的特徵串接進來並卷積嗎（見 m6.unet.decoder）？"),
    "iou_learns_too_little": (
        "the U-Net learns too little: check m6.unet.gradcheck and the BatchNorm2D "
        "backward first — this check trains with plain momentum SGD on your "
        "get_params_and_grads()",
        "U-Net 學得太少：先看 m6.unet.gradcheck 與 BatchNorm2D 的 backward——這項檢查是用 "
        "momentum SGD 直接更新你的 get_params_and_grads()"),
    "logits_never_negative": (
        "{name}: every logit is ≥ 0. Logits are scores that softmax turns into probabilities "
        "and must be free to be negative: the 1×1 head is the last layer, with no ReLU after it",
        "{name}：每個 logit 都 ≥ 0。logit 是 softmax 轉成機率之前的分數，必須可以是負的：1×1 的 head "
        "是最後一層，後面不接 ReLU"),
}
