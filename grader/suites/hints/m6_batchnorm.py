"""Messages of test_m6_batchnorm.py (BatchNorm2D forward, running statistics, eval mode,
backward): key: (English, 繁體中文), or {"fix": ..., "concept": ...} for a hint."""
HINTS = {
    # -- known mistakes (grader/suites/mistakes/m6_batchnorm.py) -----------------------------
    "bn_no_affine": {
        "fix": (
            "the output is x̂ itself: scale and shift it, out = gamma * x̂ + beta "
            "(per channel, gamma[None, :, None, None])",
            "輸出就是 x̂：還要縮放與平移，out = gamma * x̂ + beta（每個 channel 一組，"
            "gamma[None, :, None, None]）"),
        "concept": (
            "the learnable per-channel scale and shift are never applied after normalising: "
            "they give the layer back what normalising takes away (module text, BatchNorm "
            "forward)",
            "正規化之後沒有套用每個 channel 可學習的縮放與平移：它們把正規化拿走的自由度還給這一層"
            "（講義：BatchNorm 前向傳播）")},
    "bn_unbiased_variance": {
        "fix": (
            "normalised with the unbiased variance (ddof=1): the batch is normalised with "
            "the biased one, x.var(axis=(0, 2, 3)); only running_var takes the unbiased",
            "用了不偏變異數（ddof=1）做 normalize：batch 要用有偏的 x.var(axis=(0, 2, 3))；"
            "只有 running_var 用不偏變異數"),
        "concept": (
            "the batch is normalised with the unbiased variance: it is normalised with its "
            "own biased variance, and only the running estimate is unbiased (module text, "
            "BatchNorm forward)",
            "用不偏變異數正規化了 batch：batch 要用它自己的有偏變異數正規化，只有 running 的估計才用"
            "不偏變異數（講義：BatchNorm 前向傳播）")},
    "bn_eps_outside_sqrt": {
        "fix": (
            "eps belongs inside the square root: (x - mean) / sqrt(var + eps) "
            "(a channel with a tiny variance shows the difference)",
            "eps 要放在根號裡面：(x - mean) / sqrt(var + eps)（變異數很小的 channel 會看出差別）"),
        "concept": (
            "the stabilising constant is added to the standard deviation instead of to the "
            "variance under the square root, a different function for small variances "
            "(module text, BatchNorm forward)",
            "穩定用的小常數加在標準差上，而不是加在根號裡的變異數上；變異數小的時候這是另一個函式"
            "（講義：BatchNorm 前向傳播）")},
    "bn_no_sqrt": {
        "fix": (
            "x − mean is divided by the variance: divide by the standard deviation, "
            "(x - mean) / np.sqrt(var + eps)",
            "x − mean 除以了變異數：要除以標準差，(x - mean) / np.sqrt(var + eps)"),
        "concept": (
            "the centred input is divided by the variance, not the standard deviation, so "
            "the normalised values do not have unit variance (module text, BatchNorm forward)",
            "置中後的輸入除以了變異數而不是標準差，正規化後的值變異數不是 1（講義：BatchNorm 前向傳播）")},
    "bn_stats_per_pixel": {
        "fix": (
            "the statistics are over the batch axis only (axis=0, as for a fully connected "
            "layer): BatchNorm2D takes one mean and one variance per channel over N, H and W, "
            "x.mean(axis=(0, 2, 3))",
            "統計量只對 batch 軸計算（axis=0，全連接層的做法）：BatchNorm2D 每個 channel 一個平均與"
            "一個變異數，對 N、H、W 計算，x.mean(axis=(0, 2, 3))"),
        "concept": (
            "each pixel position gets its own statistics, as in a fully connected layer's "
            "BatchNorm; a convolution's channel is one feature at every position, so its "
            "statistics pool the batch and all positions (module text, BatchNorm forward)",
            "每個像素位置各自算統計量，像全連接層的 BatchNorm；卷積的一個 channel 在每個位置都是同一種"
            "特徵，統計量要把整個 batch 與所有位置合在一起（講義：BatchNorm 前向傳播）")},
    "bn_stats_per_sample": {
        "fix": (
            "the statistics are per sample over (C, H, W), which is LayerNorm: BatchNorm2D "
            "takes them per channel over N, H and W, x.mean(axis=(0, 2, 3))",
            "統計量是每個樣本對 (C, H, W) 計算，那是 LayerNorm：BatchNorm2D 要每個 channel 對 "
            "N、H、W 計算，x.mean(axis=(0, 2, 3))"),
        "concept": (
            "each sample is normalised over its own channels and positions, which is layer "
            "normalisation; batch normalisation pools each channel over the batch and the "
            "positions (module text, BatchNorm forward)",
            "每個樣本用自己所有 channel 與位置的統計量正規化，那是 layer normalization；batch "
            "normalization 是每個 channel 把整個 batch 與所有位置合在一起（講義：BatchNorm 前向傳播）")},
    "bn_stats_whole_array": {
        "fix": (
            "one mean and one variance for the whole array: take one pair per channel, "
            "x.mean(axis=(0, 2, 3)) and x.var(axis=(0, 2, 3))",
            "整個陣列只用一個平均與一個變異數：每個 channel 要各一組，"
            "x.mean(axis=(0, 2, 3)) 與 x.var(axis=(0, 2, 3))"),
        "concept": (
            "all channels share one mean and one variance: every channel is a different "
            "feature and is normalised with its own (module text, BatchNorm forward)",
            "所有 channel 共用一個平均與變異數：每個 channel 是不同的特徵，要用它自己的統計量正規化"
            "（講義：BatchNorm 前向傳播）")},
    "bn_running_var_biased": {
        "fix": (
            "running_var uses the biased variance: it takes the unbiased one, "
            "var · n / (n − 1) with n = N·H·W (PyTorch's convention)",
            "running_var 用了有偏變異數：要用不偏變異數 var · n / (n − 1)，n = N·H·W"
            "（PyTorch 的慣例）"),
        "concept": (
            "the running variance averages in the biased batch variance: it estimates the "
            "population's variance, so it takes the unbiased one (module text, training and "
            "inference: running statistics)",
            "running variance 累積的是有偏的 batch 變異數：它估計的是整個資料分布的變異數，"
            "所以要用不偏變異數（講義：Training 與 inference 的 running statistics）")},
    "bn_running_momentum_reversed": {
        "fix": (
            "the momentum is applied the other way round: running = (1 − momentum) · "
            "running + momentum · batch_stat, so with momentum = 0.1 the new statistic "
            "gets 0.1, not 0.9",
            "momentum 用反了：running = (1 − momentum) · running + momentum · batch_stat，"
            "momentum = 0.1 時新的統計量只佔 0.1，不是 0.9"),
        "concept": (
            "the momentum weighs the old running value instead of the new batch statistic "
            "(Keras' convention, not PyTorch's), so the running statistics mostly remember "
            "the last batch (module text, training and inference: running statistics)",
            "momentum 成了舊值的權重，而不是新 batch 統計量的權重（Keras 的慣例，不是 PyTorch 的），"
            "running statistics 幾乎只記得最後一個 batch（講義：Training 與 inference 的 running statistics）")},
    "bn_running_replaced": {
        "fix": (
            "the running statistics are replaced by the batch's: average them, "
            "running = (1 − momentum) · running + momentum · batch_stat",
            "running statistics 直接被 batch 的統計量取代：要做移動平均，"
            "running = (1 − momentum) · running + momentum · batch_stat"),
        "concept": (
            "the running statistics are overwritten by each batch's instead of being an "
            "exponential moving average over many batches (module text, training and "
            "inference: running statistics)",
            "running statistics 每次都被這個 batch 的統計量覆蓋，而不是對許多 batch 的指數移動平均"
            "（講義：Training 與 inference 的 running statistics）")},
    "bn_running_never_updated": {
        "fix": (
            "the running statistics never change: update running_mean and running_var "
            "in training mode (and assign the result: self.running_mean = ...)",
            "running statistics 都沒有變：training 模式要更新 running_mean 與 running_var"
            "（並把結果存回 self.running_mean = ...）"),
        "concept": (
            "a training-mode forward must fold the batch's statistics into the running "
            "ones, which eval mode later normalises with (module text, training and "
            "inference: running statistics)",
            "training 模式的 forward 要把這個 batch 的統計量併入 running statistics，eval 模式之後靠它"
            "正規化（講義：Training 與 inference 的 running statistics）")},
    "bn_eval_uses_batch_stats": {
        "fix": (
            "eval mode still normalises with the batch's statistics: with "
            "training = False use running_mean and running_var",
            "eval 模式還在用這個 batch 的統計量：training = False 時要用 "
            "running_mean 與 running_var"),
        "concept": (
            "eval mode still normalises with the batch's own statistics: at inference the "
            "running statistics do, so that a prediction does not depend on the rest of the "
            "batch (module text, training and inference: running statistics)",
            "eval 模式還在用 batch 自己的統計量正規化：inference 時要用 running statistics，"
            "預測才不會隨同一個 batch 的其他圖改變（講義：Training 與 inference 的 running statistics）")},
    "bn_eval_updates_first": {
        "fix": (
            "eval mode updated the running statistics with this batch before normalising "
            "with them: with training = False use running_mean and running_var as they are, "
            "and update them only when training is True",
            "eval 模式先用這個 batch 更新了 running statistics 再拿來正規化：training = False 時"
            "直接用現有的 running_mean 與 running_var，只有 training 為 True 時才更新"),
        "concept": (
            "eval mode folds the batch into the running statistics before using them: at "
            "inference they are fixed constants, updated by training only (module text, "
            "training and inference: running statistics)",
            "eval 模式在使用 running statistics 之前先把 batch 併進去了：inference 時它們是固定的常數，"
            "只有訓練會更新（講義：Training 與 inference 的 running statistics）")},
    "bn_dx_stats_constant": {
        "fix": (
            "dx ignores that the batch mean and variance depend on x: gamma · dout / "
            "sqrt(var + eps) is the eval-mode gradient. In training, dx = (1/M) · inv_std "
            "· (M·dx̂ − Σdx̂ − x̂ · Σ(dx̂·x̂)) with dx̂ = dout · gamma, M = N·H·W",
            "dx 忽略了 batch 的平均與變異數也依賴 x：gamma · dout / sqrt(var + eps) 是 eval 模式的梯度。"
            "training 時 dx = (1/M) · inv_std · (M·dx̂ − Σdx̂ − x̂ · Σ(dx̂·x̂))，dx̂ = dout · gamma，"
            "M = N·H·W"),
        "concept": (
            "the batch mean and variance are treated as constants: in training they are "
            "computed from every input of the channel, so the gradient has two more paths "
            "(module text, BatchNorm backward: the two extra terms)",
            "把 batch 的平均與變異數當成常數：training 時它們由這個 channel 的每一個輸入算出，梯度還有"
            "另外兩條路徑（講義：BatchNorm 反向傳播，多出來的兩項）")},
    "bn_dx_no_variance_path": {
        "fix": (
            "dx misses the path through the variance: subtract x̂ · mean(dx̂ · x̂) too",
            "dx 少了經過變異數的那條路徑：還要減去 x̂ · mean(dx̂ · x̂)"),
        "concept": (
            "the gradient misses the path through the batch variance, which every input of "
            "the channel feeds (module text, BatchNorm backward: the two extra terms)",
            "梯度少了經過 batch 變異數的那條路徑，這個 channel 的每一個輸入都會影響變異數"
            "（講義：BatchNorm 反向傳播，多出來的兩項）")},
    "bn_dx_no_mean_path": {
        "fix": (
            "dx misses the path through the mean: subtract mean(dx̂) too",
            "dx 少了經過平均值的那條路徑：還要減去 mean(dx̂)"),
        "concept": (
            "the gradient misses the path through the batch mean, which every input of the "
            "channel feeds (module text, BatchNorm backward: the two extra terms)",
            "梯度少了經過 batch 平均值的那條路徑，這個 channel 的每一個輸入都會影響平均"
            "（講義：BatchNorm 反向傳播，多出來的兩項）")},
    "bn_dx_unbiased_variance": {
        "fix": (
            "dx differentiates the unbiased variance: forward normalises with the biased "
            "one, so the variance term is x̂ · Σ(dx̂ · x̂) / M (divide by M, not M − 1)",
            "dx 用了不偏變異數來微分：forward 用的是有偏變異數，變異數那一項是 x̂ · Σ(dx̂ · x̂) / M"
            "（除以 M，不是 M − 1）"),
        "concept": (
            "the variance is differentiated as the unbiased one, but the forward pass "
            "normalises with the biased variance, which divides by the count itself (module "
            "text, BatchNorm backward: the two extra terms)",
            "把變異數當成不偏變異數來微分，但 forward 正規化用的是有偏變異數，分母就是個數本身"
            "（講義：BatchNorm 反向傳播，多出來的兩項）")},
    "bn_dx_sums_not_means": {
        "fix": (
            "the two correction terms are sums where they are means: dx = inv_std · (dx̂ − "
            "mean(dx̂) − x̂ · mean(dx̂ · x̂)), or keep the sums and divide the whole by M",
            "兩個修正項用了總和而不是平均：dx = inv_std · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))，"
            "或保留總和、整個再除以 M"),
        "concept": (
            "the factor one over the channel's count of values is lost: each input moves "
            "the batch mean and variance by only its share (module text, BatchNorm "
            "backward: the code)",
            "少了「除以這個 channel 的值個數」那個因子：每個輸入對 batch 平均與變異數的影響只有它的"
            "一份（講義：BatchNorm 反向傳播，程式裡的樣子）")},
    "bn_dx_no_inv_std": {
        "fix": (
            "dx lacks the factor 1 / sqrt(var + eps): dx = inv_std · (dx̂ − mean(dx̂) − "
            "x̂ · mean(dx̂ · x̂))",
            "dx 少了 1 / sqrt(var + eps) 這個因子：dx = inv_std · (dx̂ − mean(dx̂) − "
            "x̂ · mean(dx̂ · x̂))"),
        "concept": (
            "the gradient lacks the inverse standard deviation that normalising divides by "
            "(module text, BatchNorm backward: the code)",
            "梯度少了正規化時除掉的那個標準差的倒數（講義：BatchNorm 反向傳播，程式裡的樣子）")},
    "bn_dx_no_gamma": {
        "fix": (
            "dx lacks the factor gamma: the gradient reaching x̂ is dout · gamma",
            "dx 少了 gamma 這個因子：傳到 x̂ 的梯度是 dout · gamma"),
        "concept": (
            "the gradient skips the learnable scale between the normalised input and the "
            "output (module text, BatchNorm backward: up to x̂)",
            "梯度略過了正規化輸入與輸出之間那個可學習的縮放（講義：BatchNorm 反向傳播，到 x̂ 為止）")},
    "bn_dgamma_uses_x": {
        "fix": (
            "dgamma multiplies dout by x: it is Σ dout · x̂, the normalised "
            "input forward kept",
            "dgamma 用了 dout 乘 x：應該是 Σ dout · x̂（forward "
            "存下來的正規化後輸入）"),
        "concept": (
            "the scale's gradient uses the raw input, but the scale multiplies the "
            "normalised input (module text, BatchNorm backward: dγ and dβ)",
            "縮放參數的梯度用了原始輸入，但縮放乘的是正規化後的輸入（講義：BatchNorm 反向傳播的 dγ、dβ）")},
    "bn_dgamma_mean": {
        "fix": (
            "dgamma is a mean: sum over N, H and W, dgamma = (dout * x_hat).sum(axis=(0, 2, 3))",
            "dgamma 用了平均：要對 N、H、W 加總，dgamma = (dout * x_hat).sum(axis=(0, 2, 3))"),
        "concept": (
            "the scale's gradient averages over the channel's values: the scale appears in "
            "every output of the channel, so their contributions add up (module text, "
            "BatchNorm backward: dγ and dβ)",
            "縮放參數的梯度對這個 channel 的值取了平均：它出現在這個 channel 的每一個輸出，貢獻要加總"
            "（講義：BatchNorm 反向傳播的 dγ、dβ）")},
    "bn_dbeta_mean": {
        "fix": (
            "dbeta is a mean: sum over N, H and W, dbeta = dout.sum(axis=(0, 2, 3))",
            "dbeta 用了平均：要對 N、H、W 加總，dbeta = dout.sum(axis=(0, 2, 3))"),
        "concept": (
            "the shift's gradient averages over the channel's values: the shift appears in "
            "every output of the channel, so their contributions add up (module text, "
            "BatchNorm backward: dγ and dβ)",
            "平移參數的梯度對這個 channel 的值取了平均：它出現在這個 channel 的每一個輸出，貢獻要加總"
            "（講義：BatchNorm 反向傳播的 dγ、dβ）")},
    # -- other hints and messages ---------------------------------------------------------------
    "eval_updates_running": {
        "fix": (
            "eval mode changed the running statistics: update them only "
            "when training is True",
            "eval 模式改動了 running statistics：只有 training 為 True 時才更新"),
        "concept": (
            "at inference the running statistics are constants: only a training-mode "
            "forward updates them (module text, training and inference: running statistics)",
            "inference 時 running statistics 是常數：只有 training 模式的 forward 會更新它們"
            "（講義：Training 與 inference 的 running statistics）")},
    "eval_changed_running": (
        "a forward pass with training = False changed running_mean "
        "or running_var",
        "training = False 的 forward 改動了 running_mean 或 running_var"),
    "dgamma_dbeta_sums": {
        "fix": (
            "dgamma and dbeta sum over N, H and W per channel: "
            "dgamma = (dout · x̂).sum(axis=(0, 2, 3)), dbeta = dout.sum(axis=(0, 2, 3))",
            "dgamma 與 dbeta 要對每個 channel 在 N、H、W 上加總："
            "dgamma = (dout · x̂).sum(axis=(0, 2, 3))，dbeta = dout.sum(axis=(0, 2, 3))"),
        "concept": (
            "the scale and shift appear in every output of their channel, so their "
            "gradients add up the contributions of the whole batch and every position "
            "(module text, BatchNorm backward: dγ and dβ)",
            "縮放與平移參數出現在它們 channel 的每一個輸出，梯度要把整個 batch、所有位置的貢獻加起來"
            "（講義：BatchNorm 反向傳播的 dγ、dβ）")},
}
