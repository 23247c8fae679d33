"""The shipped mutant catalogue, one file per area (the machinery: grader/audit/mutants.py).
Each file holds `MUTANTS = [...]`; the catalogue is their concatenation, in this order."""
from . import m5_conv, m5_layers, m5_training, m6_resnet, m6_transposed, m6_unet

CATALOGUE = tuple(m5_layers.MUTANTS + m5_conv.MUTANTS + m5_training.MUTANTS
                  + m6_resnet.MUTANTS + m6_unet.MUTANTS + m6_transposed.MUTANTS)
