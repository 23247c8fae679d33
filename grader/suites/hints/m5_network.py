"""Messages of test_m5_network.py (SimpleConvNet: shapes, whole-network gradient check,
overfitting a tiny batch): key: (English, 繁體中文)."""
HINTS = {
    "params_copied": (
        "changing the arrays that get_params_and_grads() returned did not change the output: "
        "return the layers' own arrays, [(layer.W, layer.dW), (layer.b, layer.db), ...], "
        "not copies — the optimizer updates them in place",
        "改動 get_params_and_grads() 回傳的陣列不會影響輸出：要回傳各層自己的陣列 "
        "[(layer.W, layer.dW), (layer.b, layer.db), ...]，不是複本——optimizer 會原地更新它們"),
    "backward_returns_dx": (
        "SimpleConvNet.backward(dscores) should return the gradient w.r.t. the input x "
        "(what the first layer's backward returns), like every layer's backward",
        "SimpleConvNet.backward(dscores) 應該回傳對輸入 x 的梯度（第一層 backward 的回傳值），"
        "和每一層的 backward 一樣"),
    "pair_count": (
        "expected {want} (param, grad) pairs — W and b of 2 Conv2D and "
        "3 FullyConnected layers — got {got}: does every layer with "
        "parameters contribute its pairs, once?",
        "應該有 {want} 組 (param, grad)——2 個 Conv2D 與 3 個 FullyConnected 的 W、b——"
        "但得到 {got} 組：每個有參數的層都有加進來（而且只加一次）嗎？"),
    "first_conv_channels": (
        "the first Conv2D must take input_shape[0] = {channels} input channels",
        "第一個 Conv2D 的輸入 channel 數要是 input_shape[0] = {channels}"),
    "layer_sizes": (
        "the layers are (filters, channels, kernel) Conv(6, 5×5), Conv(16, 5×5), then "
        "FC(·, 120), FC(120, 84), FC(84, num_classes)",
        "各層依序是 Conv(6, 5×5)、Conv(16, 5×5)，然後 FC(·, 120)、FC(120, 84)、FC(84, num_classes)"),
    "sizes_from_input_shape": (
        "compute the sizes from input_shape: the first Conv2D takes input_shape[0] channels, and "
        "the first FullyConnected takes 16·h·w inputs — 16·4·4 = 256 for (1, 28, 28), "
        "16·5·5 = 400 for (3, 32, 32)",
        "大小要由 input_shape 算出：第一個 Conv2D 的輸入 channel 是 input_shape[0]，第一個 "
        "FullyConnected 的輸入是 16·h·w——(1, 28, 28) 是 16·4·4 = 256，(3, 32, 32) 是 16·5·5 = 400"),
    "non_finite_scores": ("SimpleConvNet{shape}.forward(x) has non-finite scores",
                          "SimpleConvNet{shape}.forward(x) 有非有限的分數"),
    "param_shapes": (
        "{what}: parameter shapes {got}, expected {want} (in any order)",
        "{what}：參數形狀是 {got}，應該是 {want}（順序不拘）"),
    "param_shapes_not_lenet": (
        "{what}: parameter shapes {got}, expected {want} (in "
        "any order): this check computes the network from its parameters "
        "(see m5.network.shapes)",
        "{what}：參數形狀是 {got}，應該是 {want}（順序不拘）："
        "這項檢查要用參數算出網路（見 m5.network.shapes）"),
    "forward_not_the_network": (
        "SimpleConvNet.forward(x) is not the network its parameters "
        "define: on {inputs} its scores differ by up to {worst:.3g} from "
        "those computed here from get_params_and_grads()",
        "SimpleConvNet.forward(x) 不是它的參數所定義的網路：在{inputs}上，"
        "它的分數和這裡用 get_params_and_grads() 的參數算出的分數最多差了 {worst:.3g}"),
    "forward_exactly_lenet": (
        "forward must compute exactly conv1 → ReLU → max-pool 2×2 → conv2 → ReLU → max-pool 2×2 → "
        "flatten → fc1 → ReLU → fc2 → ReLU → fc3 with the parameters get_params_and_grads() "
        "lists — the scores of the input it is given, nothing remembered from earlier calls",
        "forward 必須正好是 conv1 → ReLU → max-pool 2×2 → conv2 → ReLU → max-pool 2×2 → flatten → "
        "fc1 → ReLU → fc2 → ReLU → fc3，用的是 get_params_and_grads() 列出的參數——算的是眼前這個輸入的分數，"
        "不是記住先前看過的東西"),
    "the_checks_input": ("the check's input", "檢查的輸入"),
    "another_input": ("another input", "另一個輸入"),
    "dx_not_passed_on": (
        "the parameter gradients are right but dx is not: backward must pass "
        "each layer's dx on to the layer before it, and return the first layer's",
        "參數的梯度正確但 dx 不對：backward 要把每一層的 dx 傳給前一層，並回傳第一層的 dx"),
    "overfitting_a_tiny_batch": ("overfitting a tiny batch", "把一小批資料訓練到幾乎零誤差"),
    "the_training_images": ("the training images", "訓練影像"),
    "new_images": ("new images", "新的影像"),
    "after_epochs": (
        "after {epochs} epochs (train with MomentumSGD(lr={lr}, "
        "momentum={momentum}), batch {batch})",
        "訓練 {epochs} 個 epoch 之後（train 搭配 MomentumSGD(lr={lr}, "
        "momentum={momentum})，batch {batch}）"),
    "loss_too_high": ("the training loss is {loss:.4g} {after}; expected below {limit}",
                      "{after} training loss 是 {loss:.4g}，應該低於 {limit}"),
    "accuracy_below_100": ("training accuracy is {acc:.0%} {after}; expected 100 %",
                           "{after} 訓練準確率是 {acc:.0%}，應該是 100 %"),
    "loss_diverged": (
        "the loss diverged to inf/NaN: is the loss (and so every gradient) the "
        "mean over the batch, and does MomentumSGD subtract lr·grad?",
        "loss 發散成 inf/NaN：loss（以及所有梯度）有對 batch 取平均嗎？MomentumSGD 是減去 lr·grad 嗎？"),
    "train_still_todo": (
        "train() still has a TODO: with an optimizer it must call "
        "optimizer.step(model.get_params_and_grads()) instead of the plain update",
        "train() 還有 TODO：有 optimizer 時要呼叫 optimizer.step(model.get_params_and_grads())，"
        "不是原本的簡單更新"),
    "loss_unchanged": (
        "the loss is exactly what it was before training ({initial:.4g}): the "
        "updates never reach the network — does train() call "
        "optimizer.step(model.get_params_and_grads()), and do get_params_and_grads "
        "and MomentumSGD.step work on the live parameter arrays, in place?",
        "loss 和訓練前完全一樣（{initial:.4g}）：更新沒有作用到網路上——train() 有呼叫 "
        "optimizer.step(model.get_params_and_grads()) 嗎？get_params_and_grads 與 "
        "MomentumSGD.step 有原地修改網路自己的參數陣列嗎？"),
    "loss_at_chance": (
        "the loss is stuck at ln {classes} ≈ {chance:.3f}, every class equally "
        "likely: the network's output collapsed (all ReLUs dead?) — check the "
        "sign of the updates and the gradient checks",
        "loss 卡在 ln {classes} ≈ {chance:.3f}，每一類的機率都一樣：網路的輸出塌成常數"
        "（ReLU 全部死掉？）——檢查更新的正負號與梯度檢查"),
    "learns_too_slowly": (
        "the network learns too slowly: check the gradient checks and MomentumSGD "
        "(v = β·v − lr·grad, w = w + v, one v per parameter)",
        "網路學得太慢：先看梯度檢查與 MomentumSGD（v = β·v − lr·grad，w = w + v，每個參數一個 v）"),
}
