#!/usr/bin/env python3
"""Generate the TorchScript test fixtures shipped in maasdk-testkit.

Run from the repository root with Debian's torch (python3-torch, python3-sklearn):

    /usr/bin/python3 tools/make_models.py

Everything is written below maasdk-testkit/src/main/resources/io/maasdk/testkit/models/. Seeds are fixed,
torch runs single-threaded and string hashing is pinned (TorchScript writes module
constants in set order), so re-running from the same checkout path reproduces the
same bytes; the archives embed this script's absolute path as debug info. After
writing, every model is re-loaded with torch.jit.load and checked, and reference
timings are printed (timings are only printed, never written to a file).
"""

import csv
import gzip
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "maasdk-testkit" / "src" / "main" / "resources" / "io" / "maasdk" / "testkit" / "models"

SPLIT_SEED = 0        # train/test split of the digits data
TEST_SIZE = 400       # 1797 samples -> 1397 train / 400 test
EXPECTED_ROWS = 16    # expected.csv holds logits for the first 16 test samples
BATCH_SIZE = 32
LEARNING_RATE = 1e-3

SLOW_DIM = 128        # slow model: size of the square matrix it multiplies ...
SLOW_STEPS = 50       # ... and how many chained matmuls it does per call

BENCH_DIMS = [512, 1024, 1024, 10]
BENCH_WEIGHT = 0.03   # bench weights are drawn from {-BENCH_WEIGHT, 0, +BENCH_WEIGHT}


def fmt(value):
    """Format a float32 with 9 significant digits, enough to round-trip exactly."""
    return "%.9g" % float(value)


# ---------------------------------------------------------------- digits data

def load_digits_split():
    """Return (x_train, y_train, x_test, y_test); x is float32 in [0, 1], y int64."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y)
    return (torch.from_numpy(x_train), torch.from_numpy(y_train),
            torch.from_numpy(x_test), torch.from_numpy(y_test))


def write_test_csv(path, x_test, y_test):
    """One line per sample: label,f0,...,f63."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for features, label in zip(x_test.tolist(), y_test.tolist()):
            writer.writerow([label] + [fmt(v) for v in features])


# ---------------------------------------------------------------- digits models

class Mlp(nn.Module):
    """64 -> hidden -> 10 with ReLU; returns logits."""

    def __init__(self, hidden: int):
        super().__init__()
        self.hidden = nn.Linear(64, hidden)
        self.out = nn.Linear(hidden, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x)))


class Cnn(nn.Module):
    """Takes flat [B, 64] images, reshapes them to [B, 1, 8, 8]; returns logits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.out = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, 1, 8, 8)
        x = torch.relu(self.conv1(x))
        x = self.pool(torch.relu(self.conv2(x)))
        return self.out(torch.flatten(x, 1))


def train(model, x_train, y_train, epochs, seed):
    """Adam on cross-entropy, mini-batches shuffled by a seeded generator."""
    shuffle = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x_train), generator=shuffle)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
    model.eval()


def save_script(module, path):
    """Script the module in eval mode and save it as a TorchScript archive."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.save(torch.jit.script(module.eval()), str(path))


def build_digits_model(directory, make_model, epochs, architecture, seed, data):
    """Train, save model.pt, then write expected.csv and metrics.json from the saved file."""
    x_train, y_train, x_test, y_test = data
    torch.manual_seed(seed)  # weight initialisation
    model = make_model()
    train(model, x_train, y_train, epochs, seed)
    save_script(model, directory / "model.pt")

    saved = torch.jit.load(str(directory / "model.pt")).eval()
    with torch.no_grad():
        accuracy = (saved(x_test).argmax(dim=1) == y_test).float().mean().item()
        # Run the expected rows as their own batch: kernels may pick a different
        # summation order for other batch sizes, changing the last bits.
        expected = saved(x_test[:EXPECTED_ROWS])

    with open(directory / "expected.csv", "w") as f:
        for row in expected.tolist():
            f.write(",".join(fmt(v) for v in row) + "\n")
    metrics = {"accuracy": round(accuracy, 4), "epochs": epochs, "architecture": architecture}
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"{directory.relative_to(MODELS)}: accuracy {accuracy:.4f} after {epochs} epochs")


