"""The known mistakes of each suite file, one catalogue per file (`m5_loss.py` for
`test_m5_loss.py`): functions that compute what a mistake gives on a check's inputs, their
hints in the suite's table (grader/suites/hints/). The mechanism: grader/misconceptions.py."""
from grader.misconceptions import mistake  # noqa: F401  (the catalogues' decorator)
