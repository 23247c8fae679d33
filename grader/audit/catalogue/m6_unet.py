"""Mutants of Module 6: Upsample, ConvTranspose2D and the U-Net: see grader/audit/mutants.py
for what a mutant is."""
from ..mutants import UNET, UP, _many, _one, named

BILINEAR_SRC = "src = np.maximum((np.arange(n_out) + 0.5) / scale - 0.5, 0.0)"
NEAREST_DX = "return sum(dout[:, :, a::s, b::s] for a in range(s) for b in range(s))"
SIZES = "N, C = dout.shape[:2]\n            H, W = self.cache\n            "
BILINEAR_DX = "return A_h.T @ (dout @ A_w)"
ADD_WEIGHTS = ("np.add.at(A, (rows, i0), 1.0 - t)   # i0 == i1 at the last row: both weights "
               "add up\n    np.add.at(A, (rows, i1), t)")
# A loop over output pixels that assigns: each copy overwrites the one before.
NEAREST_DX_ASSIGN = SIZES + """dx = np.zeros((N, C, H, W))
            for i in range(H * s):
                for j in range(W * s):
                    dx[:, :, i // s, j // s] = dout[:, :, i, j]
            return dx"""
# Each output's gradient handed to i0 only (the i1 term forgotten), on both axes.
BILINEAR_DX_FIRST = """def first(n_in):
            src = np.maximum((np.arange(n_in * s) + 0.5) / s - 0.5, 0.0)
            i0 = np.floor(src).astype(int)
            B = np.zeros((n_in * s, n_in))
            B[np.arange(n_in * s), i0] = 1.0 - (src - i0)
            return B
        B_h, B_w = first(A_h.shape[1]), first(A_w.shape[1])
        return np.einsum("ih,ncij,jw->nchw", B_h, dout, B_w, optimize=True)"""
# One axis at a time with += on an index array that repeats: numpy keeps the last repeat.
BILINEAR_DX_FANCY = """def back(d, n_in):
            src = np.maximum((np.arange(n_in * s) + 0.5) / s - 0.5, 0.0)
            i0 = np.floor(src).astype(int)
            i1 = np.minimum(i0 + 1, n_in - 1)
            t = (src - i0)[:, None, None, None]
            d = np.moveaxis(d, -1, 0)
            out = np.zeros((n_in,) + d.shape[1:])
            out[i0] += (1 - t) * d
            out[i1] += t * d
            return np.moveaxis(out, 0, -1)
        dx = back(dout, A_w.shape[1])
        return back(dx.swapaxes(2, 3), A_h.shape[1]).swapaxes(2, 3)"""