def export_onnx(directory):
    """Export the saved model.pt of a digits model to model.onnx (dynamic batch axis)."""
    saved = torch.jit.load(str(directory / "model.pt")).eval()
    torch.onnx.export(saved, (torch.zeros(1, 64),), str(directory / "model.onnx"),
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    print(f"{directory.relative_to(MODELS)}/model.onnx exported")


# ---------------------------------------------------------------- behaviour models

class Echo(nn.Module):
    """[B, 4] -> [B, 5]: columns 0..3 are x * 2, column 4 is the batch size B."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.size(0)
        size_column = torch.full([batch, 1], float(batch), dtype=x.dtype, device=x.device)
        return torch.cat([x * 2, size_column], dim=1)


class Faulty(nn.Module):
    """[B, 4] -> x + 1, but raises if any element equals -999.0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x == -999.0).any()):
            raise RuntimeError("poison input")
        return x + 1


class Slow(nn.Module):
    """[B, 4] -> x + 1 exactly, after a fixed amount of matmul work per call.

    The work is SLOW_STEPS chained tanh(y @ w) products on a seeded buffer. The
    weights are scaled so tanh keeps values of order 1: a plain chain of small
    matmuls would decay into denormals, whose cost varies wildly between CPUs.
    The result is folded into the output as `sum * 0`, so the work cannot be
    skipped yet the output stays exactly x + 1 (tanh is bounded, so no NaN/inf).
    """

    def __init__(self):
        super().__init__()
        weights = torch.randn(SLOW_DIM, SLOW_DIM, generator=torch.Generator().manual_seed(7))
        self.register_buffer("w", weights * (1.5 / SLOW_DIM ** 0.5))
        self.steps = SLOW_STEPS

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.w
        for _ in range(self.steps):
            y = torch.tanh(torch.mm(y, self.w))
        return x + 1 + y.sum() * 0


def ternary_mlp(dims, seed):
    """MLP with ReLU whose weights are in {-BENCH_WEIGHT, 0, +BENCH_WEIGHT}, biases 0."""
    generator = torch.Generator().manual_seed(seed)
    layers = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        linear = nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            signs = torch.randint(-1, 2, (fan_out, fan_in), generator=generator)
            linear.weight.copy_(signs.float() * BENCH_WEIGHT)
            linear.bias.zero_()
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the output layer


def write_bench(path):
    """Save the ternary benchmark MLP as a gzipped TorchScript archive (no raw .pt)."""
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(ternary_mlp(BENCH_DIMS, seed=3).eval()), buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        # mtime=0 and an empty name keep the gzip header identical across runs.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(buffer.getvalue())
    print(f"bench: {len(buffer.getvalue())} bytes raw, {path.stat().st_size} bytes gzipped")


# ---------------------------------------------------------------- verification

def per_call_ms(model, x, calls):
    """Mean wall-clock milliseconds per forward call, after a few warm-up calls."""
    with torch.no_grad():
        for _ in range(3):
            model(x)
        start = time.perf_counter()
        for _ in range(calls):
            model(x)
    return (time.perf_counter() - start) / calls * 1000


