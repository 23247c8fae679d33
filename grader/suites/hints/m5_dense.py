"""Messages of test_m5_dense.py (FullyConnected, ReLU, Sigmoid): key: (English, 繁體中文), or
{"fix": ..., "concept": ...} for a hint at both levels."""
HINTS = {
    "fc_bias_missing": {
        "fix": ("the bias is missing: out = x @ W + b", "少了 bias：out = x @ W + b"),
        "concept": (
            "the layer is affine, not linear: every output feature has its own bias added to "
            "the weighted sum (module text, Fully Connected layer)",
            "這一層是仿射（affine）而不只是線性：每個輸出特徵在加權和之外還要加上自己的 bias"
            "（講義：Fully Connected 層）")},
    "fc_bias_subtracted": {
        "fix": ("the bias is subtracted: out = x @ W + b", "bias 被減掉了：out = x @ W + b"),
        "concept": (
            "the bias enters with a plus sign: it is added to the weighted sum of the inputs "
            "(module text, Fully Connected layer)",
            "bias 的符號是正的：它是加到輸入的加權和上（講義：Fully Connected 層）")},
    "fc_dx_over_n": {
        "fix": (
            "dx is N times too small: dx = dout @ W.T; the 1/N of the mean is already in dout",
            "dx 小了 N 倍：dx = dout @ W.T；平均的 1/N 已經在 dout 裡"),
        "concept": (
            "the input gradient is averaged over the batch a second time: the loss's 1/N "
            "already arrives in the upstream gradient, and a layer only applies its own local "
            "derivative (module text, Fully Connected layer: backward)",
            "輸入的梯度又對 batch 平均了一次：loss 的 1/N 已經在上游傳來的梯度裡，每一層只要乘上"
            "自己的局部導數（講義：Fully Connected 層的反向傳播）")},
    "fc_dx_transposed": {
        "fix": (
            "dx is transposed, shape (D, N): dx = dout @ W.T, shape (N, D) like x",
            "dx 轉置了，形狀是 (D, N)：dx = dout @ W.T，形狀 (N, D) 與 x 相同"),
        "concept": (
            "the input gradient has one row per sample like the input itself: writing the "
            "product element by element shows which index goes where (module text, Fully "
            "Connected layer: backward)",
            "輸入的梯度和輸入一樣，每個樣本一列：把乘積逐項寫開，就看得出每個 index 該放哪裡"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_dx_uses_dw": {
        "fix": (
            "dx multiplies dout by dW: use the weights, dx = dout @ self.W.T (dW is the "
            "weights' gradient, not the weights)",
            "dx 是 dout 乘上 dW：要用權重本身，dx = dout @ self.W.T（dW 是權重的梯度，不是權重）"),
        "concept": (
            "the input gradient goes back through the weights the forward pass used, not "
            "through the weights' gradient (module text, Fully Connected layer: backward)",
            "輸入的梯度要經過 forward 用到的權重往回傳，而不是經過權重的梯度"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_dw_transposed": {
        "fix": ("dW is transposed: dW = x.T @ dout, shape (D, M) like W",
                "dW 轉置了：dW = x.T @ dout，形狀 (D, M) 與 W 相同"),
        "concept": (
            "a parameter's gradient has the parameter's own shape: one entry per weight, "
            "indexed input feature first (module text, Fully Connected layer: backward)",
            "參數的梯度形狀和參數本身一樣：每個權重一個值，第一個 index 是輸入特徵"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_dw_over_n": {
        "fix": (
            "dW is N times too small: dW = x.T @ dout sums over the batch; "
            "the 1/N of the mean is already in dout",
            "dW 小了 N 倍：dW = x.T @ dout 是對 batch 加總；平均的 1/N 已經在 dout 裡"),
        "concept": (
            "the weight gradient sums the samples' contributions: the loss's 1/N already "
            "arrives in the upstream gradient, so averaging again makes it N times too small "
            "(module text, Fully Connected layer: backward)",
            "權重的梯度是把每個樣本的貢獻加起來：loss 的 1/N 已經在上游的梯度裡，再平均一次就小了 N 倍"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_dw_from_output": {
        "fix": (
            "dW is built from forward's output: cache the input (self.cache = x) and use "
            "dW = x.T @ dout, shape (D, M)",
            "dW 是用 forward 的輸出算的：要把輸入存起來（self.cache = x），dW = x.T @ dout，"
            "形狀 (D, M)"),
        "concept": (
            "each weight's gradient is its input times the upstream gradient: forward must "
            "keep its input, not its output, for the backward pass (module text, Fully "
            "Connected layer: backward)",
            "每個權重的梯度是它的輸入乘上上游梯度：forward 要為反向傳播存下輸入，而不是輸出"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_db_extra_axis": {
        "fix": (
            "db has an extra axis: dout.sum(axis=0) without keepdims, shape (M,) like b",
            "db 多了一個軸：dout.sum(axis=0) 不要 keepdims，形狀 (M,) 與 b 相同"),
        "concept": (
            "the bias gradient must have the bias's own shape, one number per output feature "
            "with no batch axis left (module text, Fully Connected layer: backward)",
            "bias 的梯度形狀要和 bias 一樣：每個輸出特徵一個數字，不留下 batch 的軸"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_db_wrong_axis": {
        "fix": (
            "db is summed over the wrong axis: sum over the batch, dout.sum(axis=0)",
            "db 加總的軸錯了：要對 batch 加總，dout.sum(axis=0)"),
        "concept": (
            "each bias is used by every sample of the batch, so its gradient adds up over the "
            "samples, not over the output features (module text, Fully Connected layer: "
            "backward)",
            "每個 bias 被 batch 裡的每個樣本用到，所以它的梯度是對樣本加總，不是對輸出特徵加總"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_db_mean": {
        "fix": (
            "db is the mean of dout over the batch: sum over the batch, not mean "
            "(db = dout.sum(axis=0))",
            "db 是 dout 對 batch 的平均：要加總而不是平均（db = dout.sum(axis=0)）"),
        "concept": (
            "the bias gradient averages over the batch: the loss's 1/N is already in the "
            "upstream gradient, so the samples' contributions are summed (module text, Fully "
            "Connected layer: backward)",
            "bias 的梯度對 batch 取了平均：loss 的 1/N 已經在上游的梯度裡，所以每個樣本的貢獻要加總"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_dW_wrong": {
        "fix": ("dW is wrong: dW = x.T @ dout, with x the input forward kept",
                "dW 不對：dW = x.T @ dout，x 是 forward 存下來的輸入"),
        "concept": (
            "the weight gradient pairs each input feature with each upstream gradient, summed "
            "over the batch, using the input forward kept (module text, Fully Connected "
            "layer: backward)",
            "權重的梯度是每個輸入特徵與每個上游梯度的乘積對 batch 加總，用的是 forward 存下的輸入"
            "（講義：Fully Connected 層的反向傳播）")},
    "fc_dx_wrong": {
        "fix": ("dx is wrong: dx = dout @ W.T", "dx 不對：dx = dout @ W.T"),
        "concept": (
            "the input gradient sends each upstream gradient back through the weight that "
            "connected the two features (module text, Fully Connected layer: backward)",
            "輸入的梯度是把每個上游梯度經過連接兩個特徵的那個權重送回去"
            "（講義：Fully Connected 層的反向傳播）")},
    "relu_leaky": {
        "fix": (
            "negative inputs must give exactly 0: out = max(0, x) "
            "(np.maximum(x, 0)), not a leaky slope",
            "負的輸入要輸出 0：out = max(0, x)（np.maximum(x, 0)），不是 leaky 的斜率"),
        "concept": (
            "this is a leaky ReLU: the plain ReLU outputs exactly zero for every negative "
            "input (module text, ReLU)",
            "這是 leaky ReLU：一般的 ReLU 對所有負的輸入都輸出 0（講義：ReLU）")},
    "relu_max_reduces": {
        "fix": (
            "np.max(x, 0) is the maximum over axis 0 (a reduction): the elementwise maximum is "
            "np.maximum(x, 0), which keeps x's shape",
            "np.max(x, 0) 是對第 0 軸取最大值（會把軸消掉）：逐元素的最大值是 np.maximum(x, 0)，"
            "形狀與 x 相同"),
        "concept": (
            "a reduction is used where an elementwise comparison belongs: ReLU compares every "
            "entry with zero and keeps the input's shape (module text, ReLU)",
            "用了會消掉一個軸的化簡運算，但這裡需要的是逐元素比較：ReLU 把每個值和 0 比較，形狀不變"
            "（講義：ReLU）")},
    "relu_mask_only": {
        "fix": ("dx is the 0/1 mask alone: multiply by dout, dx = dout * (x > 0)",
                "dx 只有 0/1 遮罩：要乘上 dout，dx = dout * (x > 0)"),
        "concept": (
            "the local derivative is returned without the chain rule: it must multiply the "
            "upstream gradient (module text, ReLU)",
            "只回傳了局部導數，少了連鎖律：它要乘上上游傳來的梯度（講義：ReLU）")},
    "relu_mask_from_dout": {
        "fix": (
            "the mask must come from forward's input x (cache it), not from dout: "
            "dx = dout * (x > 0)",
            "遮罩要用 forward 的輸入 x（存在 cache），不是 dout：dx = dout * (x > 0)"),
        "concept": (
            "where the gradient passes is decided by the sign of forward's input, not by the "
            "sign of the upstream gradient (module text, ReLU)",
            "梯度能不能通過，是由 forward 輸入的正負決定，不是由上游梯度的正負決定（講義：ReLU）")},
    "relu_backward_no_mask": {
        "fix": (
            "dx is dout unchanged: zero it where forward's input was ≤ 0, "
            "dx = np.where(x > 0, dout, 0.0) with the mask cached by forward",
            "dx 就是原封不動的 dout：forward 輸入 ≤ 0 的位置要變成 0，"
            "dx = np.where(x > 0, dout, 0.0)，遮罩由 forward 存下"),
        "concept": (
            "the ReLU's derivative is zero where its input was negative: the gradient passes "
            "only where the input was positive (module text, ReLU)",
            "ReLU 在輸入為負的地方導數是 0：梯度只在輸入為正的位置通過（講義：ReLU）")},
    "relu_mask_inverted": {
        "fix": (
            "the mask is the wrong way round: keep dout where x > 0, "
            "dx = np.where(x > 0, dout, 0.0)",
            "遮罩反了：要在 x > 0 的位置保留 dout，dx = np.where(x > 0, dout, 0.0)"),
        "concept": (
            "the gradient is let through where the ReLU was off and blocked where it was on: "
            "its slope is one for positive inputs and zero for negative ones (module text, "
            "ReLU)",
            "梯度在 ReLU 關閉的地方通過、在開啟的地方被擋住了：正的輸入斜率是 1，負的輸入斜率是 0"
            "（講義：ReLU）")},
    "relu_dx_times_output": {
        "fix": (
            "dx multiplies dout by forward's output: multiply by the 0/1 mask instead, "
            "dx = dout * (x > 0)",
            "dx 是 dout 乘上 forward 的輸出：要乘的是 0/1 遮罩，dx = dout * (x > 0)"),
        "concept": (
            "the output is not the derivative: the ReLU's slope is one wherever the input was "
            "positive, whatever its value (module text, ReLU)",
            "輸出不是導數：只要輸入是正的，ReLU 的斜率就是 1，與輸入的大小無關（講義：ReLU）")},
    "sigmoid_sign_flipped": {
        "fix": (
            "the output is σ(−x): σ(x) = 1 / (1 + exp(−x)); in the stable form, 1 / (1 + z) "
            "for x ≥ 0 and z / (1 + z) for x < 0, with z = exp(−|x|)",
            "輸出是 σ(−x)：σ(x) = 1 / (1 + exp(−x))；穩定的寫法是 x ≥ 0 時 1 / (1 + z)、"
            "x < 0 時 z / (1 + z)，z = exp(−|x|)"),
        "concept": (
            "the sigmoid is mirrored: it must rise from zero for very negative inputs to one "
            "for very positive ones (module text, Sigmoid)",
            "sigmoid 左右顛倒了：它應該從很負的輸入的 0 上升到很正的輸入的 1（講義：Sigmoid）")},
    "sigmoid_dx_uses_x": {
        "fix": (
            "dx uses x instead of σ(x): dx = dout · σ(x) · (1 − σ(x)), with the "
            "σ(x) forward computed (cache the output)",
            "dx 用了 x 而不是 σ(x)：dx = dout · σ(x) · (1 − σ(x))，σ(x) 是 forward 的輸出"
            "（存進 cache）"),
        "concept": (
            "the sigmoid's derivative is written in terms of its output, not its input: "
            "forward must keep the output for the backward pass (module text, Sigmoid)",
            "sigmoid 的導數是用它的輸出來表示，不是輸入：forward 要為反向傳播存下輸出"
            "（講義：Sigmoid）")},
    "sigmoid_dx_no_dout": {
        "fix": ("dx is missing dout: dx = dout · σ(x) · (1 − σ(x))",
                "dx 少乘了 dout：dx = dout · σ(x) · (1 − σ(x))"),
        "concept": (
            "the local derivative is returned without the chain rule: it must multiply the "
            "upstream gradient (module text, Sigmoid)",
            "只回傳了局部導數，少了連鎖律：它要乘上上游傳來的梯度（講義：Sigmoid）")},
    "sigmoid_dx_tanh_rule": {
        "fix": (
            "dx = dout · (1 − σ²) is tanh's rule: the sigmoid's is dout · σ(x) · (1 − σ(x))",
            "dx = dout · (1 − σ²) 是 tanh 的導數公式：sigmoid 的是 dout · σ(x) · (1 − σ(x))"),
        "concept": (
            "this is the derivative of the hyperbolic tangent: the sigmoid's derivative is "
            "its output times one minus its output (module text, Sigmoid)",
            "這是 tanh 的導數：sigmoid 的導數是輸出乘上（1 減輸出）（講義：Sigmoid）")},
    "sigmoid_dx_sigmoid_of_output": {
        "fix": (
            "the cache already holds σ(x): use it as is, s = self.cache and "
            "dx = dout * s * (1 - s), without applying the sigmoid again",
            "cache 裡已經是 σ(x)：直接使用，s = self.cache、dx = dout * s * (1 - s)，"
            "不要再套一次 sigmoid"),
        "concept": (
            "the sigmoid is applied twice: what forward kept is already the output, and the "
            "derivative needs that output itself (module text, Sigmoid)",
            "sigmoid 被套用了兩次：forward 存下的已經是輸出，導數需要的就是這個輸出本身"
            "（講義：Sigmoid）")},
    "sigmoid_stable": {
        "fix": (
            "overflow for large |x|: use exp(-|x|), which never overflows: σ(x) = 1/(1+z) for "
            "x ≥ 0 and z/(1+z) for x < 0, with z = exp(-|x|) (np.where evaluates both "
            "branches, so each must be safe for every x)",
            "|x| 很大時溢位：改用不會溢位的 exp(-|x|)：令 z = exp(-|x|)，x ≥ 0 時 σ(x) = 1/(1+z)，"
            "x < 0 時 σ(x) = z/(1+z)（np.where 兩個分支都會算，所以兩邊都要對所有 x 安全）"),
        "concept": (
            "the exponential of a large argument overflows: write the sigmoid so that the "
            "exponent is never positive, one form for each sign of the input, and remember "
            "that a conditional choice still computes both forms (module text, Sigmoid: "
            "numerical stability)",
            "指數的參數很大時會溢位：sigmoid 要寫成指數永遠不為正的形式，輸入的正負各用一種寫法；"
            "而且條件選擇仍然會把兩種寫法都算出來（講義：Sigmoid 的數值穩定）")},
}
