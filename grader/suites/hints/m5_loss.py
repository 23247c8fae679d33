"""Messages of test_m5_loss.py (softmax and softmax + cross-entropy): key: (English, 繁體中文)."""
HINTS = {
    "softmax_batch_axis": {
        "fix": (
            "softmax is normalised over the batch axis: each row (one sample) sums over the "
            "classes, axis=1, keepdims=True",
            "softmax 正規化到 batch 的軸去了：每一列（一個樣本）要對類別加總，axis=1, keepdims=True"),
        "concept": (
            "softmax is normalised over the wrong axis: each sample's probabilities are a "
            "distribution over the classes (module text, softmax and cross-entropy)",
            "softmax 正規化的軸不對：每個樣本的機率是對類別的分布（講義：softmax 與 cross-entropy）")},
    "softmax_shift": {
        "fix": (
            "exp overflows for large logits: subtract each row's max first, "
            "x − x.max(axis=1, keepdims=True) (softmax does not change; every exponent is ≤ 0)",
            "logit 很大時 exp 溢位：先減去每一列的最大值 x − x.max(axis=1, keepdims=True)"
            "（softmax 不變，所有指數都 ≤ 0）"),
        "concept": (
            "the exponential of a large logit overflows: softmax does not change when a "
            "constant is subtracted from a row, so shifting by the row's largest logit keeps "
            "every exponent at most 0 (module text, softmax overflow)",
            "很大的 logit 取指數會溢位：同一列減去同一個常數 softmax 不變，減去該列最大的 logit 後"
            "所有指數都不大於 0（講義：5.1 上溢）")},
    "softmax_row_max": {
        "fix": (
            "rows far apart break: subtract each row's own max (axis=1, keepdims=True), not "
            "the max of the whole batch",
            "各列數值差很多時出錯：要減去每一列自己的最大值（axis=1, keepdims=True），"
            "不是整個 batch 的最大值"),
        "concept": (
            "the shift must be each sample's own largest logit: one shift for the whole batch "
            "sends a row far below it to zero everywhere, and zero over zero is undefined "
            "(module text, softmax overflow)",
            "平移量必須是每個樣本自己最大的 logit：整個 batch 用同一個平移量，遠低於它的那一列會全部"
            "變成 0，0 除以 0 沒有定義（講義：5.1 上溢）")},
    "ce_not_a_pair": (
        "cross_entropy_loss should return a pair (loss, dscores), got {got}",
        "cross_entropy_loss 應回傳 (loss, dscores)，但得到 {got}"),
    "sequence_of_length": ("a {kind} of length {n}", "長度為 {n} 的 {kind}"),
    "softmax_not_normalised": {
        "fix": (
            "softmax is not normalised: divide each row's exponentials by their sum, "
            "e / e.sum(axis=1, keepdims=True)",
            "softmax 沒有正規化：每一列的指數要除以該列的總和，e / e.sum(axis=1, keepdims=True)"),
        "concept": (
            "the exponentials are not turned into probabilities: each sample's outputs must "
            "sum to 1 over the classes",
            "指數值沒有變成機率：每個樣本的輸出對類別加總要等於 1")},
    "ce_per_sample": {
        "fix": (
            "the loss is per sample: return one number, the mean over the batch",
            "loss 是每個樣本各一個：要回傳一個數字，也就是對 batch 的平均"),
        "concept": (
            "the loss is one number for the whole batch: the per-sample losses are averaged",
            "loss 是整個 batch 的一個數字：要把每個樣本的 loss 平均起來")},
    "ce_loss_over_classes": {
        "fix": (
            "loss is C times too small: average over the N samples only, "
            "−log p[n, y_n] summed over n and divided by N (not a mean over the N×C one-hot "
            "product)",
            "loss 小了 C 倍：只對 N 個樣本平均，把 −log p[n, y_n] 對 n 加總再除以 N"
            "（不是對 N×C 的 one-hot 乘積取平均）"),
        "concept": (
            "the loss averages over classes as well as samples: only the true class's term "
            "counts, once per sample",
            "loss 連類別也一起平均了：每個樣本只算正確類別那一項，而且只算一次")},
    "ce_dscores_over_classes": {
        "fix": (
            "dscores is C times too small: divide by N only, dscores = (softmax − onehot) / N",
            "dscores 小了 C 倍：只除以 N，dscores = (softmax − onehot) / N"),
        "concept": (
            "the gradient is that of a mean over classes and samples, but the loss averages "
            "over the samples only",
            "梯度是對類別和樣本一起平均的梯度，但 loss 只對樣本平均")},
    "ce_loss_times_n": {
        "fix": (
            "loss is N times too large: average over the batch: the convention is the mean "
            "(−1/N Σ log p[n, y_n])",
            "loss 大了 N 倍：要對 batch 取平均，慣例是平均值（−1/N Σ log p[n, y_n]）"),
        "concept": (
            "the loss sums over the batch where the course's convention is the mean "
            "(module text, softmax and cross-entropy)",
            "loss 對 batch 取了總和，而課程的慣例是平均（講義：softmax 與 cross-entropy）")},
    "ce_dscores_times_n": {
        "fix": (
            "dscores is N times too large: divide by N, dscores = (softmax − onehot) / N (the "
            "loss is a mean)",
            "dscores 大了 N 倍：要除以 N，dscores = (softmax − onehot) / N（loss 是平均）"),
        "concept": (
            "the gradient is that of a sum, but the loss is a mean over the batch (module "
            "text, the gradient of softmax + cross-entropy)",
            "梯度是總和的梯度，但 loss 是對 batch 的平均（講義：softmax + cross-entropy 的梯度）")},
    "ce_no_onehot": {
        "fix": (
            "dscores lacks the one-hot: subtract 1 at the true class, "
            "dscores = (softmax − onehot) / N",
            "dscores 少了 one-hot：正確類別要減 1，dscores = (softmax − onehot) / N"),
        "concept": (
            "the gradient misses the true class's term: the loss depends on the true class's "
            "probability (module text, the gradient of softmax + cross-entropy)",
            "梯度少了正確類別那一項：loss 取決於正確類別的機率（講義：softmax + cross-entropy 的梯度）")},
    "ce_stable": {
        "fix": (
            "a true class whose probability underflows to 0 gives log(0), and log(p + ε) caps "
            "the loss: compute log-softmax directly, shifted − log(Σ exp(shifted)) with "
            "shifted = x − row max",
            "正確類別的機率 underflow 成 0 會得到 log(0)，而 log(p + ε) 會把 loss 截斷："
            "直接計算 log-softmax：shifted − log(Σ exp(shifted))，其中 shifted = x − 該列最大值"),
        "concept": (
            "the logarithm is taken after a probability has already underflowed to zero: the "
            "log-probabilities must be computed directly from the shifted logits, never as the "
            "log of the softmax (module text, log-softmax underflow)",
            "取對數時機率已經 underflow 成 0 了：log 機率要直接從平移後的 logit 算出來，"
            "不能先算 softmax 再取 log（講義：5.2 下溢）")},
    "softmax_whole_batch_sum": {
        "fix": (
            "softmax is normalised over the whole batch at once: divide each row by its own "
            "sum, e / e.sum(axis=1, keepdims=True) (a sum without an axis adds up all N·C "
            "entries)",
            "softmax 把整個 batch 一起正規化了：每一列要除以該列自己的總和，"
            "e / e.sum(axis=1, keepdims=True)（沒有指定 axis 的 sum 會把 N·C 個值全部加起來）"),
        "concept": (
            "the batch is treated as one distribution: each sample has its own distribution "
            "over the classes, so each row is normalised on its own (module text, softmax and "
            "cross-entropy)",
            "把整個 batch 當成一個分布了：每個樣本各有一個對類別的分布，所以每一列要各自正規化"
            "（講義：softmax 與 cross-entropy）")},
    "ce_log_eps": {
        "fix": (
            "log(p + 1e-12) keeps the loss finite but caps it near 27.6: compute log-softmax "
            "directly, shifted − log(Σ exp(shifted)) with shifted = x − row max, and take its "
            "entry at the true class",
            "log(p + 1e-12) 讓 loss 保持有限，但把它截斷在 27.6 附近：直接計算 log-softmax："
            "shifted − log(Σ exp(shifted))，shifted = x − 該列最大值，再取正確類別那一項"),
        "concept": (
            "adding a small epsilon inside the logarithm hides the underflow instead of "
            "avoiding it: a true class far below its row's best should cost far more than the "
            "epsilon allows (module text, log-softmax underflow)",
            "在對數裡加一個小 epsilon 只是把 underflow 藏起來，並沒有避免它：正確類別的 logit 遠低於"
            "該列最大值時，loss 應該遠大於 epsilon 所允許的上限（講義：5.2 下溢）")},
    "ce_dscores_sign_flipped": {
        "fix": (
            "dscores has the wrong sign: dscores = (softmax − onehot) / N, the gradient of "
            "the loss, not (onehot − softmax) / N",
            "dscores 的正負號相反：dscores = (softmax − onehot) / N 才是 loss 的梯度，"
            "不是 (onehot − softmax) / N"),
        "concept": (
            "this is the gradient of the log-likelihood, which training maximises; the loss "
            "is its negative, and gradient descent needs the loss's gradient (module text, "
            "the gradient of softmax + cross-entropy)",
            "這是 log-likelihood 的梯度（訓練要讓它變大）；loss 是它的負值，梯度下降需要的是 loss "
            "的梯度（講義：softmax + cross-entropy 的梯度）")},
}
