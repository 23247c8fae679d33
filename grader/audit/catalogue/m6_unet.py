"""Mutants of Module 6: Upsample, ConvTranspose2D and the U-Net: see grader/audit/mutants.py
for what a mutant is."""
from ..mutants import UNET, UP, _many, _one, named

BILINEAR_SRC = "src = np.maximum((np.arange(n_out) + 0.5) / scale - 0.5, 0.0)"

MUTANTS = [
    # -- Upsample: nearest and bilinear are separate code paths
    _one("upsample-backward-picks", "m6.upsample.nearest",
         [(UP, "return dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))",
           "return dout[:, :, ::s, ::s].copy()")],
         "PARTIAL", "the SUM of that s×s block"),
    _one("upsample-tile", "m6.upsample.nearest",
         [(UP, "return x.repeat(s, axis=2).repeat(s, axis=3)", "return np.tile(x, (1, 1, s, s))")],
         "PARTIAL", "np.tile repeats the whole image"),
    _one("bilinear-align-corners", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = np.arange(n_out) * (n_in - 1) / max(n_out - 1, 1)")],
         "FAIL", "align_corners=True"),
    _one("bilinear-no-clamp", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = (np.arange(n_out) + 0.5) / scale - 0.5")],
         "FAIL", "clamp at the border"),
    # -- U-Net
    _one("unet-backward-returns-none", "m6.unet.gradcheck",
         [(UNET, "        return self.enc1.backward(d, dskip1)\n",
           "        self.enc1.backward(d, dskip1)\n")],
         "PARTIAL", "should return the gradient w.r.t. the input"),
    # The encoder check builds UNetEncoder alone; the gradcheck sees it in the whole U-Net.
    _many("encoder-backward-no-dskip",
          [(UNET, "d = self.pool.backward(dout) + dskip", "d = self.pool.backward(dout)")],
          {"m6.unet.encoder": ("PARTIAL", "dx does not depend on dskip"),
           "m6.unet.gradcheck": ("FAIL", "enc1.backward(d, dskip1)")}),
    # m6.unet.transposed probes the upsamplers' weights, whose gradients come from the decoders.
    _one("decoder-transposed-is-upsample", "m6.unet.transposed",
         [(UNET, "            self.up = ConvTranspose2D(up_channels, up_channels, 2, stride=2)",
           "            self.up = Upsample(2)")],
         "PARTIAL", "no ConvTranspose2D weights"),
    _one("decoder-dskip-zeros", "m6.unet.decoder",
         [(UNET, "return self.up.backward(d_up), dskip",
           "return self.up.backward(d_up), np.zeros_like(dskip)")],
         "PARTIAL", "dskip is all zeros"),
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
