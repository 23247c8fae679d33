"""Messages of test_m5_optim.py (SGD, MomentumSGD, learning-rate schedules, weight
initialisation, train() with an optimizer and a schedule): key: (English, 繁體中文)."""
HINTS = {
    "update_in_place": (
        "the parameter did not change: update it in place (param -= lr * grad); "
        "param = param - lr * grad only rebinds the local name, the model never sees it",
        "參數沒有改變：要原地更新（param -= lr * grad）；param = param - lr * grad 只是讓區域變數"
        "指向新陣列，模型看不到"),
    "sgd_unchanged": ("SGD.step left the parameters unchanged (step {step})",
                      "SGD.step 沒有改變參數（第 {step} 步）"),
    "sgd_old_lr": (
        "after optimizer.lr was set to {lr:.4g}, SGD.step still used lr = {old_lr:.4g}",
        "optimizer.lr 改成 {lr:.4g} 之後，SGD.step 仍然用 lr = {old_lr:.4g}"),
    "sgd_read_lr": (
        "step must read self.lr when it runs: train() changes optimizer.lr every epoch",
        "step 要在執行時讀取 self.lr：train() 每個 epoch 都會改 optimizer.lr"),
    "momentum_unchanged": ("MomentumSGD.step left the parameter unchanged",
                           "MomentumSGD.step 沒有改變參數"),
    "momentum_three_params_failed": (
        "MomentumSGD.step failed with three parameters of shapes {shapes}: {error}",
        "MomentumSGD.step 在三個參數（形狀 {shapes}）時出錯：{error}"),
    "momentum_keep_velocity": (
        "the first step is right but later ones are not: keep each velocity "
        "between steps (self.velocities[id(param)] = v) and update it, "
        "v = β·v − lr·grad, before w = w + v",
        "第一步正確但之後不對：每個速度要在步與步之間保存下來"
        "（self.velocities[id(param)] = v），並更新 v = β·v − lr·grad，再 w = w + v"),
    "momentum_per_parameter": (
        "one parameter works but several do not: every parameter needs its own "
        "velocity — a dict keyed by id(param), starting from np.zeros_like(param) — "
        "not one v shared by all (nor one per shape)",
        "單一參數正確但多個參數就錯：每個參數都要有自己的速度——用 id(param) 當 key 的 dict，"
        "從 np.zeros_like(param) 開始——不是所有參數共用一個 v（也不是每種形狀一個）"),
    "momentum_first_step": (
        "the first step from v = 0 must be v = −lr·grad, w = w + v "
        "(so exactly an SGD step)",
        "從 v = 0 開始的第一步應該是 v = −lr·grad、w = w + v（也就是恰好一步 SGD）"),
    "rate_mismatch": ("{name} = {got:.6g}, expected {want:.6g}",
                      "{name} = {got:.6g}，應該是 {want:.6g}"),
    "step_decay_rule": (
        "step_decay: lr = base_lr · drop ** (epoch // epochs_per_drop) — integer "
        "division, and epoch counts from 0 (epochs 0 … epochs_per_drop−1 keep base_lr)",
        "step_decay：lr = base_lr · drop ** (epoch // epochs_per_drop)——整數除法，"
        "且 epoch 從 0 開始（第 0 … epochs_per_drop−1 個 epoch 維持 base_lr）"),
    "exponential_decay_rule": (
        "exponential_decay: lr = base_lr · decay_rate ** epoch, with epoch from 0 "
        "(epoch 0 gives base_lr)",
        "exponential_decay：lr = base_lr · decay_rate ** epoch，epoch 從 0 開始"
        "（epoch 0 就是 base_lr）"),
    "init_same_values": (
        "{name}({shape}) returned the same values twice: draw random "
        "numbers (np.random when rng is None)",
        "{name}({shape}) 兩次回傳相同的值：要抽亂數（rng 為 None 時用 np.random）"),
    "init_mean": ("{name}({shape}): mean {mean:.3g}, expected 0", "{name}({shape})：平均是 {mean:.3g}，應該是 0"),
    "init_centred": (
        "draw from a normal distribution centred at 0 (np.random.randn(*shape) * std)",
        "要從平均為 0 的常態分布抽樣（np.random.randn(*shape) * std）"),
    "init_std": (
        "{name}({shape}) ({kind} weights): std {std:.4g}, expected "
        "{formula} = {want:.4g} with fan_in = {fan_in}, fan_out = {fan_out}",
        "{name}({shape})（{kind} 權重）：標準差 {std:.4g}，應該是 {formula} = "
        "{want:.4g}，其中 fan_in = {fan_in}、fan_out = {fan_out}"),
    "fans_conv": (
        "for conv weights (C_out, C_in, kH, kW), fan_in = C_in·kH·kW and "
        "fan_out = C_out·kH·kW",
        "卷積權重 (C_out, C_in, kH, kW) 的 fan_in = C_in·kH·kW、fan_out = C_out·kH·kW"),
    "fans_fc": ("for FC weights (D, M), fan_in = D and fan_out = M",
                "FC 權重 (D, M) 的 fan_in = D、fan_out = M"),
    "fan_std_matches": (
        "{name}: your std matches sqrt({factor} / {label}) with {label} = {n}; {fans}",
        "{name}：你的標準差符合 sqrt({factor} / {label})，其中 {label} = {n}；{fans}"),
    "fan_rule": ("{name}: {fans}", "{name}：{fans}"),
    "train_parts_wrong": (
        "this check trains your FullyConnected with your cross_entropy_loss "
        "and MomentumSGD, and one of them is not right yet: ",
        "這項檢查用你的 FullyConnected、cross_entropy_loss 與 MomentumSGD 訓練，"
        "其中有一個還不正確："),
    "train_fix_parts_first": (
        "fix m5.fc.*, m5.cross_entropy and m5.optim.momentum first",
        "請先修正 m5.fc.*、m5.cross_entropy 與 m5.optim.momentum"),
    "train_final_lr": (
        "the weights are right but optimizer.lr is {final_lr:.6g} after "
        "train(), expected {schedule}(base_lr, {last_epoch}) = {want_lr:.6g}",
        "權重正確，但 train() 之後 optimizer.lr 是 {final_lr:.6g}，應該是 "
        "{schedule}(base_lr, {last_epoch}) = {want_lr:.6g}"),
    "train_set_lr_each_epoch": (
        "set optimizer.lr = schedule(base_lr, epoch) at the start of every epoch",
        "每個 epoch 開始時設定 optimizer.lr = schedule(base_lr, epoch)"),
    "train_ignores_both": (
        "train() ignores both the optimizer and the schedule (plain update at a constant "
        "rate): call optimizer.step(model.get_params_and_grads()) and set "
        "optimizer.lr = schedule(base_lr, epoch) each epoch",
        "train() 沒有使用 optimizer 也沒有使用排程（固定學習率的簡單更新）：要呼叫 "
        "optimizer.step(model.get_params_and_grads())，並在每個 epoch 設定 "
        "optimizer.lr = schedule(base_lr, epoch)"),
    "train_rate_constant": (
        "the rate never changes: set optimizer.lr = schedule(base_lr, epoch) at the start of "
        "every epoch (the optimizer reads self.lr in step)",
        "學習率一直沒變：每個 epoch 開始時要設定 optimizer.lr = schedule(base_lr, epoch)"
        "（optimizer 在 step 裡讀 self.lr）"),
    "train_no_optimizer": (
        "the schedule is used but not the optimizer: with an optimizer, update with "
        "optimizer.step(model.get_params_and_grads()) (here MomentumSGD, whose velocity "
        "a plain update loses)",
        "有用排程但沒有用 optimizer：有 optimizer 時要用 "
        "optimizer.step(model.get_params_and_grads()) 更新（這裡是 MomentumSGD，"
        "簡單更新會失去它的速度）"),
    "train_epoch_off_by_one": (
        "off by one epoch: epoch counts from 0, so the first epoch uses schedule(base_lr, 0)",
        "差了一個 epoch：epoch 從 0 開始，第一個 epoch 用 schedule(base_lr, 0)"),
    "train_schedule_compounded": (
        "the schedule is applied to the current rate: always pass the rate before "
        "training, schedule(base_lr, epoch), not schedule(optimizer.lr, epoch)",
        "排程套用在目前的學習率上：要一直傳入訓練前的學習率 schedule(base_lr, epoch)，"
        "不是 schedule(optimizer.lr, epoch)"),
    "train_still_todo": (
        "train() still has its TODO: it ignores the optimizer and the "
        "schedule (plain update at a constant rate)",
        "train() 還有 TODO：沒有使用 optimizer 與排程（固定學習率的簡單更新）"),
    "train_weights_wrong": ("the weights after train() are wrong", "train() 之後的權重不正確"),
}
