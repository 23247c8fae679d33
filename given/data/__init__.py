"""The course's data sets, real and generated.

    download   checksum-verified downloads with mirror fallback
    mnist      the MNIST digits (IDX files)
    cifar      CIFAR-10 (the python pickles, read with a restricted unpickler)
    synthetic  generated handwritten-style digits, when MNIST is not at hand
    datasets   Dataset and load_digits: MNIST if available, else the generated digits
    shapes     generated circles and squares with per-pixel labels, and mean IoU
"""
