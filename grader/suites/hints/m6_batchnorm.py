"""Messages of test_m6_batchnorm.py (BatchNorm2D forward, running statistics, eval mode,
backward): key: (English, 繁體中文)."""
HINTS = {
    "train_no_affine": (
        "the output is x̂ itself: scale and shift it, out = gamma * x̂ + beta "
        "(per channel, gamma[None, :, None, None])",
        "輸出就是 x̂：還要縮放與平移，out = gamma * x̂ + beta（每個 channel 一組，"
        "gamma[None, :, None, None]）"),
    "train_unbiased_variance": (
        "normalised with the unbiased variance (ddof=1): the batch is normalised with "
        "the biased one, x.var(axis=(0, 2, 3)); only running_var takes the unbiased",
        "用了不偏變異數（ddof=1）做 normalize：batch 要用有偏的 x.var(axis=(0, 2, 3))；"
        "只有 running_var 用不偏變異數"),
    "train_eps_outside_sqrt": (
        "eps belongs inside the square root: (x - mean) / sqrt(var + eps) "
        "(a channel with a tiny variance shows the difference)",
        "eps 要放在根號裡面：(x - mean) / sqrt(var + eps)（變異數很小的 channel 會看出差別）"),
    "train_wrong_axes": (
        "the statistics are over the wrong axes: one mean and one variance per "
        "channel, over N, H and W — x.mean(axis=(0, 2, 3))",
        "統計量的軸不對：每個 channel 一個平均與一個變異數，對 N、H、W 計算——"
        "x.mean(axis=(0, 2, 3))"),
    "running_var_biased": (
        "running_var uses the biased variance: it takes the unbiased one, "
        "var · n / (n − 1) with n = N·H·W (PyTorch's convention)",
        "running_var 用了有偏變異數：要用不偏變異數 var · n / (n − 1)，n = N·H·W"
        "（PyTorch 的慣例）"),
    "running_momentum_reversed": (
        "the momentum is applied the other way round: running = (1 − momentum) · "
        "running + momentum · batch_stat, so with momentum = 0.1 the new statistic "
        "gets 0.1, not 0.9",
        "momentum 用反了：running = (1 − momentum) · running + momentum · batch_stat，"
        "momentum = 0.1 時新的統計量只佔 0.1，不是 0.9"),
    "running_never_updated": (
        "the running statistics never change: update running_mean and running_var "
        "in training mode (and assign the result: self.running_mean = ...)",
        "running statistics 都沒有變：training 模式要更新 running_mean 與 running_var"
        "（並把結果存回 self.running_mean = ...）"),
    "eval_uses_batch_stats": (
        "eval mode still normalises with the batch's statistics: with "
        "training = False use running_mean and running_var",
        "eval 模式還在用這個 batch 的統計量：training = False 時要用 "
        "running_mean 與 running_var"),
    "eval_updates_running": (
        "eval mode changed the running statistics: update them only "
        "when training is True",
        "eval 模式改動了 running statistics：只有 training 為 True 時才更新"),
    "eval_changed_running": (
        "a forward pass with training = False changed running_mean "
        "or running_var",
        "training = False 的 forward 改動了 running_mean 或 running_var"),
    "dx_stats_constant": (
        "dx ignores that the batch mean and variance depend on x: gamma · dout / "
        "sqrt(var + eps) is the eval-mode gradient. In training, dx = (1/M) · inv_std "
        "· (M·dx̂ − Σdx̂ − x̂ · Σ(dx̂·x̂)) with dx̂ = dout · gamma, M = N·H·W",
        "dx 忽略了 batch 的平均與變異數也依賴 x：gamma · dout / sqrt(var + eps) 是 eval 模式的梯度。"
        "training 時 dx = (1/M) · inv_std · (M·dx̂ − Σdx̂ − x̂ · Σ(dx̂·x̂))，dx̂ = dout · gamma，M = N·H·W"),
    "dx_no_variance_path": (
        "dx misses the path through the variance: subtract x̂ · mean(dx̂ · x̂) too",
        "dx 少了經過變異數的那條路徑：還要減去 x̂ · mean(dx̂ · x̂)"),
    "dx_no_mean_path": (
        "dx misses the path through the mean: subtract mean(dx̂) too",
        "dx 少了經過平均值的那條路徑：還要減去 mean(dx̂)"),
    "dx_unbiased_variance": (
        "dx differentiates the unbiased variance: forward normalises with the biased "
        "one (divide by M, not M − 1)",
        "dx 用了不偏變異數來微分：forward 用的是有偏變異數（除以 M，不是 M − 1）"),
    "dx_no_gamma": (
        "dx lacks the factor gamma: the gradient reaching x̂ is dout · gamma",
        "dx 少了 gamma 這個因子：傳到 x̂ 的梯度是 dout · gamma"),
    "dgamma_uses_x": (
        "dgamma multiplies dout by x: it is Σ dout · x̂, the normalised "
        "input forward kept",
        "dgamma 用了 dout 乘 x：應該是 Σ dout · x̂（forward "
        "存下來的正規化後輸入）"),
    "dgamma_dbeta_sums": (
        "dgamma and dbeta sum over N, H and W per channel: "
        "dgamma = (dout · x̂).sum(axis=(0, 2, 3)), dbeta = dout.sum(axis=(0, 2, 3))",
        "dgamma 與 dbeta 要對每個 channel 在 N、H、W 上加總："
        "dgamma = (dout · x̂).sum(axis=(0, 2, 3))，dbeta = dout.sum(axis=(0, 2, 3))"),
}
