"""Messages of test_m5_pool.py (MaxPool2D forward and backward): key: (English, 繁體中文)."""
HINTS = {
    "forward_overlapping": (
        "overlapping windows fail: with stride < kernel_size, H' = (H − k) // stride + 1 "
        "and window (i, j) starts at row i·stride, column j·stride and spans k",
        "重疊的 window 出錯：stride < kernel_size 時 H' = (H − k) // stride + 1，"
        "第 (i, j) 個 window 從第 i·stride 列、第 j·stride 行開始，大小是 k"),
    "forward_non_square": (
        "non-square input fails: take H and W separately from x.shape "
        "(H' = (H − k) // stride + 1, W' = (W − k) // stride + 1)",
        "非正方形輸入出錯：H 與 W 要分別從 x.shape 取"
        "（H' = (H − k) // stride + 1，W' = (W − k) // stride + 1）"),
    "backward_overlap_adds": (
        "+= not =: overlapping windows share pixels, and every window adds its "
        "gradient to its maximum (dx[..] += dout[..])",
        "要用 += 不是 =：重疊的 window 共用像素，每個 window 都要把梯度加到它的最大值上（dx[..] += dout[..]）"),
    "backward_ties_first_max": (
        "a window with equal maxima sends its gradient to the first one (row-major), not "
        "to all of them: PyTorch's rule; argmax over the flattened window gives that one",
        "window 裡有多個相同最大值時，梯度只給第一個（row-major 順序），不是全部：這是 PyTorch 的規則；"
        "對攤平的 window 取 argmax 就是那一個"),
}
