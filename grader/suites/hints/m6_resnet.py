"""Messages of test_m6_resnet.py (BasicBlock, Bottleneck, residual against plain):
key: (English, 繁體中文), or {"fix": ..., "concept": ...} for a hint."""
HINTS = {
    "layer_forward_todo": (
        "{layer}.forward returned None: the blocks are built from it, so "
        "this check waits until it is done",
        "{layer}.forward 回傳 None：區塊是用它組成的，請先完成它"),
    "layer_backward_todo": (
        "{layer}.backward returned None: the blocks are built from it, so "
        "this check waits until it is done",
        "{layer}.backward 回傳 None：區塊是用它組成的，請先完成它"),
    # -- known mistakes (grader/suites/mistakes/m6_resnet.py) --------------------------------
    "block_no_shortcut": {
        "fix": (
            "the shortcut is missing: out = ReLU(F(x) + x), the block's input added to "
            "bn2's output before the last ReLU",
            "少了 shortcut：out = ReLU(F(x) + x)，在最後的 ReLU 之前把區塊的輸入加到 bn2 的輸出上"),
        "concept": (
            "the block never adds its input to the main path: a residual block learns the "
            "difference from the identity, so the input itself is added back (module text, "
            "BasicBlock forward)",
            "區塊沒有把輸入加回主路徑：residual 區塊學的是與恆等函數的差，所以輸入本身要加回去"
            "（講義：BasicBlock 的 forward）")},
    "block_no_last_relu": {
        "fix": (
            "the last ReLU is missing: out = ReLU(F(x) + shortcut), after the addition",
            "少了最後的 ReLU：out = ReLU(F(x) + shortcut)，在相加之後"),
        "concept": (
            "the block ends at the addition: the original BasicBlock applies one more ReLU "
            "to the sum (module text, the ReLU after the addition)",
            "區塊在相加之後就結束了：原始的 BasicBlock 還要對總和再做一次 ReLU（講義：相加之後的 ReLU）")},
    "block_relu_before_addition": {
        "fix": (
            "ReLU comes after the addition, not before it: out = ReLU(F(x) + shortcut), "
            "not ReLU(F(x)) + shortcut",
            "ReLU 要在相加之後，不是之前：out = ReLU(F(x) + shortcut)，不是 ReLU(F(x)) + shortcut"),
        "concept": (
            "the last ReLU acts on the main path before the addition instead of on the sum, "
            "a different function (module text, the ReLU after the addition)",
            "最後的 ReLU 作用在相加之前的主路徑上，而不是作用在總和上，這是另一個函數"
            "（講義：相加之後的 ReLU）")},
    "block_addition_before_bn2": {
        "fix": (
            "the shortcut is added before bn2: normalise conv2's output first, then add, "
            "out = ReLU(bn2(conv2(h)) + x)",
            "shortcut 在 bn2 之前就加上了：要先對 conv2 的輸出做 bn2 再相加，"
            "out = ReLU(bn2(conv2(h)) + x)"),
        "concept": (
            "the input joins the main path before its last BatchNorm, so the shortcut is "
            "normalised too and no longer carries the input unchanged (module text, "
            "BasicBlock forward)",
            "輸入在主路徑最後一個 BatchNorm 之前就加進去了，shortcut 也被正規化，不再原封不動地帶著輸入"
            "（講義：BasicBlock 的 forward）")},
    "block_projection_without_bn": {
        "fix": (
            "the projection shortcut is a 1x1 Conv2D followed by its own BatchNorm2D: "
            "shortcut_bn(shortcut(x))",
            "projection shortcut 是 1x1 Conv2D 再接它自己的 BatchNorm2D：shortcut_bn(shortcut(x))"),
        "concept": (
            "the projection shortcut lacks its own BatchNorm, so the two summands are not on "
            "the same scale (module text, projection shortcut)",
            "projection shortcut 少了它自己的 BatchNorm，兩個加數的尺度對不上（講義：Projection shortcut）")},
    "block_stride_on_conv2": {
        "fix": (
            "the stride is on conv2: the first 3x3 convolution carries it, "
            "Conv2D(in_channels, out_channels, 3, stride=stride, padding=1), and conv2 has "
            "stride 1",
            "stride 放在 conv2 上了：要由第一個 3x3 卷積負責，"
            "Conv2D(in_channels, out_channels, 3, stride=stride, padding=1)，conv2 的 stride 是 1"),
        "concept": (
            "the downsampling happens in the second convolution of the main path instead of "
            "the first: the output has the right shape but is another function (module text, "
            "projection shortcut)",
            "降採樣放在主路徑的第二個卷積而不是第一個：輸出形狀對，但是另一個函數（講義：Projection shortcut）")},
    "block_dx_no_shortcut_gradient": {
        "fix": (
            "dx lacks the shortcut's gradient: the addition passes d_sum "
            "(the gradient after the last ReLU) to both paths, and their "
            "gradients at x add up — dx = main-path dx + d_sum for the "
            "identity shortcut (the \"+1\" of ∂(F(x) + x)/∂x), + shortcut "
            "path's dx for a projection",
            "dx 少了 shortcut 的梯度：相加把 d_sum（最後 ReLU 之後的梯度）同時傳給兩條路徑，"
            "兩邊在 x 的梯度要相加——identity shortcut 是 dx = 主路徑的 dx + d_sum"
            "（∂(F(x) + x)/∂x 裡的「+1」），projection 則加上 shortcut 路徑的 dx"),
        "concept": (
            "the input feeds two paths, but only the main path's gradient comes back: where "
            "a value branches, the gradients of its branches add up (module text, BasicBlock "
            "backward)",
            "輸入分給了兩條路徑，梯度卻只有主路徑的傳回來：數值分岔的地方，各分支的梯度要相加"
            "（講義：BasicBlock 的 backward）")},
    "block_dx_only_shortcut": {
        "fix": (
            "dx is only the shortcut's gradient: add the main path's "
            "(conv1 ← bn1 ← relu1 ← conv2 ← bn2 backward from d_sum)",
            "dx 只有 shortcut 的梯度：還要加上主路徑的梯度"
            "（從 d_sum 經 bn2、conv2、relu1、bn1、conv1 反向傳回）"),
        "concept": (
            "only the shortcut's gradient comes back to the input: the main path's gradient "
            "adds to it where the two paths branch (module text, BasicBlock backward)",
            "傳回輸入的只有 shortcut 的梯度：兩條路徑分岔的地方，主路徑的梯度也要加上去"
            "（講義：BasicBlock 的 backward）")},
    "block_dx_shortcut_from_dout": {
        "fix": (
            "the shortcut's gradient starts from dout: both paths start from d_sum = "
            "relu2.backward(dout), so dx = main-path dx + d_sum (identity) or + "
            "shortcut.backward(shortcut_bn.backward(d_sum)) (projection)",
            "shortcut 的梯度從 dout 開始算了：兩條路徑都從 d_sum = relu2.backward(dout) 開始，"
            "dx = 主路徑的 dx + d_sum（identity），或 + shortcut.backward(shortcut_bn.backward(d_sum))"
            "（projection）"),
        "concept": (
            "the shortcut's gradient skips the last ReLU: the addition sits before that "
            "ReLU, so both paths receive the gradient after it (module text, BasicBlock "
            "backward)",
            "shortcut 的梯度略過了最後的 ReLU：相加在那個 ReLU 之前，所以兩條路徑收到的都是經過它之後的"
            "梯度（講義：BasicBlock 的 backward）")},
    "block_dx_no_last_relu_mask": {
        "fix": (
            "backward skips the last ReLU: d_sum = relu2.backward(dout), and both paths "
            "start from d_sum, not dout",
            "backward 略過了最後的 ReLU：d_sum = relu2.backward(dout)，兩條路徑都要從 d_sum 開始，"
            "不是 dout"),
        "concept": (
            "the gradient is passed back through the last ReLU as if it let everything "
            "through: its mask applies before the gradient splits to the two paths (module "
            "text, BasicBlock backward)",
            "梯度經過最後的 ReLU 時被當成全部通過：分給兩條路徑之前要先套用它的遮罩（講義：BasicBlock 的 backward）")},
    "bottleneck_no_shortcut": {
        "fix": (
            "the shortcut is missing: out = ReLU(F(x) + shortcut), with bn3's output as F(x)",
            "少了 shortcut：out = ReLU(F(x) + shortcut)，F(x) 是 bn3 的輸出"),
        "concept": (
            "the Bottleneck never adds its shortcut: like the BasicBlock it is a residual "
            "block, its input (or projection) added before the last ReLU (module text, "
            "Bottleneck)",
            "Bottleneck 沒有加上 shortcut：它和 BasicBlock 一樣是 residual 區塊，輸入（或 projection）"
            "要在最後的 ReLU 之前加上（講義：Bottleneck）")},
    "bottleneck_stride_on_first_conv": {
        "fix": (
            "the stride is on the first 1x1 convolution: put it on the 3x3 one, "
            "Conv2D(mid_channels, mid_channels, 3, stride=stride, padding=1), as the seed's "
            "docstring says",
            "stride 放在第一個 1x1 卷積上了：要放在 3x3 卷積上，"
            "Conv2D(mid_channels, mid_channels, 3, stride=stride, padding=1)，照骨架 docstring 的說明"),
        "concept": (
            "the Bottleneck downsamples in its first 1x1 convolution (the original paper's "
            "choice) where the course's, like torchvision's, downsamples in the 3x3 one "
            "(module text, Bottleneck)",
            "Bottleneck 在第一個 1x1 卷積降採樣（原始論文的做法），而課程和 torchvision 一樣在 3x3 卷積"
            "降採樣（講義：Bottleneck）")},
    "bottleneck_dx_no_shortcut_gradient": {
        "fix": (
            "dx lacks the shortcut's gradient: the gradients of both paths "
            "add up at x, dx = main-path dx + d_sum (or the projection's dx)",
            "dx 少了 shortcut 的梯度：兩條路徑在 x 的梯度要相加，dx = 主路徑的 dx + d_sum"
            "（或 projection 的 dx）"),
        "concept": (
            "the Bottleneck's input feeds two paths, but only the main path's gradient comes "
            "back (module text, Bottleneck; BasicBlock backward)",
            "Bottleneck 的輸入分給了兩條路徑，梯度卻只有主路徑的傳回來（講義：Bottleneck；BasicBlock 的 backward）")},
    "rvp_no_shortcut": {
        "fix": (
            "the residual run and the plain run are the same: BasicBlock.forward never "
            "adds the shortcut — out = ReLU(bn2(conv2(…)) + x) — and backward must add "
            "its gradient back",
            "residual 與 plain 兩次訓練是同一個計算：BasicBlock.forward 沒有加上 shortcut——"
            "out = ReLU(bn2(conv2(…)) + x)——backward 也要把它的梯度加回來"),
        "concept": (
            "the residual stack trains exactly like the plain one: its blocks have no "
            "shortcut, which is the only difference between the two runs (module text, the "
            "residual-vs-plain experiment)",
            "residual 堆疊的訓練和 plain 堆疊一模一樣：它的區塊沒有 shortcut，而那是兩次訓練唯一的差別"
            "（講義：有 shortcut 與沒有 shortcut 的實驗）")},
    "rvp_shortcut_gradient_dropped": {
        "fix": (
            "the stack trains exactly as blocks that add x in forward but drop its gradient "
            "in backward: BasicBlock.backward must return main-path dx + d_sum",
            "這個堆疊的訓練和「forward 有加 x、backward 卻丟掉它的梯度」的區塊完全一樣："
            "BasicBlock.backward 要回傳主路徑的 dx + d_sum"),
        "concept": (
            "the blocks' backward drops the shortcut's gradient, the term that carries the "
            "gradient unweakened down the stack, so the first layers follow a wrong and "
            "vanishing gradient (module text, the residual-vs-plain experiment)",
            "區塊的 backward 丟掉了 shortcut 的梯度，也就是讓梯度不被削弱地傳到底層的那一項，前面幾層"
            "只能跟著一個錯誤又微弱的梯度（講義：有 shortcut 與沒有 shortcut 的實驗）")},
    # -- other hints and messages ---------------------------------------------------------------
    "paths_differ_in_shape": {
        "fix": (
            "the two paths have different shapes: when the block changes "
            "the stride or the channels, the shortcut is "
            "shortcut_bn(shortcut(x)), not x itself",
            "兩條路徑的形狀不同：區塊改變 stride 或 channel 數時，shortcut 是 "
            "shortcut_bn(shortcut(x))，不是 x 本身"),
        "concept": (
            "the input is added as it is although the main path changed its resolution or "
            "its channels: then the shortcut is a projection to the main path's shape "
            "(module text, projection shortcut)",
            "主路徑改變了解析度或 channel 數，輸入卻原樣加上去：這時 shortcut 要是投影到主路徑形狀的 "
            "projection（講義：Projection shortcut）")},
    "shortcut_params_from_d_sum": {
        "fix": (
            "the shortcut's parameters get their gradients from d_sum too: "
            "shortcut.backward(shortcut_bn.backward(d_sum))",
            "shortcut 的參數梯度也來自 d_sum：shortcut.backward(shortcut_bn.backward(d_sum))"),
        "concept": (
            "the projection's parameters are trained by the gradient after the last ReLU, "
            "the same one the main path receives (module text, projection shortcut)",
            "projection 的參數由最後 ReLU 之後的梯度訓練，和主路徑收到的是同一個（講義：Projection shortcut）")},
    "rvp_figures": (
        "after {steps} steps the residual stack's training loss is {loss_residual:.4g}, the "
        "plain stack's {loss_plain:.4g} (plain / residual = {ratio:.3g}, needed ≥ "
        "{loss_margin}); the first layer's gradient at the start: residual "
        "{grad_residual:.3g}, plain {grad_plain:.3g} (ratio "
        "{grad_ratio:.3g}, needed ≥ {grad_margin})",
        "訓練 {steps} 步之後，residual 堆疊的 training loss 是 {loss_residual:.4g}，plain 堆疊是 "
        "{loss_plain:.4g}（plain / residual = {ratio:.3g}，需要 ≥ {loss_margin}）；一開始第一層的梯度："
        "residual {grad_residual:.3g}，plain {grad_plain:.3g}"
        "（比值 {grad_ratio:.3g}，需要 ≥ {grad_margin}）"),
    "rvp_gradient_lost": {
        "fix": (
            "the gradient hardly reaches the first layer of the residual stack: does "
            "BasicBlock.backward add the shortcut's gradient (dx = main-path dx + d_sum)? "
            "Without it the gradient only flows through the blocks' main paths",
            "梯度幾乎傳不到 residual 堆疊的第一層：BasicBlock.backward 有沒有加上 shortcut 的梯度"
            "（dx = 主路徑的 dx + d_sum）？少了它，梯度只能走各區塊的主路徑"),
        "concept": (
            "the gradient hardly reaches the first layer: in a residual stack the shortcuts "
            "carry it down unweakened (module text, gradient flow: the +1)",
            "梯度幾乎傳不到第一層：residual 堆疊裡，shortcut 會把梯度不被削弱地傳下去"
            "（講義：梯度流，那個「+1」）")},
    "rvp_loss_not_finite": {
        "fix": (
            "the residual stack's loss became inf/NaN: a gradient far too large makes SGD "
            "diverge; compare BasicBlock.backward with the numerical gradient "
            "(given.gradcheck)",
            "residual 堆疊的 loss 變成 inf/NaN：梯度太大會讓 SGD 發散；請用數值梯度"
            "（given.gradcheck）檢查 BasicBlock.backward"),
        "concept": (
            "training diverged: the residual stack's loss is no longer a finite number "
            "(module text, the residual-vs-plain experiment)",
            "訓練發散了：residual 堆疊的 loss 已經不是有限的數（講義：有 shortcut 與沒有 shortcut 的實驗）")},
    "rvp_not_better": (
        "the residual stack does not train measurably better than the plain "
        "one: {figures}",
        "residual 堆疊沒有比 plain 堆疊明顯訓練得更好：{figures}"),
    "rvp_what": (
        "the residual-vs-plain experiment",
        "residual 與 plain 的比較實驗"),
}
