"""Messages of test_m6_resnet.py (BasicBlock, Bottleneck, residual against plain):
key: (English, 繁體中文)."""
HINTS = {
    "layer_forward_todo": (
        "{layer}.forward returned None: the blocks are built from it, so "
        "this check waits until it is done",
        "{layer}.forward 回傳 None：區塊是用它組成的，請先完成它"),
    "layer_backward_todo": (
        "{layer}.backward returned None: the blocks are built from it, so "
        "this check waits until it is done",
        "{layer}.backward 回傳 None：區塊是用它組成的，請先完成它"),
    "no_shortcut": (
        "the shortcut is missing: out = ReLU(F(x) + x), the block's input added to "
        "bn2's output before the last ReLU",
        "少了 shortcut：out = ReLU(F(x) + x)，在最後的 ReLU 之前把區塊的輸入加到 bn2 的輸出上"),
    "no_last_relu": (
        "the last ReLU is missing: out = ReLU(F(x) + shortcut), after the addition",
        "少了最後的 ReLU：out = ReLU(F(x) + shortcut)，在相加之後"),
    "relu_before_addition": (
        "ReLU comes after the addition, not before it: out = ReLU(F(x) + shortcut), "
        "not ReLU(F(x)) + shortcut",
        "ReLU 要在相加之後，不是之前：out = ReLU(F(x) + shortcut)，不是 ReLU(F(x)) + shortcut"),
    "projection_without_bn": (
        "the projection shortcut is a 1x1 Conv2D followed by its own BatchNorm2D: "
        "shortcut_bn(shortcut(x))",
        "projection shortcut 是 1x1 Conv2D 再接它自己的 BatchNorm2D：shortcut_bn(shortcut(x))"),
    "paths_differ_in_shape": (
        "the two paths have different shapes: when the block changes "
        "the stride or the channels, the shortcut is "
        "shortcut_bn(shortcut(x)), not x itself",
        "兩條路徑的形狀不同：區塊改變 stride 或 channel 數時，shortcut 是 "
        "shortcut_bn(shortcut(x))，不是 x 本身"),
    "dx_no_shortcut_gradient": (
        "dx lacks the shortcut's gradient: the addition passes d_sum "
        "(the gradient after the last ReLU) to both paths, and their "
        "gradients at x add up — dx = main-path dx + d_sum for the "
        "identity shortcut (the \"+1\" of ∂(F(x) + x)/∂x), + shortcut "
        "path's dx for a projection",
        "dx 少了 shortcut 的梯度：相加把 d_sum（最後 ReLU 之後的梯度）同時傳給兩條路徑，"
        "兩邊在 x 的梯度要相加——identity shortcut 是 dx = 主路徑的 dx + d_sum"
        "（∂(F(x) + x)/∂x 裡的「+1」），projection 則加上 shortcut 路徑的 dx"),
    "dx_only_shortcut": (
        "dx is only the shortcut's gradient: add the main path's "
        "(conv1 ← bn1 ← relu1 ← conv2 ← bn2 backward from d_sum)",
        "dx 只有 shortcut 的梯度：還要加上主路徑的梯度"
        "（從 d_sum 經 bn2、conv2、relu1、bn1、conv1 反向傳回）"),
    "shortcut_params_from_d_sum": (
        "the shortcut's parameters get their gradients from d_sum too: "
        "shortcut.backward(shortcut_bn.backward(d_sum))",
        "shortcut 的參數梯度也來自 d_sum：shortcut.backward(shortcut_bn.backward(d_sum))"),
    "bottleneck_dx_no_shortcut": (
        "dx lacks the shortcut's gradient: the gradients of both paths "
        "add up at x",
        "dx 少了 shortcut 的梯度：兩條路徑在 x 的梯度要相加"),
    "rvp_figures": (
        "after {steps} steps the residual stack's training loss is {loss_residual:.4g}, the "
        "plain stack's {loss_plain:.4g} (plain / residual = {ratio:.3g}, needed ≥ "
        "{loss_margin}); the first layer's gradient at the start: residual "
        "{grad_residual:.3g}, plain {grad_plain:.3g} (ratio "
        "{grad_ratio:.3g}, needed ≥ {grad_margin})",
        "訓練 {steps} 步之後，residual 堆疊的 training loss 是 {loss_residual:.4g}，plain 堆疊是 {loss_plain:.4g}"
        "（plain / residual = {ratio:.3g}，需要 ≥ {loss_margin}）；一開始第一層的梯度："
        "residual {grad_residual:.3g}，plain {grad_plain:.3g}"
        "（比值 {grad_ratio:.3g}，需要 ≥ {grad_margin}）"),
    "rvp_same_computation": (
        "the residual run and the plain run are the same: BasicBlock.forward never "
        "adds the shortcut — out = ReLU(bn2(conv2(…)) + x) — and backward must add "
        "its gradient back",
        "residual 與 plain 兩次訓練是同一個計算：BasicBlock.forward 沒有加上 shortcut——"
        "out = ReLU(bn2(conv2(…)) + x)——backward 也要把它的梯度加回來"),
    "rvp_gradient_lost": (
        "the gradient hardly reaches the first layer of the residual stack: "
        "BasicBlock.backward must add the shortcut's gradient (dx = main-path dx + "
        "d_sum); without it the gradient only flows through the blocks' main paths",
        "梯度幾乎傳不到 residual 堆疊的第一層：BasicBlock.backward 要加上 shortcut 的梯度"
        "（dx = 主路徑的 dx + d_sum）；少了它，梯度只能走各區塊的主路徑"),
    "rvp_loss_not_finite": (
        "the residual stack's loss became inf/NaN",
        "residual 堆疊的 loss 變成 inf/NaN"),
    "rvp_not_better": (
        "the residual stack does not train measurably better than the plain "
        "one: {figures}",
        "residual 堆疊沒有比 plain 堆疊明顯訓練得更好：{figures}"),
    "rvp_what": (
        "the residual-vs-plain experiment",
        "residual 與 plain 的比較實驗"),
}
