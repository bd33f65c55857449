"""Fit a two-layer perceptron to scikit-learn's handwritten digits with raw tensors.

Everything here is minigrad's Tensor and autograd only: the layers are matrix
products, the loss is a hand-written cross-entropy, the optimiser is plain SGD.
Run it with `make demo` or `python examples/mlp_digits.py --epochs 30`.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits
from tqdm import trange

import minigrad as mg


def cross_entropy(logits: mg.Tensor, labels: np.ndarray) -> mg.Tensor:
    """Mean of -log softmax(logits)[label], computed stably (max subtracted first)."""
    shifted = logits - logits.max(dim=1, keepdim=True).values.detach()
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    return -log_probs[np.arange(len(labels)), labels].mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    digits = load_digits()
    images = (digits.data / 16.0).astype(np.float32)
    labels = digits.target
    order = np.random.default_rng(args.seed).permutation(len(labels))
    train, test = order[:1500], order[1500:]

    mg.manual_seed(args.seed)
    w1 = (mg.randn(64, 64) * (1 / 8)).requires_grad_()
    b1 = mg.zeros(64, requires_grad=True)
    w2 = (mg.randn(64, 10) * (1 / 8)).requires_grad_()
    b2 = mg.zeros(10, requires_grad=True)
    parameters = [w1, b1, w2, b2]

    def forward(x: np.ndarray) -> mg.Tensor:
        return (mg.tensor(x) @ w1 + b1).relu() @ w2 + b2

    batches = len(train) // args.batch_size
    progress = trange(args.epochs, desc="mlp")
    epoch_losses = []
    for epoch in progress:
        shuffled = np.random.default_rng(args.seed + epoch).permutation(train)
        total = 0.0
        for start in range(0, batches * args.batch_size, args.batch_size):
            batch = shuffled[start : start + args.batch_size]
            loss = cross_entropy(forward(images[batch]), labels[batch])
            for p in parameters:
                p.grad = None
            loss.backward()
            with mg.no_grad():
                for p in parameters:
                    p.data -= args.lr * p.grad
            total += loss.item()
        epoch_losses.append(total / batches)
        progress.set_postfix(loss=f"{epoch_losses[-1]:.3f}")
    print(f"training loss: first epoch {epoch_losses[0]:.3f}, last epoch {epoch_losses[-1]:.3f}")
    with mg.no_grad():
        predicted = forward(images[test]).argmax(dim=1).numpy()
    accuracy = float((predicted == labels[test]).mean())
    print(f"held-out accuracy on {len(test)} digits: {accuracy:.3f}")


if __name__ == "__main__":
    main()
