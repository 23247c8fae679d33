"""Mutants of Module 6: ConvTranspose2D (選做): see grader/audit/mutants.py for what a mutant
is."""
from ..mutants import TC, _many, _one, named

MUTANTS = [
    _many("convtranspose-crop-one-side",
          [(TC, "return Y[:, :, p:p + H_out, p:p + W_out] + self.b[None, :, None, None]",
            "return Y[:, :, :H_out, :W_out] + self.b[None, :, None, None]")],
          {"m6.convtranspose.forward": ("FAIL", "cropped from one side only"),
           "m6.convtranspose.adjoint": ("FAIL", "ConvTranspose2D is not its adjoint")}),
    _one("convtranspose-no-output-padding", "m6.convtranspose.forward",
         [(TC, "W_full = (W - 1) * s + kw + self.output_padding", "W_full = (W - 1) * s + kw")],
         "PARTIAL", "output_padding is ignored"),
    _one("convtranspose-db-mean", "m6.convtranspose.backward",
         [(TC, "self.db = dout.sum(axis=(0, 2, 3))", "self.db = dout.mean(axis=(0, 2, 3))")],
         "PARTIAL", "db sums dout over the batch"),
]
