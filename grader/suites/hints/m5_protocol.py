"""Messages of test_m5_protocol.py (the layer protocol: forward leaves its input as it was,
get_params_and_grads returns the live arrays): key: (English, 繁體中文), or {"fix": ...,
"concept": ...} for a hint at both levels."""
HINTS = {
    "forward_mutated_x": ("{cls}.forward(x) modified x in place: {change}",
                          "{cls}.forward(x) 原地修改了 x：{change}"),
    "forward_mutation": {
        "fix": (
            "forward must leave x as it was and return a new array: the caller may still need "
            "x (a residual shortcut, the next gradient check). Use out-of-place operations "
            "(np.maximum(x, 0), x @ W + b) or work on x.copy(); never x[...] = ..., x *= ... "
            "or out=x",
            "forward 不可以改動 x，要回傳新的陣列：呼叫端可能還需要 x（例如殘差連接、下一次梯度檢查）。"
            "請用不會原地修改的運算（np.maximum(x, 0)、x @ W + b），或先 x.copy()；"
            "不要 x[...] = ...、x *= ... 或 out=x"),
        "concept": (
            "a layer's forward pass must not change its input: the caller may still need it, "
            "so the result goes into a new array (module text, the layer protocol)",
            "層的 forward 不可以改動輸入：呼叫端可能還要用它，所以結果要放在新的陣列裡"
            "（講義：層的介面約定）")},
    "backward_mutated_x": ("{cls}.backward changed the x given to forward: {change}",
                           "{cls}.backward 改到了傳給 forward 的 x：{change}"),
    "backward_mutation": {
        "fix": (
            "backward wrote into the input forward kept (self.cache is the caller's x, not a "
            "copy): compute dx in a new array",
            "backward 改到了 forward 存下的輸入（self.cache 就是呼叫端的 x，不是複本）："
            "dx 要放在新的陣列裡"),
        "concept": (
            "what forward kept is the caller's own array, not a copy: the backward pass must "
            "not write into it (module text, the layer protocol)",
            "forward 存下的是呼叫端自己的陣列，不是複本：反向傳播不可以寫進去（講義：層的介面約定）")},
    "not_two_pairs": (
        "{cls}.get_params_and_grads() should return two (param, grad) pairs, got a {what}",
        "{cls}.get_params_and_grads() 應回傳兩組 (param, grad)，但得到 {what}"),
    "param_changed": ("{cls}.{name} changed during forward/backward",
                      "{cls}.{name} 在 forward/backward 中被改動了"),
    "param_changed_hint": {
        "fix": (
            "forward and backward must not change the parameters: "
            "backward only stores the gradients; the optimizer updates",
            "forward 與 backward 不可以改動參數：backward 只存梯度，更新交給 optimizer"),
        "concept": (
            "the forward and backward passes only compute; changing the parameters is the "
            "optimizer's job alone (module text, the layer protocol)",
            "forward 與 backward 只負責計算；改動參數只能由 optimizer 來做（講義：層的介面約定）")},
    "no_pair_holds_param": (
        "no pair of {cls}.get_params_and_grads() holds the "
        "array set as {cls}.{name} (after backward {step})",
        "{cls}.get_params_and_grads() 沒有任何一組是設定給 "
        "{cls}.{name} 的那個陣列（第 {step} 次 backward 之後）"),
    "params_copied": {
        "fix": (
            "get_params_and_grads must return the layer's own arrays, not copies: "
            "[(self.W, self.dW), (self.b, self.db)]; the optimizer updates each param in place "
            "(param -= lr * grad), and MomentumSGD keeps one velocity per param object",
            "get_params_and_grads 要回傳 layer 自己的陣列而不是複本："
            "[(self.W, self.dW), (self.b, self.db)]；optimizer 會原地更新每個參數"
            "（param -= lr * grad），MomentumSGD 也依參數物件各存一個速度"),
        "concept": (
            "the optimizer updates the parameters in place through the arrays the layer hands "
            "it: copies get updated while the layer keeps its old values (module text, the "
            "layer protocol)",
            "optimizer 是透過 layer 交給它的陣列原地更新參數：交出複本的話，被更新的是複本，layer "
            "仍保留舊的值（講義：層的介面約定）")},
    "param_rebound": {
        "fix": (
            "the layer replaced its parameter with a new array (self.W = ... in forward or "
            "backward, or .astype, which copies): keep the array the layer was given and only "
            "change it in place",
            "layer 把參數換成了新的陣列（在 forward 或 backward 裡 self.W = ...，或 .astype "
            "會複製）：要一直使用原本給它的陣列，只能原地修改"),
        "concept": (
            "a parameter must stay the same array object for the layer's whole life: the "
            "optimizer and its state for each parameter hold on to that object (module text, "
            "the layer protocol)",
            "參數在 layer 的整個生命週期都必須是同一個陣列物件：optimizer 和它為每個參數存的狀態"
            "都抓著那個物件（講義：層的介面約定）")},
    "stale_gradient": (
        "the gradient paired with {cls}.{name} is not the "
        "current {cls}.d{name} (after backward {step})",
        "與 {cls}.{name} 配對的梯度不是目前的 {cls}.d{name}"
        "（第 {step} 次 backward 之後）"),
    "stale_gradient_hint": {
        "fix": (
            "the gradients in get_params_and_grads are stale: build the list when it is "
            "called, after backward has set self.dW and self.db (do not store the pairs once "
            "in __init__ or on the first call)",
            "get_params_and_grads 裡的梯度是舊的：要在呼叫時才建立串列，也就是 backward 設好 "
            "self.dW、self.db 之後（不要在 __init__ 或第一次呼叫時就存起來）"),
        "concept": (
            "the pairs must carry the gradients of the latest backward pass: they are built "
            "when asked for, not once in advance (module text, the layer protocol)",
            "這些配對必須帶著最近一次 backward 的梯度：要在被呼叫時才建立，不能事先建好一次"
            "（講義：層的介面約定）")},
}
