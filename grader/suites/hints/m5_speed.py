"""Messages of test_m5_speed.py (the bonus: Conv2D is vectorised): key: (English, 繁體中文)."""
HINTS = {
    "too_slow": (
        "Conv2D forward + backward took {mine_ms:.1f} ms at size {size} → "
        "{filters} filters {k}x{k} ({best_ms:.1f} ms measured, {overhead_ms:.1f} ms of it "
        "the grader's own transfer); a loop over output positions takes "
        "{baseline_ms:.1f} ms: {ratio:.1f}x, the bonus needs {speedup:g}x",
        "Conv2D forward + backward 在大小 {size}、{filters} 個 {k}x{k} filter 時花了 "
        "{mine_ms:.1f} ms（量到 {best_ms:.1f} ms，其中 {overhead_ms:.1f} ms 是批改程式"
        "本身的傳輸）；對輸出位置做迴圈的版本要 {baseline_ms:.1f} ms：{ratio:.1f} 倍，"
        "加分需要 {speedup:g} 倍"),
    "remove_position_loop": {
        "fix": (
            "remove the loop over output positions: im2col turns the whole convolution into "
            "one matrix product (np.lib.stride_tricks.sliding_window_view gives every window "
            "without copying), or loop over the kh·kw kernel offsets instead of the H'·W' "
            "positions",
            "去掉對輸出位置的迴圈：im2col 把整個卷積變成一次矩陣乘法"
            "（np.lib.stride_tricks.sliding_window_view 不複製就能取得所有 window），"
            "或改成對 kh·kw 個 kernel 位移做迴圈，而不是對 H'·W' 個輸出位置"),
        "concept": (
            "the convolution still loops over output positions, many small steps in Python: "
            "arranging every window as a row of one matrix makes it a single matrix product, "
            "and a loop over the few kernel offsets is fast too (module text, im2col and col2im)",
            "卷積仍然對輸出位置做迴圈，在 Python 裡跑很多小步驟：把每個 window 排成一個矩陣的一列，"
            "整個卷積就是一次矩陣乘法；只對少數幾個 kernel 位移做迴圈也夠快（講義：im2col 與 col2im）")},
}
