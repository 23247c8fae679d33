"""Messages of test_m6_upsample.py (Upsample nearest and bilinear, forward and backward):
key: (English, 繁體中文)."""
HINTS = {
    "output_shape": (
        "Upsample.forward returns (N, C, H·s, W·s): repeat each pixel s times along "
        "axis 2 (H) and s times along axis 3 (W) — once per axis, never along N or C",
        "Upsample.forward 應回傳 (N, C, H·s, W·s)：每個像素沿第 2 軸（H）重複 s 次、沿第 3 軸（W）"
        "重複 s 次——每個軸各一次，不要動 N 或 C"),
    "nearest_tile": (
        "np.tile repeats the whole image side by side; nearest repeats each "
        "pixel s times: out[i, j] = x[i // s, j // s] "
        "(x.repeat(s, axis=2).repeat(s, axis=3))",
        "np.tile 是把整張圖並排複製；nearest 是把每個像素重複 s 次："
        "out[i, j] = x[i // s, j // s]（x.repeat(s, axis=2).repeat(s, axis=3)）"),
    "nearest_dx_one_pixel": (
        "dx takes one output pixel per block: each input pixel was copied to "
        "s×s output pixels, so its gradient is the SUM of that s×s block of "
        "dout (+=, or dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))), not "
        "an assignment (=)",
        "dx 每個區塊只取了一個輸出像素：每個輸入像素被複製到 s×s 個輸出像素，"
        "所以它的梯度是 dout 中那個 s×s 區塊的「總和」（用 +=，或 "
        "dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))），不是指定（=）"),
    "nearest_dx_mean": (
        "dx is the mean of each s×s block: take the sum — every copy of the "
        "pixel passes its whole gradient back",
        "dx 是每個 s×s 區塊的平均：要用總和——像素的每個複本都把完整的梯度傳回來"),
    "nearest_dx_wrong_reshape": (
        "dx sums the wrong pixels: reshape dout to (N, C, H, s, W, s) (each "
        "input row's s copies are adjacent), not (N, C, s, H, s, W)",
        "dx 加總到錯的像素：dout 要 reshape 成 (N, C, H, s, W, s)（同一列的 s 個複本相鄰），"
        "不是 (N, C, s, H, s, W)"),
    "bilinear_align_corners": (
        "your bilinear upsampling uses align_corners=True (src = i·(H−1)/(H·s−1), corners on "
        "corners); this course uses PyTorch's default align_corners=False: src = (i + 0.5)/s − 0.5, "
        "clamped at 0",
        "你的 bilinear 用的是 align_corners=True（src = i·(H−1)/(H·s−1)，角對齊角）；本課程採用 PyTorch 的"
        "預設 align_corners=False：src = (i + 0.5)/s − 0.5，小於 0 時夾到 0"),
    "bilinear_no_half_pixel": (
        "the half-pixel offset is missing: output pixel i samples src = (i + 0.5)/s − 0.5, not i/s "
        "(pixel centres, not pixel corners, are aligned)",
        "少了半個像素的位移：輸出像素 i 取樣的位置是 src = (i + 0.5)/s − 0.5，不是 i/s（對齊的是像素中心，不是角）"),
    "bilinear_border_clamp": (
        "the border is wrong but the interior is right: clamp at the border — src = max(src, 0) "
        "(at the first row src is negative), and i1 = min(i0 + 1, H − 1) at the last; a negative "
        "index in numpy silently reads the last row",
        "內部正確但邊界錯了：邊界要夾住——src = max(src, 0)（第一列的 src 是負的），最後一列 i1 = min(i0 + 1, H − 1)；"
        "numpy 的負索引會默默讀到最後一列"),
    "bilinear_index_past_border": (
        "an index ran past the border: clamp at the border — i1 = min(i0 + 1, H − 1) at the last "
        "row/column, and src = max(src, 0) at the first",
        "索引超出邊界：邊界要夾住——最後一列／行 i1 = min(i0 + 1, H − 1)，第一列／行 src = max(src, 0)"),
    "bilinear_gives_nearest": (
        "mode='bilinear' gives the nearest-neighbour result: blend the "
        "two neighbours, (1 − t)·x[i0] + t·x[i1]",
        "mode='bilinear' 卻得到 nearest 的結果：要混合兩個鄰居，(1 − t)·x[i0] + t·x[i1]"),
    "bilinear_blend": (
        "bilinear is separable: out = (1 − t)·x[i0] + t·x[i1] along H, then the same along W, with "
        "t = src − i0 (t multiplies the FAR neighbour i1)",
        "bilinear 可以分開做：先沿 H 算 out = (1 − t)·x[i0] + t·x[i1]，再沿 W 做一樣的事，t = src − i0"
        "（t 乘的是較遠的鄰居 i1）"),
    "bilinear_dx_nearest": (
        "dx is the nearest-mode gradient (block sums): in bilinear mode "
        "each output pixel hands dout back to the (up to) four input "
        "pixels it blended, each times its weight",
        "dx 是 nearest 模式的梯度（區塊加總）：bilinear 模式中，每個輸出像素要把 dout "
        "乘上各自的權重，還給它混合的（最多）四個輸入像素"),
    "bilinear_dx_transpose": (
        "backward is the transpose of forward: with out = A_H · x · A_Wᵀ, "
        "dx = A_Hᵀ · dout · A_W — every input pixel receives each output "
        "gradient times the weight it had in that output (+=: the "
        "contributions add up)",
        "backward 是 forward 的轉置：out = A_H · x · A_Wᵀ，則 dx = A_Hᵀ · dout · A_W——"
        "每個輸入像素收到每個輸出梯度乘上它在該輸出中的權重（用 +=：貢獻要加總）"),
}