MUTANTS = [
    # -- Upsample: nearest and bilinear are separate code paths
    _one("upsample-backward-picks", "m6.upsample.nearest",
         [(UP, NEAREST_DX, "return dout[:, :, ::s, ::s].copy()")],
         "PARTIAL", named("nearest_dx_one_pixel")),
    _one("upsample-backward-assign", "m6.upsample.nearest",
         [(UP, NEAREST_DX, NEAREST_DX_ASSIGN)],
         "PARTIAL", named("nearest_dx_overwritten")),
    _one("upsample-backward-mean", "m6.upsample.nearest",
         [(UP, NEAREST_DX, SIZES + "return dout.reshape(N, C, H, s, W, s).mean(axis=(3, 5))")],
         "PARTIAL", named("nearest_dx_mean")),
    _one("upsample-backward-reshape", "m6.upsample.nearest",
         [(UP, NEAREST_DX, SIZES + "return dout.reshape(N, C, s, H, s, W).sum(axis=(2, 4))")],
         "PARTIAL", named("nearest_dx_wrong_reshape")),
    _one("upsample-tile", "m6.upsample.nearest",
         [(UP, "return x.repeat(s, axis=2).repeat(s, axis=3)", "return np.tile(x, (1, 1, s, s))")],
         "PARTIAL", named("nearest_tile")),
    # axes 1 and 2, as for channels-last images
    _one("upsample-nhwc-axes", "m6.upsample.nearest",
         [(UP, "return x.repeat(s, axis=2).repeat(s, axis=3)",
           "return x.repeat(s, axis=1).repeat(s, axis=2)")],
         "PARTIAL", named("nearest_repeat_wrong_axes")),
    _one("bilinear-align-corners", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = np.arange(n_out) * (n_in - 1) / max(n_out - 1, 1)")],
         "FAIL", named("bilinear_align_corners")),
    _one("bilinear-no-half-pixel", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = np.arange(n_out) / scale")],
         "FAIL", named("bilinear_no_half_pixel")),
    _one("bilinear-no-clamp", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = (np.arange(n_out) + 0.5) / scale - 0.5")],
         "FAIL", named("bilinear_no_clamp")),
    # no clamp, and astype(int) truncates toward zero: i0 = 0 with t < 0 at the first row
    _one("bilinear-truncated-index", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = (np.arange(n_out) + 0.5) / scale - 0.5"),
          (UP, "i0 = np.floor(src).astype(int)", "i0 = src.astype(int)")],
         "FAIL", named("bilinear_truncated_index")),
    _one("bilinear-weights-swapped", "m6.upsample.bilinear",
         [(UP, ADD_WEIGHTS, "np.add.at(A, (rows, i0), t)\n    np.add.at(A, (rows, i1), 1.0 - t)")],
         "FAIL", named("bilinear_weights_swapped")),
    _one("bilinear-border-overwrite", "m6.upsample.bilinear",
         [(UP, ADD_WEIGHTS, "A[rows, i0] = 1.0 - t\n    A[rows, i1] = t")],
         "FAIL", named("bilinear_border_overwrite")),
    # the mode is never stored: every Upsample is nearest
    _one("bilinear-mode-ignored", "m6.upsample.bilinear",
         [(UP, "self.mode = mode", "self.mode = \"nearest\"")],
         "FAIL", named("bilinear_gives_nearest")),
    _one("bilinear-dx-nearest", "m6.upsample.bilinear",
         [(UP, BILINEAR_DX,
           "return dout.reshape(*dout.shape[:2], A_h.shape[1], s, A_w.shape[1], s)"
           ".sum(axis=(3, 5))")],
         "PARTIAL", named("bilinear_dx_nearest")),
    _one("bilinear-dx-first-neighbour", "m6.upsample.bilinear",
         [(UP, BILINEAR_DX, BILINEAR_DX_FIRST)],
         "PARTIAL", named("bilinear_dx_first_neighbour")),
    _one("bilinear-dx-fancy-add", "m6.upsample.bilinear",
         [(UP, BILINEAR_DX, BILINEAR_DX_FANCY)],
         "PARTIAL", named("bilinear_dx_fancy_add")),
    # -- U-Net
    _one("unet-backward-returns-none", "m6.unet.gradcheck",
         [(UNET, "        return self.enc1.backward(d, dskip1)\n",
           "        self.enc1.backward(d, dskip1)\n")],
         "PARTIAL", "should return the gradient w.r.t. the input"),
    # The encoder check builds UNetEncoder alone; the gradcheck sees it in the whole U-Net.
    _many("encoder-backward-no-dskip",
          [(UNET, "d = self.pool.backward(dout) + dskip", "d = self.pool.backward(dout)")],
          {"m6.unet.encoder": ("PARTIAL", named("encoder_dx_ignores_dskip")),
           "m6.unet.gradcheck": ("FAIL", "enc1.backward(d, dskip1)")}),
    # "Pooling" by keeping every second pixel, its backward consistent with it.
    _one("encoder-pool-by-slicing", "m6.unet.encoder",
         [(UNET, "return x, self.pool.forward(x)", "return x, x[:, :, ::2, ::2]"),
          (UNET, "d = self.pool.backward(dout) + dskip",
           "d = dskip.copy()\n        d[:, :, ::2, ::2] += dout")],
         "PARTIAL", named("encoder_pooled_strided")),
    # m6.unet.transposed probes the upsamplers' weights, whose gradients come from the decoders.
    _one("decoder-transposed-is-upsample", "m6.unet.transposed",
         [(UNET, "            self.up = ConvTranspose2D(up_channels, up_channels, 2, stride=2)",
           "            self.up = Upsample(2)")],
         "PARTIAL", "no ConvTranspose2D weights"),
    _one("decoder-dskip-zeros", "m6.unet.decoder",
         [(UNET, "return self.up.backward(d_up), dskip",
           "return self.up.backward(d_up), np.zeros_like(dskip)")],
         "PARTIAL", named("decoder_dskip_zero")),
    _one("decoder-dskip-whole-gradient", "m6.unet.decoder",
         [(UNET, "return self.up.backward(d_up), dskip", "return self.up.backward(d_up), dout")],
         "PARTIAL", named("decoder_dskip_whole_gradient")),
    _one("decoder-dx-not-upsampled-back", "m6.unet.decoder",
         [(UNET, "return self.up.backward(d_up), dskip", "return d_up, dskip")],
         "PARTIAL", named("decoder_dx_not_upsampled_back")),
    # The skip's channel count kept as the split, the order as forward's.
    _one("decoder-split-at-skip-channels", "m6.unet.decoder",
         [(UNET, "self.split = x.shape[1]", "self.split = skip.shape[1]")],
         "PARTIAL", named("decoder_split_at_skip_channels")),
    # Backward believes the skip came first; forward put x's channels first.
    _one("decoder-split-skip-first", "m6.unet.decoder",
         [(UNET, "self.split = x.shape[1]", "self.split = skip.shape[1]"),
          (UNET, "d_up, dskip = dout[:, :self.split], dout[:, self.split:]",
           "dskip, d_up = dout[:, :self.split], dout[:, self.split:]")],
         "PARTIAL", named("decoder_split_skip_first")),
    # Forward puts the skip first; backward splits in the documented order.
    _one("decoder-concat-skip-first", "m6.unet.decoder",
         [(UNET, "x = np.concatenate([x, skip], axis=1)", "x = np.concatenate([skip, x], axis=1)")],
         "PARTIAL", named("decoder_concat_skip_first")),
    _one("unet-head-two-classes", "m6.unet.shapes",
         [(UNET, "self.head = Conv2D(8, n_classes, 1)", "self.head = Conv2D(8, 2, 1)")],
         "PARTIAL", "use the n_classes argument"),
    # A ReLU after the head: logits that can never be negative. The gradient check and the
    # IoU still passed it on most seeds (8 of 14); the shapes check names it.
    _one("unet-relu-after-head", "m6.unet.shapes",
         [(UNET, "return self.head.forward(x)", "return np.maximum(self.head.forward(x), 0.0)",
           "SimpleUNet.forward")],
         "PARTIAL", "with no ReLU after it"),
    # A decoder that ignores its skip: the U-Net still learns (learns passes) but its
    # outlines are blurred (IoU 0.785–0.905 over 30 seeds, threshold 0.93).
    _many("decoder-ignores-skip",
          [(UNET, "x = np.concatenate([x, skip], axis=1)",
            "x = np.concatenate([x, np.zeros_like(skip)], axis=1)")],
          {"m6.unet.decoder": ("PARTIAL", "does not change when skip changes"),
           "m6.unet.iou": ("PARTIAL", "through the skip connections")}),
    # Concatenating before upsampling.
    _many("decoder-concat-before-upsample",
          [(UNET, "x = self.up.forward(x)\n", "x = self.up.forward(x)[:, :, ::2, ::2]\n")],
          {"m6.unet.decoder": ("ERROR", "upsample x by 2 before concatenating"),
           "m6.unet.shapes": ("ERROR", "upsample x by 2 before concatenating")}),
]
