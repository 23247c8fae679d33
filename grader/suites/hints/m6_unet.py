"""Messages of test_m6_unet.py (U-Net encoder and decoder, SimpleUNet's shapes, gradient
check and IoU): key: (English, 繁體中文), or {"fix": ..., "concept": ...} for a hint with
both levels."""
HINTS = {
    "params_are_copies": {
        "fix": (
            "changing the arrays that get_params_and_grads() returned did not change the output: "
            "return the layers' own arrays (params_and_grads_of(self) collects them), not copies "
            "— training updates them in place",
            "改動 get_params_and_grads() 回傳的陣列不會影響輸出：要回傳各層自己的陣列（"
            "params_and_grads_of(self) 會收集它們），不是複本——訓練時會原地更新它們"),
        "concept": (
            "the parameters handed to training are copies: an update must reach the arrays the "
            "layers compute with (module text, gradient check)",
            "交給訓練的參數是複本：更新必須作用在各層計算時用的那些陣列上（講義：gradient check）")},
    "every_layer_lists_params": {
        "fix": (
            "every layer with parameters must contribute its own pairs "
            "(params_and_grads_of(self) collects them)",
            "每個有參數的層都要提供自己的參數（params_and_grads_of(self) 會收集它們）"),
        "concept": (
            "a layer with parameters is missing from the list training updates: every such layer "
            "contributes its own parameter and gradient pairs (module text, gradient check)",
            "有參數的層沒有出現在訓練要更新的清單裡：每個這樣的層都要提供自己的參數與梯度（講義：gradient check）")},
    "output_ignores": (
        "{what} does not depend on {on}: changing {on} changed it by {rel:.2g} (relative). An "
        "output that ignores {on} agrees with a zero gradient, so its gradient check proves "
        "nothing",
        "{what}與{on}無關：改變{on}，它只變了 {rel:.2g}（相對）。不受{on}影響的輸出和全 0 的梯度一致，"
        "梯度檢查因此沒有意義"),
    "the_output": (
        "the output",
        "輸出"),
    "its_parameters": (
        "its parameters",
        "它的參數"),
    "its_input_x": (
        "its input x",
        "輸入 x"),
    "no_pairs": (
        "{what} returned no (param, grad) pairs",
        "{what} 沒有回傳任何 (param, grad)"),
    "not_a_pair": (
        "{name} should return a pair ({first}, {second}), got {got}",
        "{name} 應回傳一對 ({first}, {second})，但得到 {got}"),
    "pair_swapped": (
        "{name} returned ({second}, {first}): the order is ({first}, {second})",
        "{name} 回傳的是 ({second}, {first})：順序應該是 ({first}, {second})"),
    "encoder_pair": {
        "fix": (
            "UNetEncoder.forward returns (skip, pooled): the features after the second ReLU (for "
            "the skip connection) and their 2×2 max-pool (for the next level)",
            "UNetEncoder.forward 回傳 (skip, pooled)：第二個 ReLU 之後的特徵（給 skip "
            "connection）與它們的 2×2 max-pool（給下一層）"),
        "concept": (
            "the encoder block has two outputs: the features before pooling, for the skip "
            "connection, and their pooled version, for the next level (module text, U-Net "
            "structure)",
            "encoder 區塊有兩個輸出：pooling 之前的特徵（給 skip connection）與 pooling 之後的（"
            "給下一層）（講義：SimpleUNet 的結構）")},
    "encoder_dx_ignores_dskip": {
        "fix": (
            "dx does not depend on dskip: the features before pooling feed two consumers (the "
            "pool and the skip connection), so their gradient is the SUM of both — d = "
            "pool.backward(dout) + dskip, then back through the conv/BN/ReLU layers",
            "dx 與 dskip 無關：pooling 之前的特徵同時給了兩個地方（pool 與 skip connection），所以"
            "它的梯度是兩者的「總和」——d = pool.backward(dout) + dskip，再往回穿過 "
            "conv/BN/ReLU 各層"),
        "concept": (
            "the skip's gradient is dropped: the features before pooling feed both the pool and "
            "the skip connection, so their gradient is the sum of both branches' (module text, "
            "U-Net backward)",
            "skip 的梯度被丟掉了：pooling 之前的特徵同時送進 pool 與 skip connection，所以它的梯度是兩"
            "條分支的梯度總和（講義：U-Net 的反向傳播）")},
    "encoder_pooled_is_maxpool": {
        "fix": (
            "pooled must be the 2×2 max-pool (stride 2) of skip: the pool comes after the second "
            "Conv → BN → ReLU, and skip is what goes into it",
            "pooled 應該是 skip 的 2×2 max-pool（stride 2）：pool 接在第二個 Conv → BN "
            "→ ReLU 之後，skip 就是送進 pool 的那個"),
        "concept": (
            "the pooled output must be the two-by-two max-pool of the skip features, taken after "
            "the second convolution stage (module text, U-Net structure)",
            "pooling 後的輸出應該是 skip 特徵的 2×2 max-pool，接在第二組卷積之後（講義：SimpleUNet "
            "的結構）")},
    "encoder_pooled_strided": {
        "fix": (
            "pooled is every second pixel of skip (skip[:, :, ::2, ::2]): it must be the 2×2 "
            "max-pool, self.pool = MaxPool2D(2) and pooled = self.pool.forward(skip)",
            "pooled 是 skip 每隔一個像素取一個（skip[:, :, ::2, ::2]）：它應該是 2×2 "
            "max-pool，self.pool = MaxPool2D(2)，pooled = "
            "self.pool.forward(skip)"),
        "concept": (
            "the pooled features are a subsampling of the skip features, which throws away three "
            "pixels in four: the encoder keeps the largest value of each two-by-two window "
            "(module text, U-Net structure)",
            "pooling 後的特徵只是把 skip 特徵降採樣，每四個像素丟掉三個：encoder 要保留每個 2×2 視窗中最大的值"
            "（講義：SimpleUNet 的結構）")},
    "encoder_skip_negative": (
        "skip has negative values: it is taken after the second ReLU",
        "skip 有負值：它應該取在第二個 ReLU 之後"),
    "encoder_backward_not_additive": {
        "fix": (
            "backward(dout, dskip) is not the sum of backward(dout, 0) and backward(0, dskip): "
            "add the two gradients where the branches meet, d = pool.backward(dout) + dskip",
            "backward(dout, dskip) 不等於 backward(dout, 0) 加上 backward(0, "
            "dskip)：兩條分支交會處要把梯度相加，d = pool.backward(dout) + dskip"),
        "concept": (
            "the two incoming gradients do not add up: where two branches meet, the gradient of "
            "the shared features is the sum of what each branch sends back (module text, U-Net "
            "backward)",
            "兩個傳入的梯度沒有相加：兩條分支交會處，共用特徵的梯度是每條分支傳回來的梯度總和（講義：U-Net 的反向傳播）")},
    "decoder_pair": {
        "fix": (
            "UNetDecoder.backward(dout) returns (dx, dskip): the gradient of the input x (back "
            "through the upsampling) and of the skip features",
            "UNetDecoder.backward(dout) 回傳 (dx, dskip)：輸入 x 的梯度（要往回穿過上採樣）與 "
            "skip 特徵的梯度"),
        "concept": (
            "the decoder's backward returns two gradients: the input's, back through the "
            "upsampling, and the skip features' (module text, U-Net backward)",
            "decoder 的反向傳播回傳兩個梯度：輸入的（要往回穿過上採樣）與 skip 特徵的（講義：U-Net 的反向傳播）")},
    "decoder_output_x_size": {
        "fix": (
            "the output has x's size: upsample x by 2 first (self.up), then concatenate the skip",
            "輸出和 x 一樣大：要先把 x 上採樣 2 倍（self.up），再接上 skip"),
        "concept": (
            "the decoder's output must have the skip's resolution: the input is upsampled before "
            "it meets the skip features (module text, U-Net structure)",
            "decoder 的輸出要和 skip 同樣的解析度：輸入要先上採樣，再和 skip 特徵接在一起（講義："
            "SimpleUNet 的結構）")},
    "decoder_ignores_skip": (
        "{name}: the output does not change when skip changes: concatenate the skip with the "
        "upsampled x (np.concatenate([x_up, skip], axis=1)) and convolve both",
        "{name}：skip 改變時輸出不變：要把 skip 與上採樣後的 x 接起來（"
        "np.concatenate([x_up, skip], axis=1)）再一起卷積"),
    "decoder_ignores_x": (
        "{name}: the output does not depend on x",
        "{name}：輸出與 x 無關"),
    "decoder_dskip_zero": {
        "fix": (
            "dskip is all zeros: after the convolutions, split the gradient of the concatenation "
            "— the skip's channels come after x's: dskip = dcat[:, C_x:]",
            "dskip 全是 0：穿過卷積層之後，要把串接的梯度拆開——skip 的 channel 排在 x 之後：dskip = "
            "dcat[:, C_x:]"),
        "concept": (
            "the skip features get no gradient: they are part of the concatenation, so their "
            "channels of its gradient go back to the encoder (module text, U-Net backward)",
            "skip 特徵沒有得到梯度：它們是串接的一部分，所以串接梯度中屬於它們的 channel 要還給 encoder（講義："
            "U-Net 的反向傳播）")},
    "decoder_dskip_whole_gradient": {
        "fix": (
            "dskip is the whole gradient of the concatenation: return only the skip's channels, "
            "dskip = dcat[:, C_x:]",
            "dskip 是整個串接的梯度：只回傳 skip 的 channel，dskip = dcat[:, C_x:]"),
        "concept": (
            "the skip receives the gradient of the whole concatenation: it gets only the "
            "channels it contributed (module text, U-Net backward)",
            "skip 收到了整個串接的梯度：它只該拿回自己貢獻的那些 channel（講義：U-Net 的反向傳播）")},
    "decoder_split_skip_first": {
        "fix": (
            "backward splits the gradient as if the skip came first, but forward concatenates "
            "[x_up, skip]: d_up = dcat[:, :C_x] (self.split = x_up.shape[1]) and dskip = dcat[:, "
            "C_x:]",
            "backward 拆梯度時好像 skip 排在前面，但 forward 串接的是 [x_up, skip]：d_up = "
            "dcat[:, :C_x]（self.split = x_up.shape[1]），dskip = dcat[:, "
            "C_x:]"),
        "concept": (
            "the backward splits the concatenated gradient in the other order than the forward "
            "joined the arrays: each part must go back to the array whose channels it holds "
            "(module text, U-Net backward)",
            "反向傳播拆開串接梯度的順序與 forward 串接的順序相反：每一部分都要還給佔那些 channel 的陣列（講義："
            "U-Net 的反向傳播）")},
    "decoder_concat_skip_first": {
        "fix": (
            "forward concatenates [skip, x_up], and backward splits x's channels first: "
            "concatenate in the documented order, np.concatenate([x_up, skip], axis=1)",
            "forward 串接的是 [skip, x_up]，backward 卻先取 x 的 channel：要照文件的順序串接，"
            "np.concatenate([x_up, skip], axis=1)"),
        "concept": (
            "the forward joins the skip before the upsampled input, the other order than "
            "documented, while the backward splits in the documented order: the two must agree, "
            "and the course puts the input first (module text, U-Net backward)",
            "forward 把 skip 接在上採樣後的輸入前面，與文件的順序相反，而反向傳播是照文件的順序拆：兩者必須一致，本課程是輸"
            "入在前（講義：U-Net 的反向傳播）")},
    "decoder_split_at_skip_channels": {
        "fix": (
            "the gradient is split at the skip's channel count: the first x_up.shape[1] channels "
            "are x's, so self.split = x_up.shape[1] (not skip.shape[1]) and d_up = dcat[:, "
            ":self.split]",
            "梯度在 skip 的 channel 數切開了：前 x_up.shape[1] 個 channel 才是 x 的，所以 "
            "self.split = x_up.shape[1]（不是 skip.shape[1]），d_up = dcat[:, "
            ":self.split]"),
        "concept": (
            "the concatenated gradient is cut at the wrong channel: the input's part is as many "
            "channels as the upsampled input has, not as the skip has (module text, U-Net "
            "backward)",
            "串接梯度在錯的 channel 切開了：屬於輸入的部分是上採樣後輸入的 channel 數，不是 skip 的（講義："
            "U-Net 的反向傳播）")},
    "decoder_dx_not_upsampled_back": {
        "fix": (
            "dx has the skip's resolution: x's part of the gradient must go back through the "
            "upsampling, dx = self.up.backward(dcat[:, :C_x])",
            "dx 的解析度和 skip 一樣：梯度中屬於 x 的部分要往回穿過上採樣，dx = "
            "self.up.backward(dcat[:, :C_x])"),
        "concept": (
            "the input's gradient stops before the upsampling: the input was upsampled in the "
            "forward, so its gradient goes back through that layer to the input's own size "
            "(module text, U-Net backward)",
            "輸入的梯度停在上採樣之前：輸入在 forward 時被上採樣過，所以它的梯度要往回穿過那一層，回到輸入自己的大小（講義："
            "U-Net 的反向傳播）")},
    "decoder_dx_through_upsampling": {
        "fix": (
            "dskip is right but dx is not: x's part of the concatenated gradient, dcat[:, :C_x], "
            "must go back through the upsampling: dx = self.up.backward(dcat[:, :C_x])",
            "dskip 對但 dx 不對：串接梯度中屬於 x 的部分 dcat[:, :C_x] 要往回穿過上採樣：dx = "
            "self.up.backward(dcat[:, :C_x])"),
        "concept": (
            "the skip's gradient is right but the input's is not: the input's part of the "
            "concatenated gradient must go back through the upsampling (module text, U-Net "
            "backward)",
            "skip 的梯度正確但輸入的不對：串接梯度中屬於輸入的部分要往回穿過上採樣（講義：U-Net 的反向傳播）")},
    "decoder_backward_split": {
        "fix": (
            "backward: through the two Conv → BN → ReLU stages in reverse, then split the "
            "gradient of the concatenation by channel — the first C_x channels go back through "
            "the upsampling to x, the rest are dskip (the same order as in forward's concatenate)",
            "backward：先反向穿過兩組 Conv → BN → ReLU，再依 channel 拆開串接的梯度——前 C_x 個 "
            "channel 往回穿過上採樣得到 dx，其餘是 dskip（順序與 forward 串接時相同）"),
        "concept": (
            "a concatenation's gradient is split by channel in the order the forward joined "
            "them: the input's channels back through the upsampling, the rest to the skip "
            "(module text, U-Net backward)",
            "串接的梯度要依 forward 串接的順序按 channel 切開：輸入的 channel 往回穿過上採樣，其餘給 skip"
            "（講義：U-Net 的反向傳播）")},
    "unet_output_too_small": {
        "fix": (
            "the output is smaller than the input: each decoder upsamples by 2 and there are as "
            "many decoders (2) as pooling encoders",
            "輸出比輸入小：每個 decoder 上採樣 2 倍，decoder（2 個）要和做 pooling 的 encoder 一樣"
            "多"),
        "concept": (
            "the network must give one score per input pixel: each pooling halves the size and "
            "each decoder doubles it back, so there are as many decoders as poolings (module "
            "text, U-Net structure)",
            "網路要替每個輸入像素給一個分數：每次 pooling 尺寸減半、每個 decoder 放大回兩倍，所以 decoder 要"
            "和 pooling 一樣多（講義：SimpleUNet 的結構）")},
    "unet_eight_channels": {
        "fix": (
            "8 output channels: the last layer is a 1×1 Conv2D(8, n_classes) that maps the "
            "features to class scores",
            "輸出有 8 個 channel：最後一層是 1×1 的 Conv2D(8, n_classes)，把特徵變成各類別分數"),
        "concept": (
            "the network outputs its features, not class scores: a last one-by-one convolution "
            "maps them to one score map per class (module text, U-Net structure)",
            "網路輸出的是特徵而不是類別分數：最後要用一個 1×1 卷積把它們變成每個類別一張分數圖（講義：SimpleUNet 的結構）")},
    "unet_channels_vs_classes": {
        "fix": (
            "{channels} output channels for n_classes={n}: the head is Conv2D(8, n_classes, 1) — "
            "use the n_classes argument",
            "n_classes={n} 卻輸出 {channels} 個 channel：head 是 Conv2D(8, "
            "n_classes, 1)——要用 n_classes 參數"),
        "concept": (
            "the number of score maps is not the number of classes the model was built for: the "
            "head gives one map per class (module text, U-Net structure)",
            "分數圖的數量不等於建立模型時指定的類別數：head 要替每個類別給一張圖（講義：SimpleUNet 的結構）")},
    "concat_fails": {
        "fix": (
            "the concatenation fails: the upsampled x and the skip must have the same H and W — "
            "upsample x by 2 before concatenating, and use the encoder's pre-pool features as "
            "the skip",
            "串接失敗：上採樣後的 x 與 skip 的 H、W 要相同——先把 x 上採樣 2 倍再串接，skip 要用 "
            "encoder pooling 之前的特徵"),
        "concept": (
            "the two arrays joined by channel must have the same height and width: the input is "
            "upsampled to the skip's resolution first (module text, U-Net structure)",
            "按 channel 串接的兩個陣列高度與寬度必須相同：輸入要先上採樣到 skip 的解析度（講義：SimpleUNet 的結"
            "構）")},
    "non_finite": (
        "{name} has non-finite values",
        "{name} 有非有限值"),
    "unet_backward_returns_dx": {
        "fix": (
            "SimpleUNet.backward(dlogits) should return the gradient w.r.t. the input x (what "
            "the first encoder's backward returns), like every layer's backward",
            "SimpleUNet.backward(dlogits) 應該回傳對輸入 x 的梯度（第一個 encoder 的 "
            "backward 回傳值），和每一層的 backward 一樣"),
        "concept": (
            "the model's backward must return the gradient of its input, like every layer's: the "
            "first encoder's input gradient (module text, U-Net backward)",
            "模型的反向傳播要和每一層一樣回傳對輸入的梯度：也就是第一個 encoder 的輸入梯度（講義：U-Net 的反向傳播）")},
    "unet_params_right_dx_wrong": {
        "fix": (
            "the parameter gradients are right but dx is not: SimpleUNet.backward must return "
            "what the first encoder's backward returns",
            "參數的梯度正確但 dx 不對：SimpleUNet.backward 要回傳第一個 encoder 的 backward 的"
            "回傳值"),
        "concept": (
            "the parameter gradients are right but the input's is not: the model's backward must "
            "hand on the first encoder's input gradient unchanged (module text, U-Net backward)",
            "參數的梯度正確但輸入的不對：模型的反向傳播要原封不動地交出第一個 encoder 的輸入梯度（講義：U-Net 的反向傳播）")},
    "unet_backward_order": {
        "fix": (
            "backward visits the blocks in reverse: head → dec1 → dec2 → bottom → enc2 → enc1, "
            "and each decoder's dskip goes into the backward of the encoder that produced that "
            "skip: enc2.backward(d, dskip2), enc1.backward(d, dskip1)",
            "backward 依反序走過各區塊：head → dec1 → dec2 → bottom → enc2 → enc1，每"
            "個 decoder 的 dskip 要送進產生那個 skip 的 encoder：enc2.backward(d, "
            "dskip2)、enc1.backward(d, dskip1)"),
        "concept": (
            "the backward visits the blocks in the reverse order of the forward, and each skip's "
            "gradient goes to the encoder that produced that skip (module text, U-Net backward)",
            "反向傳播要依 forward 的反序走過各區塊，每個 skip 的梯度要交給產生那個 skip 的 encoder（講義："
            "U-Net 的反向傳播）")},
    "no_transposed_weights": (
        "{what} has no ConvTranspose2D weights of shape (32, 32, 2, 2) and (16, 16, 2, 2): with "
        "upsample='transposed' each decoder upsamples with ConvTranspose2D(c, c, 2, stride=2), c "
        "= in_channels − out_channels, and its W and b are trained",
        "{what} 沒有形狀為 (32, 32, 2, 2) 與 (16, 16, 2, 2) 的 "
        "ConvTranspose2D 權重：upsample='transposed' 時每個 decoder 用 "
        "ConvTranspose2D(c, c, 2, stride=2) 上採樣，c = in_channels − "
        "out_channels，它的 W 與 b 也要訓練"),
    "transposed_weights": (
        "the ConvTranspose2D weights",
        "ConvTranspose2D 的權重"),
    "training_pairs": {
        "fix": (
            "every layer with parameters must keep dW/db (dgamma/dbeta) after backward, and "
            "get_params_and_grads() must list (param, grad) pairs of the same shape",
            "每個有參數的層在 backward 後都要存好 dW/db（dgamma/dbeta），"
            "get_params_and_grads() 要列出形狀相同的 (param, grad)"),
        "concept": (
            "training needs, after each backward, every parameter next to its gradient of the "
            "same shape (module text, gradient check)",
            "訓練需要在每次反向傳播之後，拿到每個參數與形狀相同的梯度（講義：gradient check）")},
    "training_stopped": (
        "training stopped: {reason}",
        "訓練中止：{reason}"),
    "pair_not_float_arrays": (
        "{what} gave pair {k} as ({param}, {grad}); expected two float64 arrays of the same "
        "shape (did backward store every grad?)",
        "{what} 的第 {k} 組是 ({param}, {grad})；應該是兩個形狀相同的 float64 陣列（"
        "backward 有存好每個梯度嗎？）"),
    "iou_what": (
        "training the U-Net",
        "U-Net 的訓練"),
    "iou_after": (
        "after {steps} steps of momentum SGD (lr {lr}, batch {batch}) on {n_train} images, on "
        "{n_test} held-out {size}×{size} images",
        "以 momentum SGD（lr {lr}、batch {batch}）在 {n_train} 張影像上訓練 "
        "{steps} 步之後，在 {n_test} 張未見過的 {size}×{size} 影像上"),
    "iou_loss_too_high": (
        "the pixel cross-entropy is {loss:.4g} {after}; expected below {limit:.3g} (half of the "
        "{guess:.3g} of always guessing the class frequencies)",
        "{after} pixel cross-entropy 是 {loss:.4g}；應低於 {limit:.3g}（永遠猜類別"
        "比例的 {guess:.3g} 的一半）"),
    "iou_too_low": (
        "mean IoU is {iou:.3f} {after}; expected at least {threshold}",
        "{after} mean IoU 是 {iou:.3f}；應至少 {threshold}"),
    "iou_diverged": {
        "fix": (
            "training diverged (inf/NaN): do the gradient checks pass? A backward that is too "
            "large by a constant factor makes lr = 0.1 explode",
            "訓練發散（inf/NaN）：梯度檢查有通過嗎？backward 大了某個倍數時 lr = 0.1 會爆掉"),
        "concept": (
            "training diverged: a gradient too large by a constant factor makes the usual "
            "learning rate explode — the gradient checks say which block (module text, the U-Net "
            "experiment)",
            "訓練發散了：梯度大了某個固定倍數時，一般的學習率就會爆掉——梯度檢查會指出是哪一個區塊（講義：U-Net 的實驗）")},
    "iou_one_class": {
        "fix": (
            "the model predicts one class everywhere: it has not learned — check "
            "m6.unet.gradcheck first, and that get_params_and_grads() returns the live arrays "
            "(training updates them in place)",
            "模型在每個位置都預測同一類：它沒有學到東西——先看 m6.unet.gradcheck，以及 "
            "get_params_and_grads() 是否回傳真正的陣列（訓練時原地更新）"),
        "concept": (
            "the model predicts one class everywhere, so it has not learned: its gradients or "
            "the parameters training updates are wrong (module text, the U-Net experiment)",
            "模型在每個位置都預測同一類，所以它沒有學到東西：它的梯度或訓練更新的參數有問題（講義：U-Net 的實驗）")},
    "iou_running_statistics": {
        "fix": (
            "with batch statistics (training mode) the same model reaches IoU {train_iou:.3f}, "
            "in eval mode only {iou:.3f}: BatchNorm2D's running statistics are off — running = "
            "(1 − momentum)·running + momentum·batch in training mode, and eval mode normalises "
            "with them",
            "同一個模型用 batch 統計量（訓練模式）IoU 可達 {train_iou:.3f}，在 eval 模式只有 "
            "{iou:.3f}：BatchNorm2D 的 running 統計量有問題——訓練模式要更新 running = (1 "
            "− momentum)·running + momentum·batch，eval 模式要用它們來正規化"),
        "concept": (
            "the model segments well with batch statistics but not with its running ones: "
            "BatchNorm's running statistics are not kept up to date in training mode (module "
            "text, BatchNorm at inference)",
            "模型用 batch 統計量分割得很好，用 running 統計量卻不行：BatchNorm 在訓練模式沒有正確更新 "
            "running 統計量（講義：BatchNorm 的推論模式）")},
    "iou_outlines": {
        "fix": (
            "the shapes are found but their outlines are not: the fine detail comes through the "
            "skip connections — does each decoder concatenate its encoder's pre-pool features "
            "and convolve them (see m6.unet.decoder)?",
            "形狀有找到但邊界不準：細節要靠 skip connection 傳過來——每個 decoder 有把對應 encoder "
            "pooling 前的特徵串接進來並卷積嗎（見 m6.unet.decoder）？"),
        "concept": (
            "the shapes are found but not their outlines: the fine detail of the boundaries "
            "comes through the skip connections (module text, skip connections)",
            "形狀有找到但邊界不準：邊界的細節要靠 skip connection 傳過來（講義：skip connection）")},
    "iou_learns_too_little": {
        "fix": (
            "the U-Net learns too little: check m6.unet.gradcheck and the BatchNorm2D backward "
            "first — this check trains with plain momentum SGD on your get_params_and_grads()",
            "U-Net 學得太少：先看 m6.unet.gradcheck 與 BatchNorm2D 的 backward——這項檢查"
            "是用 momentum SGD 直接更新你的 get_params_and_grads()"),
        "concept": (
            "the model learns too little: the whole-model gradient check and the BatchNorm "
            "backward are where a wrong gradient shows (module text, the U-Net experiment)",
            "模型學得太少：錯的梯度會在整個模型的梯度檢查與 BatchNorm 的反向傳播上現形（講義：U-Net 的實驗）")},
    "logits_never_negative": (
        "{name}: every logit is ≥ 0. Logits are scores that softmax turns into probabilities and "
        "must be free to be negative: the 1×1 head is the last layer, with no ReLU after it",
        "{name}：每個 logit 都 ≥ 0。logit 是 softmax 轉成機率之前的分數，必須可以是負的：1×1 的 "
        "head 是最後一層，後面不接 ReLU"),
}
