"""Mutants of Module 6: BatchNorm2D and the ResNet blocks: see grader/audit/mutants.py for what
a mutant is."""
from ..mutants import BN, RB, _many, _one, named

# BasicBlock's end of forward and its whole tail of backward (Bottleneck has look-alikes:
# the class that follows makes each match unique).
BASIC_ADD = "        return self.relu2.forward(out + identity)\n"
BASIC_BACKWARD_TAIL = (
    "        if self.shortcut is None:\n"
    "            return dx + d_sum\n"
    "        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n")
BASIC_PROJECTION = ("identity = self.shortcut_bn.forward(self.shortcut.forward(x))\n"
                    "        return self.relu2.forward(out + identity)")
BOTTLENECK_ADD = "return self.relu3.forward(out + identity)"
BOTTLENECK_IDENTITY_GRAD = ("dx = self.conv1.backward(self.bn1.backward(self.relu1.backward(d)))\n"
                            "        if self.shortcut is None:\n            return dx + d_sum")

# The two ways of losing the shortcut, for the residual-vs-plain experiment.
NO_SHORTCUT = (  # neither `+ identity` in forward nor `+ d_sum` in backward
    (RB, BASIC_ADD, "        return self.relu2.forward(out)\n"),
    (RB, BASIC_BACKWARD_TAIL, "        return dx\n", "BasicBlock.backward"),
)
NO_SHORTCUT_GRADIENT = (NO_SHORTCUT[1],)   # adds x in forward, forgets its gradient in backward

RVP = "m6.resnet.residual_vs_plain"

# The training branch's update of the running statistics, and BatchNorm2D's normalisation.
RUNNING_MEAN = "            self.running_mean = (1 - m) * self.running_mean + m * mean\n"
RUNNING_VAR = ("            self.running_var = (1 - m) * self.running_var"
               " + m * var * n / max(n - 1, 1)\n")
EVAL_STATS = "            mean, var = self.running_mean, self.running_var\n"
NORMALISE = "        x_hat = np.multiply(centred, inv_std[None, :, None, None], out=centred)\n"
VAR = 'var = np.einsum("nchw,nchw->c", centred, centred) / n'
# The backward's last step, dx = scale * (dout - mean_d - x_hat * mean_dx) in place.
BN_DX = ("dx = x_hat * mean_dx\n    dx += mean_d\n    np.subtract(dout, dx, out=dx)\n"
         "    dx *= scale\n    return dx")
MEAN_D = "mean_d = (dbeta / M)"
MEAN_DX = "mean_dx = (dgamma / M)"
DGAMMA = 'self.dgamma = np.einsum("nchw,nchw->c", dout, x_hat)'
# The sums the backward hands to `_batchnorm_backward`: a mutant whose dgamma or dbeta is wrong
# hands it the right ones, as a student's dx does not depend on their dgamma attribute.
BN_SUMS = "inv_std, self.dgamma, self.dbeta)"


def _train_normalised(x_hat):
    """NORMALISE, with the training branch computing `x_hat` from statistics over other
    axes (kept with keepdims, as a learner writes them)."""
    return ("        if self.training:\n"
            f"            x_hat = {x_hat}\n"
            "        else:\n    " + NORMALISE)


