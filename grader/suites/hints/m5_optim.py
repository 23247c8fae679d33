"""Messages of test_m5_optim.py (SGD, MomentumSGD, learning-rate schedules, weight
initialisation, train() with an optimizer and a schedule): key: (English, 繁體中文), or
{"fix": ..., "concept": ...} for a hint at both levels."""
HINTS = {
    "update_in_place": {
        "fix": (
            "the parameter did not change: update it in place (param -= lr * grad); param = param "
            "- lr * grad only rebinds the local name, the model never sees it",
            "參數沒有改變：要原地更新（param -= lr * grad）；param = param - lr * grad 只是讓區"
            "域變數指向新陣列，模型看不到"),
        "concept": (
            "the update makes a new array instead of changing the parameter the model holds: an "
            "optimizer must change the very arrays it is given (module text, the layer protocol)",
            "更新產生了新陣列，而不是改動模型持有的參數：optimizer 必須原地修改拿到的那些陣列"
            "（講義：層的介面約定）")},
    "sgd_unchanged": (
        "SGD.step left the parameters unchanged (step {step})",
        "SGD.step 沒有改變參數（第 {step} 步）"),
    "sgd_gradient_added": {
        "fix": (
            "SGD adds the gradient: step against it, param -= self.lr * grad",
            "SGD 把梯度加上去了：要往梯度的反方向走，param -= self.lr * grad"),
        "concept": (
            "the step goes up the gradient: the gradient points to where the loss grows, so "
            "descent moves the other way (module text, Momentum SGD)",
            "這一步沿著梯度往上走：梯度指向 loss 變大的方向，梯度下降要往反方向走（講義："
            "Momentum SGD）")},
    "sgd_no_lr": {
        "fix": (
            "the learning rate is missing: param -= self.lr * grad, not param -= grad",
            "少了 learning rate：param -= self.lr * grad，不是 param -= grad"),
        "concept": (
            "the step is the whole gradient: the learning rate sets how far each step goes along "
            "it (module text, Momentum SGD)",
            "這一步走了整個梯度：learning rate 決定每一步沿著梯度走多遠（講義：Momentum SGD）")},
    "sgd_read_lr": {
        "fix": (
            "after optimizer.lr changed, step still used the old rate: read self.lr inside step "
            "each time it runs (train() sets optimizer.lr every epoch), not a copy taken in "
            "__init__",
            "optimizer.lr 改了之後，step 仍然用舊的學習率：每次執行 step 都要讀 self.lr"
            "（train() 每個 epoch 都會設定 optimizer.lr），不是 __init__ 時存下的複本"),
        "concept": (
            "the learning rate is fixed when the optimizer is built, but a schedule changes it "
            "while training: each step must use the rate of that moment (module text, "
            "learning-rate schedules)",
            "learning rate 在建立 optimizer 時就固定了，但排程會在訓練中改變它：每一步都要用當"
            "下的學習率（講義：Learning rate schedule）")},
    "momentum_unchanged": (
        "MomentumSGD.step left the parameter unchanged",
        "MomentumSGD.step 沒有改變參數"),
    "momentum_three_params_failed": (
        "MomentumSGD.step failed with three parameters of shapes {shapes}: {error}",
        "MomentumSGD.step 在三個參數（形狀 {shapes}）時出錯：{error}"),
    "momentum_keep_velocity": {
        "fix": (
            "the first step is right but later ones are not: keep each velocity between steps "
            "(self.velocities[id(param)] = v) and update it, v = β·v − lr·grad, before w = w + v",
            "第一步正確但之後不對：每個速度要在步與步之間保存下來（self.velocities[id(param)] = "
            "v），並更新 v = β·v − lr·grad，再 w = w + v"),
        "concept": (
            "the first step is right but the later ones are not: the velocity is the memory of "
            "past gradients, kept and decayed from one step to the next (module text, "
            "Momentum SGD)",
            "第一步正確但之後不對：velocity 是過去梯度的記憶，要從一步保留到下一步並逐步衰減"
            "（講義：Momentum SGD）")},
    "momentum_per_parameter": {
        "fix": (
            "one parameter works but several do not: every parameter needs its own velocity — a "
            "dict keyed by id(param), starting from np.zeros_like(param) — not one v shared by "
            "all (nor one per shape)",
            "單一參數正確但多個參數就錯：每個參數都要有自己的速度——用 id(param) 當 key 的 "
            "dict，從 np.zeros_like(param) 開始——不是所有參數共用一個 v（也不是每種形狀一個）"),
        "concept": (
            "one parameter works but several do not: each parameter has its own velocity, of its "
            "own shape and history (module text, Momentum SGD)",
            "單一參數正確但多個參數就錯：每個參數各有自己的 velocity，形狀與歷史都是它自己的"
            "（講義：Momentum SGD）")},
    "momentum_first_step": {
        "fix": (
            "the first step from v = 0 must be v = −lr·grad, w = w + v (so exactly an SGD step)",
            "從 v = 0 開始的第一步應該是 v = −lr·grad、w = w + v（也就是恰好一步 SGD）"),
        "concept": (
            "the velocity starts at zero, so the first step is exactly one plain SGD step (module "
            "text, Momentum SGD)",
            "velocity 從 0 開始，所以第一步恰好就是一步普通的 SGD（講義：Momentum SGD）")},
    "momentum_sign": {
        "fix": (
            "the velocity adds the gradient: v = β·v − lr·grad (v *= β; v -= lr * grad), then w = "
            "w + v",
            "velocity 把梯度加上去了：v = β·v − lr·grad（v *= β；v -= lr * grad），再 w = w + v"),
        "concept": (
            "the velocity accumulates steps up the gradient: each new gradient enters the "
            "velocity with a minus sign, so the parameters descend (module text, Momentum SGD)",
            "velocity 累積的是往梯度上方走的步伐：每個新的梯度要以負號加進 velocity，參數才會下"
            "降（講義：Momentum SGD）")},
    "momentum_forgets_velocity": {
        "fix": (
            "every step starts from a zero velocity, so it is plain SGD: store v in "
            "self.velocities[id(param)] the first time and reuse it in every later step",
            "每一步都從 0 速度開始，等於普通的 SGD：第一次把 v 存進 "
            "self.velocities[id(param)]，之後每一步都沿用它"),
        "concept": (
            "the velocity is started afresh at every step, so momentum never builds up: it must "
            "persist from one step to the next (module text, Momentum SGD)",
            "velocity 每一步都重新開始，momentum 永遠累積不起來：它必須從一步保留到下一步（講"
            "義：Momentum SGD）")},
    "momentum_no_decay": {
        "fix": (
            "the velocity is never multiplied by the momentum: v *= self.momentum before v -= "
            "self.lr * grad",
            "velocity 沒有乘上 momentum：在 v -= self.lr * grad 之前先 v *= self.momentum"),
        "concept": (
            "old gradients never fade from the velocity: it is an exponentially weighted sum, "
            "each step keeping only the momentum's fraction of what it was (module text, "
            "Momentum SGD)",
            "舊的梯度從來不會從 velocity 裡淡出：velocity 是指數加權和，每一步只保留原本的 "
            "momentum 倍（講義：Momentum SGD）")},
    "momentum_nesterov": {
        "fix": (
            "this is Nesterov's update (w += β·v − lr·grad): the classic rule moves by the "
            "velocity itself, v = β·v − lr·grad, then param += v",
            "這是 Nesterov 的更新（w += β·v − lr·grad）：古典的規則是直接走 velocity，v = β·v − "
            "lr·grad，然後 param += v"),
        "concept": (
            "the parameters take a Nesterov look-ahead step, where the classic momentum asked for "
            "moves them by the velocity itself (module text, Momentum SGD)",
            "參數走的是 Nesterov 的前瞻步伐，但題目要的是古典 momentum：參數直接走 velocity（講"
            "義：Momentum SGD）")},
    "momentum_also_sgd_step": {
        "fix": (
            "the gradient is applied twice: the velocity already holds −lr·grad, so drop SGD's "
            "param -= self.lr * grad and keep only param += v",
            "梯度被用了兩次：velocity 已經包含 −lr·grad，要拿掉 SGD 的 param -= self.lr * "
            "grad，只留 param += v"),
        "concept": (
            "each step moves by the velocity and by a plain gradient step as well: in momentum "
            "the velocity is the whole step (module text, Momentum SGD)",
            "每一步既走了 velocity 又多走了一步普通的梯度下降：在 momentum 裡 velocity 就是整個"
            "步伐（講義：Momentum SGD）")},
    "momentum_stale_velocity": {
        "fix": (
            "param += v comes before v is updated, so each step uses the previous velocity: first "
            "v *= β and v -= lr * grad, then param += v",
            "param += v 放在更新 v 之前，每一步用的都是上一步的 velocity：先 v *= β、v -= lr * "
            "grad，再 param += v"),
        "concept": (
            "the parameters move by the velocity of the previous step: this step's gradient must "
            "enter the velocity before the parameters move (module text, Momentum SGD)",
            "參數走的是上一步的 velocity：這一步的梯度要先加進 velocity，參數才移動（講義："
            "Momentum SGD）")},
    "momentum_ema_dampened": {
        "fix": (
            "this is the moving-average form (v = β·v + (1 − β)·grad, w −= lr·v), whose steps are "
            "1 − β times the course's: v = β·v − lr·grad, w = w + v",
            "這是移動平均的寫法（v = β·v + (1 − β)·grad，w −= lr·v），步伐只有課程版本的 1 − β "
            "倍：v = β·v − lr·grad，w = w + v"),
        "concept": (
            "the velocity is an average of the gradients, which damps every step by one minus the "
            "momentum: in the course's rule each gradient enters at the full learning rate "
            "(module text, Momentum SGD)",
            "velocity 取的是梯度的平均，每一步都被縮小成 1 減 momentum 倍：課程的規則裡每個梯度"
            "都以完整的 learning rate 加入（講義：Momentum SGD）")},
    "momentum_decay_after_gradient": {
        "fix": (
            "the velocity is decayed after the gradient is added, v = β·(v − lr·grad): v *= "
            "self.momentum first, then v -= self.lr * grad",
            "velocity 在加入梯度之後才衰減，v = β·(v − lr·grad)：要先 v *= self.momentum，再 v "
            "-= self.lr * grad"),
        "concept": (
            "the newest gradient is decayed along with the old velocity: only the past is scaled "
            "by the momentum, the new gradient enters in full (module text, Momentum SGD)",
            "最新的梯度和舊的 velocity 一起被衰減了：只有過去的部分乘上 momentum，新的梯度要完"
            "整加入（講義：Momentum SGD）")},
    "rate_mismatch": (
        "{name} = {got:.6g}, expected {want:.6g}",
        "{name} = {got:.6g}，應該是 {want:.6g}"),
    "step_decay_rule": {
        "fix": (
            "step_decay: lr = base_lr · drop ** (epoch // epochs_per_drop) — integer division, "
            "and epoch counts from 0 (epochs 0 … epochs_per_drop−1 keep base_lr)",
            "step_decay：lr = base_lr · drop ** (epoch // epochs_per_drop)——整數除法，且 epoch "
            "從 0 開始（第 0 … epochs_per_drop−1 個 epoch 維持 base_lr）"),
        "concept": (
            "step decay keeps the rate for a whole block of epochs and multiplies it by the drop "
            "once per block, counting epochs from 0 (module text, learning-rate schedules)",
            "step decay 在一整段 epoch 裡維持同一個學習率，每段乘上一次 drop，epoch 從 0 開始數"
            "（講義：Learning rate schedule）")},
    "exponential_decay_rule": {
        "fix": (
            "exponential_decay: lr = base_lr · decay_rate ** epoch, with epoch from 0 (epoch 0 "
            "gives base_lr)",
            "exponential_decay：lr = base_lr · decay_rate ** epoch，epoch 從 0 開始（epoch 0 就"
            "是 base_lr）"),
        "concept": (
            "exponential decay multiplies the rate by the decay rate once per epoch, and the "
            "first epoch, epoch 0, trains at the base rate (module text, learning-rate schedules)",
            "exponential decay 每個 epoch 把學習率乘上一次 decay rate，第一個 epoch（epoch 0）"
            "用的是基礎學習率（講義：Learning rate schedule）")},
    "constant_decays": {
        "fix": (
            "constant decays like exponential_decay: it must return base_lr whatever the epoch",
            "constant 像 exponential_decay 一樣在衰減：不論哪個 epoch 都要回傳 base_lr"),
        "concept": (
            "the constant schedule changes with the epoch: a constant rate is the base rate at "
            "every epoch (module text, learning-rate schedules)",
            "constant 排程隨 epoch 改變了：固定的學習率在每個 epoch 都是基礎學習率（講義："
            "Learning rate schedule）")},
    "step_decay_true_division": {
        "fix": (
            "step_decay uses true division, so the rate decays smoothly: the exponent is epoch // "
            "epochs_per_drop",
            "step_decay 用了一般除法，學習率變成平滑衰減：指數要是 epoch // epochs_per_drop"),
        "concept": (
            "the rate falls a little every epoch instead of in steps: step decay counts whole "
            "blocks of epochs, rounding down (module text, learning-rate schedules)",
            "學習率每個 epoch 都降一點，而不是一階一階地降：step decay 數的是完整的 epoch 區"
            "段，無條件捨去（講義：Learning rate schedule）")},
    "step_decay_epoch_from_one": {
        "fix": (
            "each drop comes one epoch early ((epoch + 1) // epochs_per_drop): epoch counts from "
            "0, drop ** (epoch // epochs_per_drop)",
            "每次下降都早了一個 epoch（(epoch + 1) // epochs_per_drop）：epoch 從 0 開始，drop "
            "** (epoch // epochs_per_drop)"),
        "concept": (
            "the epochs are counted from 1, so every drop comes one epoch early: epoch 0 is the "
            "first epoch (module text, learning-rate schedules)",
            "epoch 從 1 開始數了，每次下降都早了一個 epoch：第一個 epoch 是 epoch 0（講義："
            "Learning rate schedule）")},
    "exp_decay_off_by_one": {
        "fix": (
            "exponential_decay is one epoch ahead (decay_rate ** (epoch + 1)): base_lr · "
            "decay_rate ** epoch, so epoch 0 gives base_lr",
            "exponential_decay 多衰減了一個 epoch（decay_rate ** (epoch + 1)）：base_lr · "
            "decay_rate ** epoch，epoch 0 就是 base_lr"),
        "concept": (
            "the rate is already decayed once in the first epoch: epochs count from 0 and the "
            "first one trains at the base rate (module text, learning-rate schedules)",
            "第一個 epoch 的學習率就已經衰減過一次：epoch 從 0 開始，第一個 epoch 用基礎學習率"
            "（講義：Learning rate schedule）")},
    "exp_decay_natural_exp": {
        "fix": (
            "exponential_decay computes base_lr · exp(−decay_rate · epoch): decay_rate is the "
            "factor per epoch, base_lr * decay_rate ** epoch",
            "exponential_decay 算成了 base_lr · exp(−decay_rate · epoch)：decay_rate 是每個 "
            "epoch 乘上的倍數，base_lr * decay_rate ** epoch"),
        "concept": (
            "the decay rate is read as the exponent's coefficient of e: here it is the factor the "
            "rate is multiplied by each epoch (module text, learning-rate schedules)",
            "decay rate 被當成 e 的指數裡的係數了：這裡它是每個 epoch 學習率乘上的倍數（講義："
            "Learning rate schedule）")},
    "init_same_values": (
        "{name}({shape}) returned the same values twice: draw random numbers (np.random when rng "
        "is None)",
        "{name}({shape}) 兩次回傳相同的值：要抽亂數（rng 為 None 時用 np.random）"),
    "init_mean": (
        "{name}({shape}): mean {mean:.3g}, expected 0",
        "{name}({shape})：平均是 {mean:.3g}，應該是 0"),
    "init_centred": {
        "fix": (
            "draw from a normal distribution centred at 0 (np.random.randn(*shape) * std)",
            "要從平均為 0 的常態分布抽樣（np.random.randn(*shape) * std）"),
        "concept": (
            "the weights are not centred at zero: they are drawn from a normal distribution of "
            "mean 0 (module text, weight initialisation)",
            "權重的平均不是 0：要從平均為 0 的常態分布抽樣（講義：權重初始化）")},
    "init_rand_not_randn": {
        "fix": (
            "the weights are uniform on [0, 1) times the std (np.random.rand): draw "
            "np.random.randn(*shape) * std, a standard normal",
            "權重是 [0, 1) 上的均勻分布乘上標準差（np.random.rand）：要用標準常態 "
            "np.random.randn(*shape) * std"),
        "concept": (
            "the weights come from a uniform distribution on zero to one, all positive: the "
            "initialisation draws from a normal distribution centred at zero (module text, weight "
            "initialisation)",
            "權重來自 0 到 1 的均勻分布，全部是正的：初始化要從平均為 0 的常態分布抽樣（講義："
            "權重初始化）")},
    "init_std": (
        "{name}({shape}) ({kind} weights): std {std:.4g}, expected {formula} = {want:.4g} with "
        "fan_in = {fan_in}, fan_out = {fan_out}",
        "{name}({shape})（{kind} 權重）：標準差 {std:.4g}，應該是 {formula} = {want:.4g}，其中 "
        "fan_in = {fan_in}、fan_out = {fan_out}"),
    "fans_conv": (
        "for conv weights (C_out, C_in, kH, kW), fan_in = C_in·kH·kW and fan_out = C_out·kH·kW",
        "卷積權重 (C_out, C_in, kH, kW) 的 fan_in = C_in·kH·kW、fan_out = C_out·kH·kW"),
    "fans_fc": (
        "for FC weights (D, M), fan_in = D and fan_out = M",
        "FC 權重 (D, M) 的 fan_in = D、fan_out = M"),
    "fan_rule": {
        "fix": (
            "{name}: {fans}",
            "{name}：{fans}"),
        "concept": (
            "the spread of the weights does not follow the rule: it is set by how many inputs "
            "feed each output and how many outputs each input feeds, a kernel's area included "
            "(module text, weight initialisation)",
            "權重的分散程度不符合規則：它由每個輸出加總幾個輸入、每個輸入被幾個輸出用到決定，卷"
            "積核的面積也要算進去（講義：權重初始化）")},
    "he_fan_out": {
        "fix": (
            "he_init uses fan_out: He's std is sqrt(2 / fan_in), fan_in = D for FC weights (D, M) "
            "and C_in·kH·kW for kernels",
            "he_init 用了 fan_out：He 的標準差是 sqrt(2 / fan_in)，FC 權重 (D, M) 的 fan_in = "
            "D，卷積核是 C_in·kH·kW"),
        "concept": (
            "He scales by the number of inputs feeding each output (fan-in), which keeps the "
            "forward signal's scale: here it is the number of outputs (module text, weight "
            "initialisation)",
            "He 依每個輸出加總的輸入個數（fan-in）縮放，讓 forward 的訊號維持尺度：這裡用的卻是"
            "輸出個數（講義：權重初始化）")},
    "he_without_factor_two": {
        "fix": (
            "he_init's std is sqrt(1 / fan_in): He's is sqrt(2.0 / fan_in)",
            "he_init 的標準差是 sqrt(1 / fan_in)：He 的是 sqrt(2.0 / fan_in)"),
        "concept": (
            "the factor two is missing: ReLU zeroes half of its inputs, and He's variance is "
            "twice as large to make up for it (module text, weight initialisation)",
            "少了那個 2：ReLU 會把一半的輸入歸零，He 的變異數加倍正是為了補回來（講義：權重初"
            "始化）")},
    "xavier_fan_in_only": {
        "fix": (
            "xavier_init's std is sqrt(1 / fan_in): Xavier's is sqrt(2 / (fan_in + fan_out))",
            "xavier_init 的標準差是 sqrt(1 / fan_in)：Xavier 的是 sqrt(2 / (fan_in + fan_out))"),
        "concept": (
            "Xavier balances the forward pass (fan-in) and the backward pass (fan-out): its "
            "variance averages the two, not the fan-in alone (module text, weight initialisation)",
            "Xavier 要同時顧到 forward（fan-in）與 backward（fan-out）：它的變異數取兩者的平"
            "均，不是只看 fan-in（講義：權重初始化）")},
    "xavier_is_he": {
        "fix": (
            "xavier_init is He's rule, sqrt(2 / fan_in): Xavier's std is sqrt(2 / (fan_in + "
            "fan_out))",
            "xavier_init 用的是 He 的公式 sqrt(2 / fan_in)：Xavier 的標準差是 sqrt(2 / (fan_in "
            "+ fan_out))"),
        "concept": (
            "Xavier is computed with He's rule: He is meant for ReLU and counts only the fan-in, "
            "Xavier counts the fan-in and the fan-out together (module text, weight "
            "initialisation)",
            "Xavier 用了 He 的公式：He 是為 ReLU 設計的，只看 fan-in；Xavier 同時看 fan-in 和 "
            "fan-out（講義：權重初始化）")},
    "he_is_xavier": {
        "fix": (
            "he_init uses Xavier's rule, sqrt(2 / (fan_in + fan_out)): He's std is sqrt(2 / "
            "fan_in)",
            "he_init 用了 Xavier 的公式 sqrt(2 / (fan_in + fan_out))：He 的標準差是 sqrt(2 / "
            "fan_in)"),
        "concept": (
            "He is computed with Xavier's rule: He is meant for ReLU and counts only the inputs "
            "feeding each output, the fan-in (module text, weight initialisation)",
            "He 用了 Xavier 的公式：He 是為 ReLU 設計的，只看每個輸出加總的輸入個數，也就是 "
            "fan-in（講義：權重初始化）")},
    "xavier_without_factor_two": {
        "fix": (
            "xavier_init's std is sqrt(1 / (fan_in + fan_out)): Xavier's is sqrt(2 / (fan_in + "
            "fan_out))",
            "xavier_init 的標準差是 sqrt(1 / (fan_in + fan_out))：Xavier 的是 sqrt(2 / (fan_in "
            "+ fan_out))"),
        "concept": (
            "the factor two is missing: Xavier's variance is one over the mean of the fan-in and "
            "the fan-out, not over their sum (module text, weight initialisation)",
            "少了那個 2：Xavier 的變異數是 fan-in 與 fan-out 平均值的倒數，不是它們總和的倒數"
            "（講義：權重初始化）")},
    "init_fans_without_receptive_field": {
        "fix": (
            "the kernel's fans leave out the receptive field: fan_in = C_in·kH·kW and fan_out = "
            "C_out·kH·kW for (C_out, C_in, kH, kW) weights",
            "卷積核的 fan 少了感受野：(C_out, C_in, kH, kW) 權重的 fan_in = C_in·kH·kW、fan_out "
            "= C_out·kH·kW"),
        "concept": (
            "each output of a convolution sums over every input channel at every kernel position: "
            "the fans count the kernel's area, not the channels alone (module text, weight "
            "initialisation)",
            "卷積的每個輸出要對每個輸入 channel 的每個卷積核位置加總：fan 要把卷積核的面積算進"
            "去，不是只算 channel 數（講義：權重初始化）")},
    "init_variance_as_std": {
        "fix": (
            "the variance is used as the std: multiply by its square root, np.sqrt(2.0 / fan_in) "
            "(or np.sqrt(2.0 / (fan_in + fan_out)))",
            "把變異數當成標準差了：要乘上它的平方根 np.sqrt(2.0 / fan_in)（或 np.sqrt(2.0 / "
            "(fan_in + fan_out))）"),
        "concept": (
            "the rule gives the variance of the weights, and a standard normal is scaled by its "
            "square root, the standard deviation (module text, weight initialisation)",
            "規則給的是權重的變異數，標準常態要乘上的是它的平方根，也就是標準差（講義：權重初"
            "始化）")},
    "init_uniform_bound_is_std": {
        "fix": (
            "the weights are uniform on (−std, std), whose std is std / √3: draw a normal, "
            "np.random.randn(*shape) * std",
            "權重是 (−std, std) 上的均勻分布，它的標準差只有 std / √3：要抽常態分布 "
            "np.random.randn(*shape) * std"),
        "concept": (
            "a uniform distribution between minus and plus the standard deviation has a smaller "
            "spread than that: the rule asks for a normal distribution with that standard "
            "deviation (module text, weight initialisation)",
            "在正負標準差之間的均勻分布，分散程度比那個標準差小：規則要的是具有那個標準差的常態"
            "分布（講義：權重初始化）")},
    "init_uniform_limit_as_std": {
        "fix": (
            "the std is the uniform variant's limit, sqrt(6 / …), √3 times too large: for a "
            "normal the std is sqrt(2 / fan_in) (He) or sqrt(2 / (fan_in + fan_out)) (Xavier)",
            "標準差用了均勻分布版本的上下限 sqrt(6 / …)，大了 √3 倍：常態分布的標準差是 sqrt(2 "
            "/ fan_in)（He）或 sqrt(2 / (fan_in + fan_out))（Xavier）"),
        "concept": (
            "the bound of the uniform version of the rule is used as the normal version's "
            "standard deviation: the two distributions share the variance, not that number "
            "(module text, weight initialisation)",
            "把均勻分布版本的上下限當成常態分布的標準差：兩種分布共用的是變異數，不是那個數字"
            "（講義：權重初始化）")},
    "train_parts_wrong": (
        "this check trains your FullyConnected with your cross_entropy_loss and MomentumSGD, and "
        "one of them is not right yet: ",
        "這項檢查用你的 FullyConnected、cross_entropy_loss 與 MomentumSGD 訓練，其中有一個還不"
        "正確："),
    "train_fix_parts_first": {
        "fix": (
            "fix m5.fc.*, m5.cross_entropy and m5.optim.momentum first",
            "請先修正 m5.fc.*、m5.cross_entropy 與 m5.optim.momentum"),
        "concept": (
            "training builds on the fully connected layer, the loss and momentum, and one of them "
            "is not right yet: their own checks say which (module text, SimpleConvNet)",
            "訓練建立在全連接層、loss 與 momentum 之上，其中有一個還不正確：它們自己的檢查會說"
            "是哪一個（講義：SimpleConvNet：組成網路）")},
    "train_final_lr": (
        "the weights are right but optimizer.lr is {final_lr:.6g} after train(), expected "
        "{schedule}(base_lr, {last_epoch}) = {want_lr:.6g}",
        "權重正確，但 train() 之後 optimizer.lr 是 {final_lr:.6g}，應該是 {schedule}(base_lr, "
        "{last_epoch}) = {want_lr:.6g}"),
    "train_set_lr_each_epoch": {
        "fix": (
            "set optimizer.lr = schedule(base_lr, epoch) at the start of every epoch",
            "每個 epoch 開始時設定 optimizer.lr = schedule(base_lr, epoch)"),
        "concept": (
            "the optimizer's rate after training is not the last epoch's: each epoch sets the "
            "rate from the schedule before it trains (module text, learning-rate schedules)",
            "訓練後 optimizer 的學習率不是最後一個 epoch 的：每個 epoch 訓練之前都要依排程設定"
            "學習率（講義：Learning rate schedule）")},
    "train_ignores_both": {
        "fix": (
            "train() ignores both the optimizer and the schedule (plain update at a constant "
            "rate): call optimizer.step(model.get_params_and_grads()) and set optimizer.lr = "
            "schedule(base_lr, epoch) each epoch",
            "train() 沒有使用 optimizer 也沒有使用排程（固定學習率的簡單更新）：要呼叫 "
            "optimizer.step(model.get_params_and_grads())，並在每個 epoch 設定 optimizer.lr = "
            "schedule(base_lr, epoch)"),
        "concept": (
            "the training loop still makes the plain update at a fixed rate: given an optimizer "
            "and a schedule, it hands the update to the optimizer and takes each epoch's rate "
            "from the schedule (module text, SimpleConvNet)",
            "訓練迴圈還是用固定學習率的簡單更新：有 optimizer 和排程時，更新要交給 optimizer，"
            "每個 epoch 的學習率要由排程決定（講義：SimpleConvNet：組成網路）")},
    "train_rate_constant": {
        "fix": (
            "the rate never changes: set optimizer.lr = schedule(base_lr, epoch) at the start of "
            "every epoch (the optimizer reads self.lr in step)",
            "學習率一直沒變：每個 epoch 開始時要設定 optimizer.lr = schedule(base_lr, epoch)"
            "（optimizer 在 step 裡讀 self.lr）"),
        "concept": (
            "the schedule never reaches the optimizer: the rate it computes for an epoch must "
            "become the optimizer's rate for that epoch (module text, learning-rate schedules)",
            "排程算出的學習率沒有交給 optimizer：每個 epoch 算出的學習率必須成為 optimizer 在那"
            "個 epoch 的學習率（講義：Learning rate schedule）")},
    "train_no_optimizer": {
        "fix": (
            "the schedule is used but not the optimizer: with an optimizer, update with "
            "optimizer.step(model.get_params_and_grads()) (here MomentumSGD, whose velocity a "
            "plain update loses)",
            "有用排程但沒有用 optimizer：有 optimizer 時要用 "
            "optimizer.step(model.get_params_and_grads()) 更新（這裡是 MomentumSGD，簡單更新會"
            "失去它的速度）"),
        "concept": (
            "the update bypasses the optimizer it was given, so its momentum is lost: with an "
            "optimizer, the update is the optimizer's step (module text, SimpleConvNet)",
            "更新繞過了傳進來的 optimizer，momentum 因此消失：有 optimizer 時，更新就是 "
            "optimizer 的一步（講義：SimpleConvNet：組成網路）")},
    "train_epoch_off_by_one": {
        "fix": (
            "off by one epoch: epoch counts from 0, so the first epoch uses schedule(base_lr, 0)",
            "差了一個 epoch：epoch 從 0 開始，第一個 epoch 用 schedule(base_lr, 0)"),
        "concept": (
            "the schedule is asked for the next epoch's rate: epochs count from 0, so the first "
            "epoch trains at the base rate (module text, learning-rate schedules)",
            "向排程要的是下一個 epoch 的學習率：epoch 從 0 開始數，第一個 epoch 用基礎學習率"
            "（講義：Learning rate schedule）")},
    "train_schedule_compounded": {
        "fix": (
            "the schedule is applied to the current rate: always pass the rate before training, "
            "schedule(base_lr, epoch), not schedule(optimizer.lr, epoch)",
            "排程套用在目前的學習率上：要一直傳入訓練前的學習率 schedule(base_lr, epoch)，不是 "
            "schedule(optimizer.lr, epoch)"),
        "concept": (
            "the schedule is applied to the rate it already decayed, so the decays compound: a "
            "schedule maps the starting rate and the epoch to that epoch's rate (module text, "
            "learning-rate schedules)",
            "排程套用在已經衰減過的學習率上，衰減一再疊加：排程是由起始學習率與 epoch 算出該 "
            "epoch 的學習率（講義：Learning rate schedule）")},
    "train_schedule_at_epoch_end": {
        "fix": (
            "optimizer.lr is set at the end of each epoch, so every epoch trains at the previous "
            "one's rate: set optimizer.lr = schedule(base_lr, epoch) at the start of the epoch, "
            "before its batches",
            "optimizer.lr 在每個 epoch 結束時才設定，每個 epoch 都用上一個 epoch 的學習率：要在 "
            "epoch 開始、跑 batch 之前設定 optimizer.lr = schedule(base_lr, epoch)"),
        "concept": (
            "each epoch trains at the previous epoch's rate: an epoch's rate is set before its "
            "batches, not after them (module text, learning-rate schedules)",
            "每個 epoch 用的都是上一個 epoch 的學習率：一個 epoch 的學習率要在它的 batch 之前設"
            "定，不是之後（講義：Learning rate schedule）")},
    "train_update_twice": {
        "fix": (
            "each batch is updated twice: optimizer.step(...) and then the plain param -= lr * "
            "grad; with an optimizer, make the plain update the else branch",
            "每個 batch 更新了兩次：optimizer.step(...) 之後又做了簡單更新 param -= lr * grad；"
            "有 optimizer 時，簡單更新要放在 else 分支"),
        "concept": (
            "the parameters are updated twice per batch, by the optimizer and by the plain rule: "
            "the optimizer's step replaces the plain update (module text, SimpleConvNet)",
            "每個 batch 的參數更新了兩次，一次由 optimizer、一次用簡單規則：optimizer 的一步是"
            "取代簡單更新（講義：SimpleConvNet：組成網路）")},
    "train_momentum_lr_outside": {
        "fix": (
            "MomentumSGD is written v = β·v + grad, w −= lr·v: equal to the course's rule at a "
            "fixed rate, not once the schedule changes lr; use v = β·v − lr·grad, w = w + v",
            "MomentumSGD 寫成 v = β·v + grad、w −= lr·v：固定學習率時和課程的規則一樣，排程改變 "
            "lr 之後就不同了；要用 v = β·v − lr·grad、w = w + v"),
        "concept": (
            "the velocity sums raw gradients and the current learning rate scales all of them, so "
            "a change of rate rescales the whole history: in the course's rule each gradient "
            "enters the velocity at the rate of its own step (module text, Momentum SGD)",
            "velocity 累加的是原始梯度，再由當下的 learning rate 整體縮放，學習率一變整段歷史都"
            "跟著變：課程的規則裡每個梯度以它那一步的學習率加進 velocity（講義：Momentum SGD）")},
    "train_still_todo": (
        "train() still has its TODO: it ignores the optimizer and the schedule (plain update at a "
        "constant rate)",
        "train() 還有 TODO：沒有使用 optimizer 與排程（固定學習率的簡單更新）"),
    "train_weights_wrong": ("the weights after train() are wrong", "train() 之後的權重不正確"),
}
