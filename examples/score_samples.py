"""Score generated digits: are they recognisable, varied, and not copies of the training set?

Usage: ``python examples/score_samples.py out/dcgan_digits/samples.npy [more.npy ...]``.
Each file holds a float array (N, 8, 8) on the digits' 0..16 pixel scale. For each it
prints issue 5's measures (computed by ``_digits.score_samples``):

- the mean top-class probability that a multinomial logistic regression, fitted on all
  1,797 real digits (pixels / 16), gives the samples (bar: at least 0.8; held-out real
  digits score about 0.91 with the same kind of classifier);
- the share of samples given each label (bar: every class at least 3%);
- the mean distance from a sample to its nearest training image, beside the mean
  distance from a training image to its nearest other one and between two training
  images (copies of the training set would score near 0).
"""

from __future__ import annotations

import argparse

import _digits
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="samples.npy files, (N, 8, 8) in 0..16")
    args = parser.parse_args()
    print(
        f"held-out real digits, for reference: mean top-class probability "
        f"{_digits.real_digit_reference():.3f}"
    )
    for path in args.paths:
        print(f"{path}:")
        print(_digits.format_scores(_digits.score_samples(np.load(path))))


if __name__ == "__main__":
    main()
