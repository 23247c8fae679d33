"""Messages of test_m5_network.py (SimpleConvNet: shapes, whole-network gradient check,
overfitting a tiny batch): key: (English, 繁體中文), or {"fix": ..., "concept": ...} for a
hint at both levels."""
HINTS = {
    "params_copied": {
        "fix": (
            "changing the arrays that get_params_and_grads() returned did not change the output: "
            "return the layers' own arrays, [(layer.W, layer.dW), (layer.b, layer.db), ...], not "
            "copies — the optimizer updates them in place",
            "改動 get_params_and_grads() 回傳的陣列不會影響輸出：要回傳各層自己的陣列 "
            "[(layer.W, layer.dW), (layer.b, layer.db), ...]，不是複本——optimizer 會原地更新"
            "它們"),
        "concept": (
            "the optimizer updates copies, so the network never changes: the parameter list must "
            "hold the layers' own arrays, which an update changes in place (module text, the "
            "layer protocol)",
            "optimizer 更新的是複本，網路永遠不會改變：參數串列要放各層自己的陣列，更新時原地修"
            "改它們（講義：層的介面約定）")},
    "backward_returns_dx": {
        "fix": (
            "SimpleConvNet.backward(dscores) should return the gradient w.r.t. the input x (what "
            "the first layer's backward returns), like every layer's backward",
            "SimpleConvNet.backward(dscores) 應該回傳對輸入 x 的梯度（第一層 backward 的回傳"
            "值），和每一層的 backward 一樣"),
        "concept": (
            "the network's backward returns nothing: like every layer, it hands back the gradient "
            "with respect to its input (module text, SimpleConvNet)",
            "網路的 backward 沒有回傳值：它和每一層一樣，要回傳對輸入的梯度（講義："
            "SimpleConvNet：組成網路）")},
    "pair_count": {
        "fix": (
            "expected {want} (param, grad) pairs — W and b of 2 Conv2D and 3 FullyConnected "
            "layers — got {got}: does every layer with parameters contribute its pairs, once?",
            "應該有 {want} 組 (param, grad)——2 個 Conv2D 與 3 個 FullyConnected 的 W、b——但得到 "
            "{got} 組：每個有參數的層都有加進來（而且只加一次）嗎？"),
        "concept": (
            "the list of parameters does not hold exactly one weight and one bias per layer that "
            "has parameters (module text, SimpleConvNet)",
            "參數串列不是每個有參數的層正好一個權重、一個 bias（講義：SimpleConvNet：組成網路）")},
    "first_conv_channels": {
        "fix": (
            "the first Conv2D must take input_shape[0] = {channels} input channels",
            "第一個 Conv2D 的輸入 channel 數要是 input_shape[0] = {channels}"),
        "concept": (
            "the first convolution's input channels are fixed instead of taken from the input "
            "shape: a color image has three (module text, SimpleConvNet)",
            "第一個卷積的輸入 channel 數寫死了，而不是由輸入形狀決定：彩色影像有三個 channel"
            "（講義：SimpleConvNet：組成網路）")},
    "layer_sizes": {
        "fix": (
            "the layers are (filters, channels, kernel) Conv(6, 5×5), Conv(16, 5×5), then FC(·, "
            "120), FC(120, 84), FC(84, num_classes)",
            "各層依序是 Conv(6, 5×5)、Conv(16, 5×5)，然後 FC(·, 120)、FC(120, 84)、FC(84, "
            "num_classes)"),
        "concept": (
            "the layers' sizes differ from LeNet's: two convolutions with six and sixteen "
            "filters, then three fully connected layers of 120, 84 and one output per class "
            "(module text, SimpleConvNet)",
            "各層的大小和 LeNet 不同：兩個卷積分別有 6 與 16 個 filter，接著三個全連接層，大小 "
            "120、84，最後每個類別一個輸出（講義：SimpleConvNet：組成網路）")},
    "sizes_from_input_shape": {
        "fix": (
            "compute the sizes from input_shape: the first Conv2D takes input_shape[0] channels, "
            "and the first FullyConnected takes 16·h·w inputs — 16·4·4 = 256 for (1, 28, 28), "
            "16·5·5 = 400 for (3, 32, 32)",
            "大小要由 input_shape 算出：第一個 Conv2D 的輸入 channel 是 input_shape[0]，第一個 "
            "FullyConnected 的輸入是 16·h·w——(1, 28, 28) 是 16·4·4 = 256，(3, 32, 32) 是 16·5·5 "
            "= 400"),
        "concept": (
            "the sizes are fixed for one input shape: the first convolution's channels and the "
            "first fully connected layer's inputs follow from the image's shape (module text, "
            "SimpleConvNet)",
            "大小只對一種輸入形狀寫死了：第一個卷積的 channel 數與第一個全連接層的輸入數都要由"
            "影像的形狀算出（講義：SimpleConvNet：組成網路）")},
    "non_finite_scores": (
        "SimpleConvNet{shape}.forward(x) has non-finite scores",
        "SimpleConvNet{shape}.forward(x) 有非有限的分數"),
    "param_shapes": (
        "{what}: parameter shapes {got}, expected {want} (in any order)",
        "{what}：參數形狀是 {got}，應該是 {want}（順序不拘）"),
    "param_shapes_not_lenet": (
        "{what}: parameter shapes {got}, expected {want} (in any order): this check computes the "
        "network from its parameters (see m5.network.shapes)",
        "{what}：參數形狀是 {got}，應該是 {want}（順序不拘）：這項檢查要用參數算出網路（見 "
        "m5.network.shapes）"),
    "forward_not_the_network": (
        "SimpleConvNet.forward(x) is not the network its parameters define: on {inputs} its "
        "scores differ by up to {worst:.3g} from those computed here from get_params_and_grads()",
        "SimpleConvNet.forward(x) 不是它的參數所定義的網路：在{inputs}上，它的分數和這裡用 "
        "get_params_and_grads() 的參數算出的分數最多差了 {worst:.3g}"),
    "forward_exactly_lenet": {
        "fix": (
            "forward must compute exactly conv1 → ReLU → max-pool 2×2 → conv2 → ReLU → max-pool "
            "2×2 → flatten → fc1 → ReLU → fc2 → ReLU → fc3 with the parameters "
            "get_params_and_grads() lists — the scores of the input it is given, nothing "
            "remembered from earlier calls",
            "forward 必須正好是 conv1 → ReLU → max-pool 2×2 → conv2 → ReLU → max-pool 2×2 → "
            "flatten → fc1 → ReLU → fc2 → ReLU → fc3，用的是 get_params_and_grads() 列出的參"
            "數——算的是眼前這個輸入的分數，不是記住先前看過的東西"),
        "concept": (
            "the forward pass is not the network its parameters define: it runs exactly LeNet's "
            "layers on the input it is given, and returns raw scores (module text, SimpleConvNet)",
            "forward 不是參數所定義的網路：它要對眼前的輸入正好跑 LeNet 的各層，並回傳原始分數"
            "（講義：SimpleConvNet：組成網路）")},
    "the_checks_input": ("the check's input", "檢查的輸入"),
    "another_input": ("another input", "另一個輸入"),
    "dx_not_passed_on": {
        "fix": (
            "the parameter gradients are right but dx is not: backward must pass each layer's dx "
            "on to the layer before it, and return the first layer's",
            "參數的梯度正確但 dx 不對：backward 要把每一層的 dx 傳給前一層，並回傳第一層的 dx"),
        "concept": (
            "the parameter gradients are right but the input gradient is not: the chain rule "
            "hands each layer's input gradient to the layer before it, and the first layer's is "
            "the network's (module text, SimpleConvNet)",
            "參數的梯度正確但輸入的梯度不對：連鎖律要把每一層的輸入梯度交給前一層，第一層的就是"
            "整個網路的（講義：SimpleConvNet：組成網路）")},
    "overfitting_a_tiny_batch": ("overfitting a tiny batch", "把一小批資料訓練到幾乎零誤差"),
    "the_training_images": ("the training images", "訓練影像"),
    "new_images": ("new images", "新的影像"),
    "after_epochs": (
        "after {epochs} epochs (train with MomentumSGD(lr={lr}, momentum={momentum}), batch "
        "{batch})",
        "訓練 {epochs} 個 epoch 之後（train 搭配 MomentumSGD(lr={lr}, momentum={momentum})，"
        "batch {batch}）"),
    "loss_too_high": (
        "the training loss is {loss:.4g} {after}; expected below {limit}",
        "{after} training loss 是 {loss:.4g}，應該低於 {limit}"),
    "accuracy_below_100": (
        "training accuracy is {acc:.0%} {after}; expected 100 %",
        "{after} 訓練準確率是 {acc:.0%}，應該是 100 %"),
    "loss_diverged": {
        "fix": (
            "the loss diverged to inf/NaN: is the loss (and so every gradient) the mean over the "
            "batch, and does MomentumSGD subtract lr·grad?",
            "loss 發散成 inf/NaN：loss（以及所有梯度）有對 batch 取平均嗎？MomentumSGD 是減去 "
            "lr·grad 嗎？"),
        "concept": (
            "the loss diverged: the updates are too large or point the wrong way, as with a "
            "summed loss or a step up the gradient (module text, overfit a tiny batch)",
            "loss 發散了：更新太大或方向錯了，例如 loss 用了總和、或沿著梯度往上走（講義：先在"
            "極小的資料上 overfit）")},
    "train_still_todo": {
        "fix": (
            "train() still has a TODO: with an optimizer it must call "
            "optimizer.step(model.get_params_and_grads()) instead of the plain update",
            "train() 還有 TODO：有 optimizer 時要呼叫 "
            "optimizer.step(model.get_params_and_grads())，不是原本的簡單更新"),
        "concept": (
            "the training loop is still the skeleton's: given an optimizer, the update is the "
            "optimizer's step (module text, SimpleConvNet)",
            "訓練迴圈還是骨架的樣子：有 optimizer 時，更新要交給 optimizer（講義："
            "SimpleConvNet：組成網路）")},
    "loss_unchanged": {
        "fix": (
            "the loss is exactly what it was before training ({initial:.4g}): the updates never "
            "reach the network — does train() call optimizer.step(model.get_params_and_grads()), "
            "and do get_params_and_grads and MomentumSGD.step work on the live parameter arrays, "
            "in place?",
            "loss 和訓練前完全一樣（{initial:.4g}）：更新沒有作用到網路上——train() 有呼叫 "
            "optimizer.step(model.get_params_and_grads()) 嗎？get_params_and_grads 與 "
            "MomentumSGD.step 有原地修改網路自己的參數陣列嗎？"),
        "concept": (
            "training never changes the network: the updates do not reach the arrays the layers "
            "hold (module text, overfit a tiny batch)",
            "訓練完全沒有改變網路：更新沒有作用到各層持有的陣列（講義：先在極小的資料上 "
            "overfit）")},
    "loss_at_chance": {
        "fix": (
            "the loss is stuck at ln {classes} ≈ {chance:.3f}, every class equally likely: the "
            "network's output collapsed (all ReLUs dead?) — check the sign of the updates and the "
            "gradient checks",
            "loss 卡在 ln {classes} ≈ {chance:.3f}，每一類的機率都一樣：網路的輸出塌成常數"
            "（ReLU 全部死掉？）——檢查更新的正負號與梯度檢查"),
        "concept": (
            "the network's output collapsed to a constant, every class equally likely: the "
            "updates point the wrong way or a gradient is wrong (module text, overfit a tiny "
            "batch)",
            "網路的輸出塌成常數，每一類的機率都一樣：更新的方向錯了，或某個梯度不對（講義：先在"
            "極小的資料上 overfit）")},
    "learns_too_slowly": {
        "fix": (
            "the network learns too slowly: check the gradient checks and MomentumSGD (v = β·v − "
            "lr·grad, w = w + v, one v per parameter)",
            "網路學得太慢：先看梯度檢查與 MomentumSGD（v = β·v − lr·grad，w = w + v，每個參數一"
            "個 v）"),
        "concept": (
            "the network learns, but too slowly to overfit a tiny batch: a gradient or the "
            "momentum update is wrong, not the number of epochs (module text, overfit a tiny "
            "batch)",
            "網路有在學，但慢到連一小批資料都記不住：是某個梯度或 momentum 的更新錯了，不是 "
            "epoch 不夠（講義：先在極小的資料上 overfit）")},
    "net_softmax_in_forward": {
        "fix": (
            "forward ends in a softmax: return the last FullyConnected's raw scores; "
            "cross_entropy_loss applies the softmax itself",
            "forward 最後多了 softmax：要回傳最後一個 FullyConnected 的原始分數；"
            "cross_entropy_loss 自己會做 softmax"),
        "concept": (
            "the network returns probabilities where raw scores belong: the softmax is part of "
            "the loss, so applying it in the network applies it twice (module text, "
            "SimpleConvNet)",
            "網路回傳了機率，但應該回傳原始分數：softmax 是 loss 的一部分，在網路裡再做一次就做"
            "了兩次（講義：SimpleConvNet：組成網路）")},
    "net_relu_after_last_layer": {
        "fix": (
            "a ReLU follows the last FullyConnected: the layers end with FullyConnected(84, "
            "num_classes), no ReLU after it",
            "最後一個 FullyConnected 後面多了 ReLU：各層要以 FullyConnected(84, num_classes) 結"
            "尾，後面不接 ReLU"),
        "concept": (
            "the scores pass through a ReLU, so they can never be negative: the last layer's "
            "outputs are raw scores, with no activation after them (module text, SimpleConvNet)",
            "分數經過了 ReLU，永遠不會是負的：最後一層的輸出是原始分數，後面不接激活函數（講"
            "義：SimpleConvNet：組成網路）")},
    "net_fc_without_relu": {
        "fix": (
            "the FullyConnected layers have no ReLU between them: FC(120) → ReLU → FC(84) → ReLU "
            "→ FC(num_classes)",
            "FullyConnected 層之間少了 ReLU：FC(120) → ReLU → FC(84) → ReLU → FC(num_classes)"),
        "concept": (
            "the fully connected layers follow each other without an activation, so together they "
            "are a single linear map: a ReLU separates them (module text, SimpleConvNet)",
            "全連接層之間沒有激活函數，疊起來只是一個線性映射：它們之間要有 ReLU（講義："
            "SimpleConvNet：組成網路）")},
}
