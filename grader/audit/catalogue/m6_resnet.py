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

MUTANTS = [
    # -- BatchNorm2D forward
    _one("bn-running-var-biased", "m6.batchnorm.forward",
         [(BN, "m * var * n / max(n - 1, 1)", "m * var")],
         "PARTIAL", "running_var uses the biased variance"),
    _one("bn-momentum-reversed", "m6.batchnorm.forward",
         [(BN, "m = self.momentum\n", "m = 1 - self.momentum\n")],
         "PARTIAL", "the momentum is applied the other way round"),
    _one("bn-eval-uses-batch-stats", "m6.batchnorm.forward",
         [(BN, "        if self.training:\n            n = ", "        if True:\n            n = ")],
         "PARTIAL", "eval mode still normalises with the batch's statistics"),
    _one("bn-eval-updates-running", "m6.batchnorm.forward",
         [(BN, "            mean, var = self.running_mean, self.running_var\n",
           "            mean, var = self.running_mean, self.running_var\n"
           "            self.running_mean = 0.9 * mean + 0.1 * x.mean(axis=(0, 2, 3))\n")],
         "PARTIAL", "eval mode changed the running statistics"),
    _one("bn-unbiased-var", "m6.batchnorm.forward",
         [(BN, "var = x.var(axis=(0, 2, 3))            #", "var = x.var(axis=(0, 2, 3), ddof=1)  #")],
         "PARTIAL", "normalised with the unbiased variance"),
    _one("bn-eps-outside-sqrt", "m6.batchnorm.forward",
         [(BN, "inv_std = 1.0 / np.sqrt(var + self.eps)",
           "inv_std = 1.0 / (np.sqrt(var) + self.eps)")],
         "PARTIAL", "eps belongs inside the square root"),
    _one("bn-no-affine", "m6.batchnorm.forward",
         [(BN, "return self.gamma[None, :, None, None] * x_hat + self.beta[None, :, None, None]",
           "return x_hat")],
         "PARTIAL", "the output is x̂ itself"),
    _one("bn-global-stats", "m6.batchnorm.forward",
         [(BN, "mean = x.mean(axis=(0, 2, 3))", "mean = x.mean(axis=(0, 2, 3)) * 0 + x.mean()"),
          (BN, "var = x.var(axis=(0, 2, 3))            #",
           "var = x.var(axis=(0, 2, 3)) * 0 + x.var()  #")],
         "PARTIAL", "the statistics are over the wrong axes"),
    # -- BatchNorm2D backward
    _one("bn-dx-as-constants", "m6.batchnorm.backward",
         [(BN, "return scale * (dx_hat - mean_d - x_hat * mean_dx)", "return scale * dx_hat")],
         "PARTIAL", "dx ignores that the batch mean and variance depend on x"),
    _one("bn-dx-no-var-path", "m6.batchnorm.backward",
         [(BN, "return scale * (dx_hat - mean_d - x_hat * mean_dx)",
           "return scale * (dx_hat - mean_d)")],
         "PARTIAL", "dx misses the path through the variance"),
    _one("bn-dx-no-mean-path", "m6.batchnorm.backward",
         [(BN, "return scale * (dx_hat - mean_d - x_hat * mean_dx)",
           "return scale * (dx_hat - x_hat * mean_dx)")],
         "PARTIAL", "dx misses the path through the mean"),
    _one("bn-dx-no-gamma", "m6.batchnorm.backward",
         [(BN, "dx_hat = dout * self.gamma[None, :, None, None]", "dx_hat = dout")],
         "PARTIAL", "dx lacks the factor gamma"),
    _one("bn-dbeta-mean", "m6.batchnorm.backward",
         [(BN, "self.dbeta = dout.sum(axis=(0, 2, 3))", "self.dbeta = dout.mean(axis=(0, 2, 3))")],
         "PARTIAL", "dbeta"),
    # -- BasicBlock, identity shortcut
    _one("block-no-shortcut-forward", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return self.relu2.forward(out)\n")],
         "PARTIAL", "the shortcut is missing"),
    _one("block-relu-before-add", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return self.relu2.forward(out) + identity\n")],
         "PARTIAL", "ReLU comes after the addition"),
    _one("block-no-last-relu", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return out + identity\n")],
         "PARTIAL", "the last ReLU is missing"),
    # -- BasicBlock, projection shortcut
    _one("block-projection-no-bn", "m6.basicblock.projection",
         [(RB, BASIC_PROJECTION, BASIC_PROJECTION.replace(
             "self.shortcut_bn.forward(self.shortcut.forward(x))", "self.shortcut.forward(x)"))],
         "FAIL", "a 1x1 Conv2D followed by its own BatchNorm2D"),
    _one("block-projection-is-x", "m6.basicblock.projection",
         [(RB, "        if self.shortcut is None:\n            identity = x\n        else:\n"
               "            identity = self.shortcut_bn.forward(self.shortcut.forward(x))\n"
               "        return self.relu2.forward(out + identity)",
           "        identity = x\n        return self.relu2.forward(out + identity)")],
         "ERROR", "the shortcut is shortcut_bn(shortcut(x)), not x itself"),
    # -- BasicBlock backward; the experiment sees the same bug as a vanishing gradient
    _many("block-backward-no-dsum", NO_SHORTCUT_GRADIENT,
          {"m6.basicblock.backward": ("PARTIAL", "dx lacks the shortcut's gradient"),
           RVP: ("FAIL", "the gradient hardly reaches the first layer")}),
    _one("block-backward-drops-projection-grad", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n",
             "        self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n        return dx\n"),
           "BasicBlock.backward")],
         "PARTIAL", "dx lacks the shortcut's gradient"),
    _one("block-backward-projection-from-dout", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "self.shortcut_bn.backward(d_sum)", "self.shortcut_bn.backward(dout)"),
           "BasicBlock.backward")],
         "PARTIAL", "the shortcut's parameters get their gradients from d_sum too"),
    _one("block-backward-only-shortcut", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "        if self.shortcut is None:\n            return dx + d_sum\n",
             "        if self.shortcut is None:\n            return d_sum\n"),
           "BasicBlock.backward")],
         "PARTIAL", "dx is only the shortcut's gradient"),
    # -- Bottleneck (選做)
    _one("bottleneck-no-shortcut", "m6.bottleneck",
         [(RB, BOTTLENECK_ADD, "return self.relu3.forward(out)")],
         "FAIL", "the shortcut is missing"),
    _one("bottleneck-backward-no-dsum", "m6.bottleneck",
         [(RB, BOTTLENECK_IDENTITY_GRAD, BOTTLENECK_IDENTITY_GRAD.replace("return dx + d_sum",
                                                                          "return dx"))],
         "PARTIAL", "dx lacks the shortcut's gradient"),
    # -- residual against plain: a block without its shortcut, forward and backward
    _one("block-no-shortcut", RVP, NO_SHORTCUT,
         "FAIL", "the residual run and the plain run are the same"),
]
