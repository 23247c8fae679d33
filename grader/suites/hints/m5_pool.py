"""Messages of test_m5_pool.py (MaxPool2D forward and backward): key: (English, 繁體中文), or
{"fix": ..., "concept": ...} for a hint at both levels."""
HINTS = {
    "forward_overlapping": {
        "fix": (
            "overlapping windows fail: with stride < kernel_size, H' = (H − k) // stride + 1 "
            "and window (i, j) starts at row i·stride, column j·stride and spans k",
            "重疊的 window 出錯：stride < kernel_size 時 H' = (H − k) // stride + 1，"
            "第 (i, j) 個 window 從第 i·stride 列、第 j·stride 行開始，大小是 k"),
        "concept": (
            "the windows' size and their step are two different numbers: with a step smaller "
            "than the window, neighbouring windows overlap (module text, Max Pooling)",
            "window 的大小和移動的步長是兩個不同的數：步長比 window 小時，相鄰的 window 會重疊"
            "（講義：Max Pooling）")},
    "forward_non_square": {
        "fix": (
            "non-square input fails: take H and W separately from x.shape "
            "(H' = (H − k) // stride + 1, W' = (W − k) // stride + 1)",
            "非正方形輸入出錯：H 與 W 要分別從 x.shape 取"
            "（H' = (H − k) // stride + 1，W' = (W − k) // stride + 1）"),
        "concept": (
            "the height and the width of the output each come from their own input side "
            "(module text, Max Pooling)",
            "輸出的高與寬各自由輸入對應的那一邊決定（講義：Max Pooling）")},
    "backward_overlap_adds": {
        "fix": (
            "+= not =: overlapping windows share pixels, and every window adds its "
            "gradient to its maximum (dx[..] += dout[..])",
            "要用 += 不是 =：重疊的 window 共用像素，每個 window 都要把梯度加到它的最大值上"
            "（dx[..] += dout[..]）"),
        "concept": (
            "a pixel that several windows use receives the sum of their gradients: every "
            "path from an input to the loss contributes (module text, Max Pooling: "
            "overlapping windows)",
            "被好幾個 window 用到的像素，要收到這些 window 梯度的總和：輸入到 loss 的每一條路徑都有貢獻"
            "（講義：Max Pooling 的重疊 window）")},
    "backward_ties_first_max": {
        "fix": (
            "a window with equal maxima sends its gradient to the first one (row-major), not "
            "to all of them: PyTorch's rule; argmax over the flattened window gives that one",
            "window 裡有多個相同最大值時，梯度只給第一個（row-major 順序），不是全部：這是 PyTorch "
            "的規則；對攤平的 window 取 argmax 就是那一個"),
        "concept": (
            "where a window holds its maximum more than once, the course's convention sends "
            "the whole gradient to the first one in reading order (module text, Max Pooling: "
            "ties)",
            "window 裡的最大值出現不只一次時，課程的約定是把整個梯度給閱讀順序的第一個"
            "（講義：Max Pooling 的平手）")},
    "maxpool_stride_is_kernel": {
        "fix": (
            "the windows are taken side by side whatever the stride: step by self.stride "
            "(window (i, j) starts at row i·stride, column j·stride), and only the window's "
            "size is kernel_size",
            "不管 stride 是多少，window 都是一個接一個排：要以 self.stride 移動（第 (i, j) 個 "
            "window 從第 i·stride 列、第 j·stride 行開始），只有 window 的大小是 kernel_size"),
        "concept": (
            "the window's size is used as its step: the stride is a separate parameter, and "
            "with a smaller one the windows overlap (module text, Max Pooling)",
            "把 window 的大小當成了步長：stride 是另一個參數，比 window 小時 window 會重疊"
            "（講義：Max Pooling）")},
    "maxpool_one_side_for_both": {
        "fix": (
            "one side of the image sets both output sizes: "
            "H' = (H − k) // stride + 1 and W' = (W − k) // stride + 1, with H, W = x.shape[2:]",
            "影像的一邊決定了輸出的兩個大小：H' = (H − k) // stride + 1、"
            "W' = (W − k) // stride + 1，其中 H, W = x.shape[2:]"),
        "concept": (
            "the image is assumed square: the output's height comes from the input's height "
            "and its width from the input's width (module text, Max Pooling)",
            "假設了影像是正方形：輸出的高由輸入的高決定，寬由輸入的寬決定（講義：Max Pooling）")},
    "maxpool_out_size_over_k": {
        "fix": (
            "the output size H // k holds only for windows side by side: "
            "H' = (H − k) // stride + 1 (and likewise W')",
            "輸出大小 H // k 只在 window 一個接一個排時才對：H' = (H − k) // stride + 1"
            "（W' 也一樣）"),
        "concept": (
            "the output size counts where a window can start: one step of the stride at a "
            "time while the whole window still fits in the image (module text, Max Pooling)",
            "輸出大小是 window 能放的起點個數：每次移動一個 stride，直到整個 window 放不進影像為止"
            "（講義：Max Pooling）")},
    "maxpool_dx_assign": {
        "fix": (
            "a pixel that is the maximum of several windows keeps only one window's gradient: "
            "add, dx[..] += dout[..], in a loop (np.add.at when the indices repeat: "
            "dx[rows, cols] += dout does not accumulate)",
            "同時是好幾個 window 最大值的像素只留下一個 window 的梯度：要用加的，迴圈裡 "
            "dx[..] += dout[..]（index 會重複時用 np.add.at：dx[rows, cols] += dout 不會累加）"),
        "concept": (
            "the gradients of overlapping windows overwrite each other where they must add "
            "up: a pixel used by several windows gets the sum of their gradients (module text, "
            "Max Pooling: overlapping windows)",
            "重疊 window 的梯度互相覆蓋了，但它們應該相加：被好幾個 window 用到的像素要得到這些梯度的"
            "總和（講義：Max Pooling 的重疊 window）")},
    "maxpool_dx_ties_all_maxima": {
        "fix": (
            "every tied maximum gets the window's gradient: give it to the first maximum only "
            "(row-major), the index argmax of the flattened window returns",
            "每個相同的最大值都拿到了 window 的梯度：只給第一個最大值（row-major 順序），"
            "也就是對攤平的 window 取 argmax 得到的位置"),
        "concept": (
            "a window's gradient is counted as many times as it has equal maxima: it goes to "
            "one of them, by the course's convention the first (module text, Max Pooling: "
            "ties)",
            "window 有幾個相同的最大值，梯度就被算了幾次：梯度只給其中一個，依課程的約定是第一個"
            "（講義：Max Pooling 的平手）")},
    "maxpool_dx_ties_split": {
        "fix": (
            "the gradient is split among the tied maxima: give all of it to the first "
            "maximum (row-major), the index argmax of the flattened window returns",
            "梯度被平分給相同的最大值：要全部給第一個最大值（row-major 順序），"
            "也就是對攤平的 window 取 argmax 得到的位置"),
        "concept": (
            "splitting is a valid subgradient, but not the course's convention: the whole "
            "gradient goes to the first maximum in reading order (module text, Max Pooling: "
            "ties)",
            "平分也是合法的 subgradient，但不是課程的約定：整個梯度給閱讀順序的第一個最大值"
            "（講義：Max Pooling 的平手）")},
    "maxpool_dx_ties_last_max": {
        "fix": (
            "the gradient goes to the last of the tied maxima: take the first (row-major), "
            "flat.argmax(axis=-1) on the flattened window, or a strict > in a loop",
            "梯度給了相同最大值中的最後一個：要取第一個（row-major 順序），對攤平的 window 用 "
            "flat.argmax(axis=-1)，或在迴圈裡用嚴格的 >"),
        "concept": (
            "of equal maxima the last one is chosen: the course's convention, PyTorch's, is "
            "the first one in reading order (module text, Max Pooling: ties)",
            "相同的最大值中選了最後一個：課程的約定（也是 PyTorch 的）是閱讀順序的第一個"
            "（講義：Max Pooling 的平手）")},
    "maxpool_dx_window_transposed": {
        "fix": (
            "row and column of the maximum are swapped inside its window: the flat index a "
            "of a k×k window is row a // k, column a % k (p, q = divmod(a, k))",
            "最大值在 window 裡的列與行對調了：k×k window 的攤平 index a 對應第 a // k 列、"
            "第 a % k 行（p, q = divmod(a, k)）"),
        "concept": (
            "the position of the maximum is read back with its two coordinates swapped: a "
            "flattened window is stored row by row (module text, Max Pooling: backward)",
            "把最大值的位置讀回來時兩個座標對調了：攤平的 window 是一列一列存的"
            "（講義：Max Pooling 的反向傳播）")},
}
