"""Messages of test_m6_upsample.py (Upsample nearest and bilinear, forward and backward):
key: (English, 繁體中文), or {"fix": ..., "concept": ...} for a hint with both levels."""
HINTS = {
    "output_shape": {
        "fix": (
            "Upsample.forward returns (N, C, H·s, W·s): repeat each pixel s times along "
            "axis 2 (H) and s times along axis 3 (W) — once per axis, never along N or C",
            "Upsample.forward 應回傳 (N, C, H·s, W·s)：每個像素沿第 2 軸（H）重複 s 次、沿第 3 軸（W）"
            "重複 s 次——每個軸各一次，不要動 N 或 C"),
        "concept": (
            "upsampling enlarges only the two spatial axes, each by the scale factor; the batch "
            "and the channels stay as they are (module text, upsampling)",
            "上採樣只放大兩個空間軸，各放大倍率倍；batch 與 channel 維持不變（講義：上採樣）")},
    "nearest_tile": {
        "fix": (
            "np.tile repeats the whole image side by side; nearest repeats each "
            "pixel s times: out[i, j] = x[i // s, j // s] "
            "(x.repeat(s, axis=2).repeat(s, axis=3))",
            "np.tile 是把整張圖並排複製；nearest 是把每個像素重複 s 次："
            "out[i, j] = x[i // s, j // s]（x.repeat(s, axis=2).repeat(s, axis=3)）"),
        "concept": (
            "the whole image is copied side by side, but nearest upsampling turns each pixel into "
            "a square block of copies of itself (module text, Upsample: nearest)",
            "這是把整張圖並排複製，但 nearest 上採樣是把每個像素變成一個方塊的自身複本"
            "（講義：Upsample 的 nearest）")},
    "nearest_repeat_wrong_axes": {
        "fix": (
            "the pixels are repeated along the channel axis and H, as for an (N, H, W, C) layout: "
            "the layout is (N, C, H, W), so repeat along axes 2 and 3, "
            "x.repeat(s, axis=2).repeat(s, axis=3)",
            "像素沿 channel 軸與 H 重複，像是 (N, H, W, C) 的排列：排列是 (N, C, H, W)，所以要沿第 2、3 軸"
            "重複，x.repeat(s, axis=2).repeat(s, axis=3)"),
        "concept": (
            "the repeats are applied to the wrong axes, as if the channels came last: in the "
            "course's layout the channels come right after the batch and the two spatial axes "
            "are the last two (module text, Upsample: nearest)",
            "重複套用到錯的軸上，好像 channel 排在最後：課程的排列中 channel 緊接在 batch 之後，"
            "最後兩個才是空間軸（講義：Upsample 的 nearest）")},
    "nearest_dx_one_pixel": {
        "fix": (
            "dx takes one output pixel per block (dout[:, :, ::s, ::s]): each input pixel was "
            "copied to s×s output pixels, so its gradient is the SUM of that s×s block of "
            "dout: dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))",
            "dx 每個區塊只取了一個輸出像素（dout[:, :, ::s, ::s]）：每個輸入像素被複製到 s×s 個輸出像素，"
            "所以它的梯度是 dout 中那個 s×s 區塊的「總和」：dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))"),
        "concept": (
            "the gradient keeps one pixel of each block: an input pixel copied to the whole block "
            "receives the gradient of every copy, added up (module text, Upsample: nearest "
            "backward)",
            "梯度在每個區塊只留下一個像素：被複製到整個區塊的輸入像素，要收到每個複本的梯度並加總"
            "（講義：Upsample 的 nearest 反向傳播）")},
    "nearest_dx_overwritten": {
        "fix": (
            "dx holds the last pixel of each block: dx[..., i // s, j // s] = dout[..., i, j] "
            "overwrites the copies before it; accumulate with += (or "
            "dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5)))",
            "dx 只留下每個區塊的最後一個像素：dx[..., i // s, j // s] = dout[..., i, j] 會蓋掉前面的複本；"
            "要用 += 累加（或 dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))）"),
        "concept": (
            "each copy's gradient replaces the previous one instead of adding to it: gradients "
            "arriving at the same input pixel accumulate (module text, Upsample: nearest "
            "backward)",
            "每個複本的梯度取代了前一個，而不是加上去：送到同一個輸入像素的梯度要累加"
            "（講義：Upsample 的 nearest 反向傳播）")},
    "nearest_dx_mean": {
        "fix": (
            "dx is the mean of each s×s block: take the sum — every copy of the "
            "pixel passes its whole gradient back (.sum(axis=(3, 5)), not .mean)",
            "dx 是每個 s×s 區塊的平均：要用總和——像素的每個複本都把完整的梯度傳回來"
            "（.sum(axis=(3, 5))，不是 .mean）"),
        "concept": (
            "the block's gradients are averaged: every copy depends on the input pixel with "
            "weight one, so each passes its whole gradient back and they add up (module text, "
            "Upsample: nearest backward)",
            "區塊的梯度被平均了：每個複本對輸入像素的係數都是 1，所以各自把完整的梯度傳回來，再加總"
            "（講義：Upsample 的 nearest 反向傳播）")},
    "nearest_dx_wrong_reshape": {
        "fix": (
            "dx sums the wrong pixels: reshape dout to (N, C, H, s, W, s) (each "
            "input row's s copies are adjacent), not (N, C, s, H, s, W)",
            "dx 加總到錯的像素：dout 要 reshape 成 (N, C, H, s, W, s)（同一列的 s 個複本相鄰），"
            "不是 (N, C, s, H, s, W)"),
        "concept": (
            "the sums gather pixels that are not copies of the same input pixel: the copies of "
            "one pixel are neighbours in the output (module text, Upsample: nearest backward)",
            "加總的像素並不是同一個輸入像素的複本：同一個像素的複本在輸出中彼此相鄰"
            "（講義：Upsample 的 nearest 反向傳播）")},
    "bilinear_align_corners": {
        "fix": (
            "your bilinear upsampling uses align_corners=True (src = i·(H−1)/(H·s−1), corners "
            "on corners); this course uses PyTorch's default align_corners=False: "
            "src = (i + 0.5)/s − 0.5, clamped at 0",
            "你的 bilinear 用的是 align_corners=True（src = i·(H−1)/(H·s−1)，角對齊角）；本課程採用 "
            "PyTorch 的預設 align_corners=False：src = (i + 0.5)/s − 0.5，小於 0 時夾到 0"),
        "concept": (
            "this is the other convention, which aligns the corner pixels of input and output; "
            "the course aligns pixel centres, PyTorch's default (module text, Upsample: "
            "bilinear)",
            "這是另一種慣例，讓輸入與輸出的角落像素對齊；本課程對齊的是像素中心，也就是 PyTorch 的預設"
            "（講義：Upsample 的 bilinear）")},
    "bilinear_no_half_pixel": {
        "fix": (
            "the half-pixel offset is missing: output pixel i samples src = (i + 0.5)/s − 0.5, "
            "not i/s (pixel centres, not pixel corners, are aligned)",
            "少了半個像素的位移：輸出像素 i 取樣的位置是 src = (i + 0.5)/s − 0.5，不是 i/s"
            "（對齊的是像素中心，不是角）"),
        "concept": (
            "the sampling position lacks the half-pixel offset: a pixel's position is its centre, "
            "so output and input centres are matched, not their left edges (module text, "
            "Upsample: bilinear)",
            "取樣位置少了半個像素的位移：像素的位置是它的中心，要對齊的是輸出與輸入的中心，不是左緣"
            "（講義：Upsample 的 bilinear）")},
    "bilinear_no_clamp": {
        "fix": (
            "src is not clamped at 0: for the first outputs src < 0, i0 = floor(src) = −1, and "
            "x[-1] silently reads the last row; src = np.maximum((i + 0.5) / s - 0.5, 0.0)",
            "src 沒有夾到 0：最前面幾個輸出的 src < 0，i0 = floor(src) = −1，而 x[-1] 會默默讀到最後一列；"
            "src = np.maximum((i + 0.5) / s - 0.5, 0.0)"),
        "concept": (
            "the source position of the first outputs lies before the first pixel and is not "
            "clamped, so they blend in a pixel from the opposite border (module text, Upsample: "
            "bilinear, the border)",
            "最前面幾個輸出的來源位置落在第一個像素之前而沒有被夾住，於是混進了另一端邊界的像素"
            "（講義：Upsample 的 bilinear，邊界）")},
    "bilinear_truncated_index": {
        "fix": (
            "src is not clamped and i0 = int(src) (or .astype(int)) rounds −0.25 up to 0: "
            "t = src − i0 is then negative and the first outputs extrapolate; clamp first, "
            "src = np.maximum(src, 0.0), then i0 = np.floor(src).astype(int)",
            "src 沒有夾住，而 i0 = int(src)（或 .astype(int)）會把 −0.25 變成 0：t = src − i0 因此是負的，"
            "最前面的輸出變成外插；要先夾住 src = np.maximum(src, 0.0)，再 i0 = np.floor(src).astype(int)"),
        "concept": (
            "the first outputs extrapolate past the border: their unclamped source position is "
            "negative and rounding toward zero gives a negative blend weight — the position must "
            "be clamped to the first pixel (module text, Upsample: bilinear, the border)",
            "最前面的輸出超出邊界做了外插：它們沒被夾住的來源位置是負的，往 0 取整後得到負的混合權重"
            "——來源位置要夾到第一個像素（講義：Upsample 的 bilinear，邊界）")},
    "bilinear_weights_swapped": {
        "fix": (
            "the weights are swapped: out = (1 − t)·x[i0] + t·x[i1] with t = src − i0, so t "
            "multiplies the FAR neighbour i1, not i0",
            "權重對調了：out = (1 − t)·x[i0] + t·x[i1]，t = src − i0，所以 t 乘的是較遠的鄰居 i1，不是 i0"),
        "concept": (
            "the blend weights are swapped: the neighbour closer to the sampling position must "
            "get the larger weight (module text, Upsample: bilinear)",
            "混合權重對調了：離取樣位置較近的鄰居要得到較大的權重（講義：Upsample 的 bilinear）")},
    "bilinear_border_overwrite": {
        "fix": (
            "at the last rows i0 == i1 and the second weight overwrites the first "
            "(A[i, i1] = t after A[i, i0] = 1 − t): add the weights, np.add.at(A, (rows, i0), "
            "1 - t) and np.add.at(A, (rows, i1), t)",
            "最後幾列 i0 == i1，第二個權重蓋掉了第一個（A[i, i0] = 1 − t 之後又 A[i, i1] = t）：要把權重加起來，"
            "np.add.at(A, (rows, i0), 1 - t) 與 np.add.at(A, (rows, i1), t)"),
        "concept": (
            "where both neighbours are the same border pixel, one weight replaces the other "
            "instead of adding to it, so the border outputs lose weight (module text, Upsample: "
            "bilinear, the border)",
            "在兩個鄰居是同一個邊界像素的地方，一個權重取代了另一個而不是相加，邊界的輸出因此少了權重"
            "（講義：Upsample 的 bilinear，邊界）")},
    "bilinear_border_clamp": {
        "fix": (
            "the border is wrong but the interior is right: clamp at the border — "
            "src = max(src, 0) (at the first row src is negative), and i1 = min(i0 + 1, H − 1) at "
            "the last; a negative index in numpy silently reads the last row",
            "內部正確但邊界錯了：邊界要夾住——src = max(src, 0)（第一列的 src 是負的），最後一列 "
            "i1 = min(i0 + 1, H − 1)；numpy 的負索引會默默讀到最後一列"),
        "concept": (
            "only the border is wrong: at the first and last rows the source position or its "
            "neighbour falls outside the image and must be clamped to the border pixel (module "
            "text, Upsample: bilinear, the border)",
            "只有邊界錯了：第一列與最後一列的來源位置或它的鄰居落在影像之外，要夾到邊界的像素"
            "（講義：Upsample 的 bilinear，邊界）")},
    "bilinear_index_past_border": {
        "fix": (
            "an index ran past the border: clamp at the border — i1 = min(i0 + 1, H − 1) at the "
            "last row/column, and src = max(src, 0) at the first",
            "索引超出邊界：邊界要夾住——最後一列／行 i1 = min(i0 + 1, H − 1)，第一列／行 src = max(src, 0)"),
        "concept": (
            "the second neighbour of the last outputs lies past the last pixel: at the border "
            "both neighbours are the border pixel (module text, Upsample: bilinear, the border)",
            "最後幾個輸出的第二個鄰居落在最後一個像素之後：在邊界上兩個鄰居都是邊界像素"
            "（講義：Upsample 的 bilinear，邊界）")},
    "bilinear_gives_nearest": {
        "fix": (
            "mode='bilinear' gives the nearest-neighbour result: blend the "
            "two neighbours, (1 − t)·x[i0] + t·x[i1]",
            "mode='bilinear' 卻得到 nearest 的結果：要混合兩個鄰居，(1 − t)·x[i0] + t·x[i1]"),
        "concept": (
            "bilinear mode copies the nearest pixel: it must blend the two neighbours on each "
            "axis, weighted by the distance (module text, Upsample: bilinear)",
            "bilinear 模式複製了最近的像素：它要在每個軸上依距離加權混合兩個鄰居（講義：Upsample 的 bilinear）")},
    "bilinear_blend": {
        "fix": (
            "bilinear is separable: out = (1 − t)·x[i0] + t·x[i1] along H, then the same along "
            "W, with t = src − i0 (t multiplies the FAR neighbour i1)",
            "bilinear 可以分開做：先沿 H 算 out = (1 − t)·x[i0] + t·x[i1]，再沿 W 做一樣的事，t = src − i0"
            "（t 乘的是較遠的鄰居 i1）"),
        "concept": (
            "bilinear interpolation is a blend of two neighbours along one axis, then the same "
            "along the other, each weighted by how close it is (module text, Upsample: bilinear)",
            "bilinear 插值是先沿一個軸混合兩個鄰居，再沿另一個軸做一樣的事，權重取決於距離"
            "（講義：Upsample 的 bilinear）")},
    "bilinear_dx_nearest": {
        "fix": (
            "dx is the nearest-mode gradient (block sums): in bilinear mode "
            "each output pixel hands dout back to the (up to) four input "
            "pixels it blended, each times its weight: dx = A_Hᵀ · dout · A_W",
            "dx 是 nearest 模式的梯度（區塊加總）：bilinear 模式中，每個輸出像素要把 dout "
            "乘上各自的權重，還給它混合的（最多）四個輸入像素：dx = A_Hᵀ · dout · A_W"),
        "concept": (
            "the bilinear backward routes the gradient as the nearest mode does: it must follow "
            "the blend weights of its own forward (module text, Upsample: bilinear backward)",
            "bilinear 的反向傳播用了 nearest 模式的梯度路徑：它要依照自己前向傳播的混合權重"
            "（講義：Upsample 的 bilinear 反向傳播）")},
    "bilinear_dx_first_neighbour": {
        "fix": (
            "dx gives each output's gradient to i0 only: add dout·t to x[i1] as well as "
            "dout·(1 − t) to x[i0], on both axes (dx = A_Hᵀ · dout · A_W does both)",
            "dx 只把每個輸出的梯度交給 i0：除了把 dout·(1 − t) 加到 x[i0]，也要把 dout·t 加到 x[i1]，"
            "兩個軸都是（dx = A_Hᵀ · dout · A_W 兩者都做了）"),
        "concept": (
            "the gradient goes back to only one of the blended pixels: every pixel that "
            "contributed to an output gets that output's gradient times its weight (module "
            "text, Upsample: bilinear backward)",
            "梯度只還給了其中一個被混合的像素：每個對輸出有貢獻的像素都要收到該輸出的梯度乘上它的權重"
            "（講義：Upsample 的 bilinear 反向傳播）")},
    "bilinear_dx_fancy_add": {
        "fix": (
            "dx[:, :, i0] += ... with an index array that repeats keeps only the last repeat "
            "(numpy does not accumulate there): use np.add.at(dx, (..., i0), ...), or "
            "dx = A_Hᵀ · dout · A_W",
            "dx[:, :, i0] += ... 的索引陣列有重複時，只會留下最後一個（numpy 不會在那裡累加）："
            "改用 np.add.at(dx, (..., i0), ...)，或 dx = A_Hᵀ · dout · A_W"),
        "concept": (
            "several outputs hand their gradient to the same input pixel, but an in-place "
            "addition through a repeated index array keeps only one of them: the contributions "
            "must all add up (module text, Upsample: bilinear backward)",
            "好幾個輸出把梯度交給同一個輸入像素，但透過有重複的索引陣列原地相加只會留下其中一個："
            "所有貢獻都要加總（講義：Upsample 的 bilinear 反向傳播）")},
    "bilinear_dx_transpose": {
        "fix": (
            "backward is the transpose of forward: with out = A_H · x · A_Wᵀ, "
            "dx = A_Hᵀ · dout · A_W — every input pixel receives each output "
            "gradient times the weight it had in that output (+=: the "
            "contributions add up)",
            "backward 是 forward 的轉置：out = A_H · x · A_Wᵀ，則 dx = A_Hᵀ · dout · A_W——"
            "每個輸入像素收到每個輸出梯度乘上它在該輸出中的權重（用 +=：貢獻要加總）"),
        "concept": (
            "the backward of a linear map is its transpose: every input pixel receives each "
            "output's gradient times the weight it had in that output (module text, Upsample: "
            "bilinear backward)",
            "線性映射的反向傳播是它的轉置：每個輸入像素收到每個輸出的梯度乘上它在該輸出中的權重"
            "（講義：Upsample 的 bilinear 反向傳播）")},
}