MUTANTS = [
    # -- BatchNorm2D forward: training mode
    _one("bn-unbiased-var", "m6.batchnorm.forward",
         [(BN, VAR, VAR.replace("/ n", "/ (n - 1)"))],
         "PARTIAL", named("bn_unbiased_variance")),
    _one("bn-eps-outside-sqrt", "m6.batchnorm.forward",
         [(BN, "inv_std = 1.0 / np.sqrt(var + self.eps)",
           "inv_std = 1.0 / (np.sqrt(var) + self.eps)")],
         "PARTIAL", named("bn_eps_outside_sqrt")),
    _one("bn-no-sqrt", "m6.batchnorm.forward",
         [(BN, "inv_std = 1.0 / np.sqrt(var + self.eps)", "inv_std = 1.0 / (var + self.eps)")],
         "PARTIAL", named("bn_no_sqrt")),
    _one("bn-no-affine", "m6.batchnorm.forward",
         [(BN, "out = x_hat * self.gamma[None, :, None, None]\n"
               "        out += self.beta[None, :, None, None]\n        return out", "return x_hat")],
         "PARTIAL", named("bn_no_affine")),
    _one("bn-global-stats", "m6.batchnorm.forward",
         [(BN, "mean = x.mean(axis=(0, 2, 3))", "mean = x.mean(axis=(0, 2, 3)) * 0 + x.mean()"),
          (BN, VAR, VAR + " * 0 + x.var()")],
         "PARTIAL", named("bn_stats_whole_array")),
    _one("bn-per-pixel-stats", "m6.batchnorm.forward",
         [(BN, NORMALISE, _train_normalised(
             "(x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + self.eps)"))],
         "PARTIAL", named("bn_stats_per_pixel")),
    _one("bn-per-sample-stats", "m6.batchnorm.forward",
         [(BN, NORMALISE, _train_normalised(
             "(x - x.mean(axis=(1, 2, 3), keepdims=True)) / np.sqrt(\n"
             "                x.var(axis=(1, 2, 3), keepdims=True) + self.eps)"))],
         "PARTIAL", named("bn_stats_per_sample")),
    # -- BatchNorm2D forward: running statistics
    _one("bn-running-var-biased", "m6.batchnorm.forward",
         [(BN, "m * var * n / max(n - 1, 1)", "m * var")],
         "PARTIAL", named("bn_running_var_biased")),
    _one("bn-momentum-reversed", "m6.batchnorm.forward",
         [(BN, "m = self.momentum\n", "m = 1 - self.momentum\n")],
         "PARTIAL", named("bn_running_momentum_reversed")),
    _one("bn-running-replaced", "m6.batchnorm.forward",
         [(BN, RUNNING_MEAN, "            self.running_mean = mean\n"),
          (BN, RUNNING_VAR, "            self.running_var = var * n / max(n - 1, 1)\n")],
         "PARTIAL", named("bn_running_replaced")),
    _one("bn-running-never-updated", "m6.batchnorm.forward",
         [(BN, RUNNING_MEAN, ""), (BN, RUNNING_VAR, "")],
         "PARTIAL", named("bn_running_never_updated")),
    # -- BatchNorm2D forward: eval mode
    _one("bn-eval-uses-batch-stats", "m6.batchnorm.forward",
         [(BN, "        if self.training:\n            n = ",
           "        if True:\n            n = ")],
         "PARTIAL", named("bn_eval_uses_batch_stats")),
    _one("bn-eval-updates-running", "m6.batchnorm.forward",
         [(BN, EVAL_STATS, EVAL_STATS
           + "            self.running_mean = 0.9 * mean + 0.1 * x.mean(axis=(0, 2, 3))\n")],
         "PARTIAL", "eval mode changed the running statistics"),
    _one("bn-eval-updates-first", "m6.batchnorm.forward",
         [(BN, EVAL_STATS,
           "            n = x.shape[0] * x.shape[2] * x.shape[3]\n"
           "            m = self.momentum\n"
           "            self.running_mean = ((1 - m) * self.running_mean\n"
           "                                 + m * x.mean(axis=(0, 2, 3)))\n"
           "            self.running_var = ((1 - m) * self.running_var\n"
           "                                + m * x.var(axis=(0, 2, 3)) * n / max(n - 1, 1))\n"
           + EVAL_STATS)],
         "PARTIAL", named("bn_eval_updates_first")),
    # -- BatchNorm2D backward: dx
    _one("bn-dx-as-constants", "m6.batchnorm.backward",
         [(BN, BN_DX, "return scale * dout")],
         "PARTIAL", named("bn_dx_stats_constant")),
    _one("bn-dx-no-var-path", "m6.batchnorm.backward",
         [(BN, BN_DX, "return scale * (dout - mean_d)")],
         "PARTIAL", named("bn_dx_no_variance_path")),
    _one("bn-dx-no-mean-path", "m6.batchnorm.backward",
         [(BN, BN_DX, "return scale * (dout - x_hat * mean_dx)")],
         "PARTIAL", named("bn_dx_no_mean_path")),
    _one("bn-dx-var-over-m-minus-1", "m6.batchnorm.backward",
         [(BN, MEAN_DX, "mean_dx = (dgamma / (M - 1))")],
         "PARTIAL", named("bn_dx_unbiased_variance")),
    _one("bn-dx-sums", "m6.batchnorm.backward",
         [(BN, MEAN_D, "mean_d = (dbeta / 1)"), (BN, MEAN_DX, "mean_dx = (dgamma / 1)")],
         "PARTIAL", named("bn_dx_sums_not_means")),
    _one("bn-dx-no-inv-std", "m6.batchnorm.backward",
         [(BN, "scale = (gamma * inv_std)[None, :, None, None]\n    #",
           "scale = gamma[None, :, None, None]\n    #")],
         "PARTIAL", named("bn_dx_no_inv_std")),
    _one("bn-dx-no-gamma", "m6.batchnorm.backward",
         [(BN, "gamma = self.gamma  ", "gamma = np.ones_like(self.gamma)  ")],
         "PARTIAL", named("bn_dx_no_gamma")),
    # -- BatchNorm2D backward: dgamma, dbeta
    _one("bn-dgamma-uses-x", "m6.batchnorm.backward",
         [(BN, "        self.cache = (x_hat, inv_std, self.training)\n",
           "        self.cache = (x_hat, inv_std, self.training)\n        self.x = x\n"),
          (BN, DGAMMA, DGAMMA.replace("x_hat)", "self.x)")),
          (BN, BN_SUMS, 'inv_std, np.einsum("nchw,nchw->c", dout, x_hat), self.dbeta)')],
         "PARTIAL", named("bn_dgamma_uses_x")),
    _one("bn-dgamma-mean", "m6.batchnorm.backward",
         [(BN, DGAMMA, DGAMMA + " / (dout.size // dout.shape[1])"),
          (BN, BN_SUMS, 'inv_std, np.einsum("nchw,nchw->c", dout, x_hat), self.dbeta)')],
         "PARTIAL", named("bn_dgamma_mean")),
    _one("bn-dbeta-mean", "m6.batchnorm.backward",
         [(BN, "self.dbeta = dout.sum(axis=(0, 2, 3))", "self.dbeta = dout.mean(axis=(0, 2, 3))"),
          (BN, BN_SUMS, "inv_std, self.dgamma, dout.sum(axis=(0, 2, 3)))")],
         "PARTIAL", named("bn_dbeta_mean")),
    # -- BasicBlock, identity shortcut
    _one("block-no-shortcut-forward", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return self.relu2.forward(out)\n")],
         "PARTIAL", named("block_no_shortcut")),
    _one("block-relu-before-add", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return self.relu2.forward(out) + identity\n")],
         "PARTIAL", named("block_relu_before_addition")),
    _one("block-no-last-relu", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return out + identity\n")],
         "PARTIAL", named("block_no_last_relu")),
    _one("block-add-before-bn2", "m6.basicblock.identity",
         [(RB, "        out = self.bn2.forward(self.conv2.forward(out))\n",
           "        out = self.conv2.forward(out)\n", "BasicBlock.forward"),
          (RB, BASIC_ADD, "        return self.relu2.forward(self.bn2.forward(out + identity))\n")],
         "PARTIAL", named("block_addition_before_bn2")),
    # -- BasicBlock, projection shortcut
    _one("block-projection-no-bn", "m6.basicblock.projection",
         [(RB, BASIC_PROJECTION, BASIC_PROJECTION.replace(
             "self.shortcut_bn.forward(self.shortcut.forward(x))", "self.shortcut.forward(x)"))],
         "FAIL", named("block_projection_without_bn")),
    _one("block-projection-is-x", "m6.basicblock.projection",
         [(RB, "        if self.shortcut is None:\n            identity = x\n        else:\n"
               "            identity = self.shortcut_bn.forward(self.shortcut.forward(x))\n"
               "        return self.relu2.forward(out + identity)",
           "        identity = x\n        return self.relu2.forward(out + identity)")],
         "ERROR", "the shortcut is shortcut_bn(shortcut(x)), not x itself"),
    _one("block-stride-on-conv2", "m6.basicblock.projection",
         [(RB, "Conv2D(in_channels, out_channels, 3, stride=stride, padding=1)",
           "Conv2D(in_channels, out_channels, 3, stride=1, padding=1)", "BasicBlock.__init__"),
          (RB, "Conv2D(out_channels, out_channels, 3, stride=1, padding=1)",
           "Conv2D(out_channels, out_channels, 3, stride=stride, padding=1)",
           "BasicBlock.__init__")],
         "PARTIAL", named("block_stride_on_conv2")),
    # -- BasicBlock backward; the experiment sees the same bug as a vanishing gradient
    _many("block-backward-no-dsum", NO_SHORTCUT_GRADIENT,
          {"m6.basicblock.backward": ("PARTIAL", named("block_dx_no_shortcut_gradient")),
           RVP: ("FAIL", named("rvp_shortcut_gradient_dropped"))}),
    _one("block-backward-drops-projection-grad", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n",
             "        self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n"
             "        return dx\n"),
           "BasicBlock.backward")],
         "PARTIAL", named("block_dx_no_shortcut_gradient")),
    _one("block-backward-identity-from-dout", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace("return dx + d_sum",
                                                                "return dx + dout"),
           "BasicBlock.backward")],
         "PARTIAL", named("block_dx_shortcut_from_dout")),
    _one("block-backward-projection-from-dout", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "self.shortcut_bn.backward(d_sum)", "self.shortcut_bn.backward(dout)"),
           "BasicBlock.backward")],
         "PARTIAL", named("block_dx_shortcut_from_dout")),
    _one("block-backward-only-shortcut", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "        if self.shortcut is None:\n            return dx + d_sum\n",
             "        if self.shortcut is None:\n            return d_sum\n"),
           "BasicBlock.backward")],
         "PARTIAL", named("block_dx_only_shortcut")),
    _one("block-backward-no-relu-mask", "m6.basicblock.backward",
         [(RB, "d_sum = self.relu2.backward(dout)", "d_sum = dout", "BasicBlock.backward")],
         "FAIL", named("block_dx_no_last_relu_mask")),
    # -- Bottleneck (選做)
    _one("bottleneck-no-shortcut", "m6.bottleneck",
         [(RB, BOTTLENECK_ADD, "return self.relu3.forward(out)")],
         "FAIL", named("bottleneck_no_shortcut")),
    _one("bottleneck-stride-on-first-conv", "m6.bottleneck",
         [(RB, "Conv2D(in_channels, mid_channels, 1)",
           "Conv2D(in_channels, mid_channels, 1, stride=stride)", "Bottleneck.__init__"),
          (RB, "Conv2D(mid_channels, mid_channels, 3, stride=stride, padding=1)",
           "Conv2D(mid_channels, mid_channels, 3, stride=1, padding=1)", "Bottleneck.__init__")],
         "FAIL", named("bottleneck_stride_on_first_conv")),
    _one("bottleneck-backward-no-dsum", "m6.bottleneck",
         [(RB, BOTTLENECK_IDENTITY_GRAD, BOTTLENECK_IDENTITY_GRAD.replace("return dx + d_sum",
                                                                          "return dx"))],
         "PARTIAL", named("bottleneck_dx_no_shortcut_gradient")),
    # -- residual against plain: a block without its shortcut, forward and backward
    _one("block-no-shortcut", RVP, NO_SHORTCUT,
         "FAIL", named("rvp_no_shortcut")),
]
