"""Messages of oracles_m5_training.py (trusted helpers of the Module 5 training suites):
key: (English, 繁體中文)."""
HINTS = {
    "skeleton_pass": ("{qualname} is still the skeleton's `pass`: a TODO",
                      "{qualname} 還是骨架裡的 `pass`：這部分還是 TODO"),
}