def verify(x_test):
    """Re-load every file from disk, check it against its contract, print timings."""
    with torch.no_grad():
        for expected_csv in sorted(MODELS.glob("digits/*/*/expected.csv")):
            model = torch.jit.load(str(expected_csv.parent / "model.pt")).eval()
            expected = torch.tensor(np.loadtxt(expected_csv, delimiter=",", dtype=np.float32))
            assert torch.equal(model(x_test[:EXPECTED_ROWS]), expected), expected_csv
            # One sample at a time matches only up to rounding.
            for i in range(EXPECTED_ROWS):
                assert torch.allclose(model(x_test[i:i + 1])[0], expected[i], atol=1e-5), expected_csv

        rows = np.loadtxt(MODELS / "digits" / "digits_test.csv", delimiter=",", dtype=np.float32)
        assert rows.shape == (TEST_SIZE, 65) and torch.equal(torch.from_numpy(rows[:, 1:]), x_test)

        echo = torch.jit.load(str(MODELS / "echo" / "model.pt"))
        for batch in (1, 3, 8):
            x = torch.randn(batch, 4)
            out = echo(x)
            assert out.shape == (batch, 5) and out.dtype == torch.float32
            assert torch.equal(out[:, :4], x * 2) and bool((out[:, 4] == batch).all())

        faulty = torch.jit.load(str(MODELS / "faulty" / "model.pt"))
        x = torch.randn(3, 4)
        assert torch.equal(faulty(x), x + 1)
        x[1, 2] = -999.0
        try:
            faulty(x)
            raise AssertionError("faulty model accepted a poison input")
        except torch.jit.Error as error:
            assert "poison input" in str(error)
        assert torch.equal(faulty(torch.zeros(2, 4)), torch.ones(2, 4))  # still usable

        slow = torch.jit.load(str(MODELS / "slow" / "model.pt"))
        x = torch.randn(5, 4)
        assert torch.equal(slow(x), x + 1)
        print(f"slow: {per_call_ms(slow, torch.randn(1, 4), 200):.2f} ms per call (B=1)")

        with gzip.open(MODELS / "bench" / "mlp512.pt.gz", "rb") as gz:
            bench = torch.jit.load(io.BytesIO(gz.read()))
        for batch in (1, 32):
            x = torch.randn(batch, BENCH_DIMS[0])
            assert bench(x).shape == (batch, BENCH_DIMS[-1])
            print(f"bench: {per_call_ms(bench, x, 200):.3f} ms per batch of {batch}")
    print("all models verified")


def main():
    torch.set_num_threads(1)
    data = load_digits_split()
    x_test, y_test = data[2], data[3]
    write_test_csv(MODELS / "digits" / "digits_test.csv", x_test, y_test)

    digits = MODELS / "digits"
    build_digits_model(digits / "mlp" / "1.0.0", lambda: Mlp(32), 3,
                       "mlp 64-32(relu)-10", seed=1, data=data)
    export_onnx(digits / "mlp" / "1.0.0")
    build_digits_model(digits / "mlp" / "1.1.0", lambda: Mlp(32), 8,
                       "mlp 64-32(relu)-10", seed=1, data=data)
    build_digits_model(digits / "mlp" / "2.0.0", lambda: Mlp(128), 60,
                       "mlp 64-128(relu)-10", seed=2, data=data)
    build_digits_model(digits / "cnn" / "1.0.0", Cnn, 40,
                       "cnn reshape(1x8x8)-conv3x3(8,pad1)-relu-conv3x3(16,pad1)-relu"
                       "-maxpool2-flatten(256)-linear(10)", seed=4, data=data)

    save_script(Echo(), MODELS / "echo" / "model.pt")
    (MODELS / "echo" / "README.txt").write_text(
        "Batch echo model: float32 [B,4] -> float32 [B,5]; "
        "out[:, :4] = x * 2, out[:, 4] = B (the batch size) in every row.\n")
    save_script(Faulty(), MODELS / "faulty" / "model.pt")
    save_script(Slow(), MODELS / "slow" / "model.pt")
    write_bench(MODELS / "bench" / "mlp512.pt.gz")

    verify(x_test)


if __name__ == "__main__":
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Restart with fixed string hashing so the saved archives are reproducible.
        os.execve(sys.executable, [sys.executable] + sys.argv,
                  dict(os.environ, PYTHONHASHSEED="0"))
    main()
