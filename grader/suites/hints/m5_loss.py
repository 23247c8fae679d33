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
    "softmax_shift": (
        "exp overflows for large logits: subtract each row's max first, "
        "x − x.max(axis=1, keepdims=True) (softmax does not change; every exponent is ≤ 0)",
        "logit 很大時 exp 溢位：先減去每一列的最大值 x − x.max(axis=1, keepdims=True)"
        "（softmax 不變，所有指數都 ≤ 0）"),
    "softmax_row_max": (
        "rows far apart break: subtract each row's own max (axis=1, keepdims=True), not the "
        "max of the whole batch",
        "各列數值差很多時出錯：要減去每一列自己的最大值（axis=1, keepdims=True），不是整個 batch 的最大值"),
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
    "ce_stable": (
        "a true class whose probability underflows to 0 gives log(0), and log(p + ε) caps the "
        "loss: compute log-softmax directly, shifted − log(Σ exp(shifted)) with "
        "shifted = x − row max",
        "正確類別的機率 underflow 成 0 會得到 log(0)，而 log(p + ε) 會把 loss 截斷："
        "直接計算 log-softmax：shifted − log(Σ exp(shifted))，其中 shifted = x − 該列最大值"),
}
