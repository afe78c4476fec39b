# The seed's from-scratch network (784-10-10, ReLU, softmax, full batch of the 60k MNIST training
# images, plain gradient descent) in numpy, the rival of `simdnet train --preset seed` in the
# targets suite (bench/targets.bench.ts). The equations are the seed's, column-major as it writes
# them (X is 784 × m); float32 throughout, as simdnet computes, so numpy is not charged for float64.
# BLAS threads come from OPENBLAS_NUM_THREADS, which the bench sets; the script reports what
# OpenBLAS actually uses.
#
#   python3 bench/seed_numpy.py DATA_DIR ITERATIONS   prints one JSON object
import ctypes
import json
import sys
import time

import numpy as np


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def blas_info():
    """The OpenBLAS library numpy loaded, its configuration and its thread count."""
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line})
    for path in libs:
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                config = getattr(lib, f"{prefix}_get_config{suffix}", None)
                if threads is not None and config is not None:
                    config.restype = ctypes.c_char_p
                    return {"library": path, "config": config().decode(), "threads": threads()}
    return {"library": ", ".join(libs) or "unknown", "config": "unknown", "threads": None}


def main(data_dir, iterations):
    images = read_idx(f"{data_dir}/train-images-idx3-ubyte")
    labels = read_idx(f"{data_dir}/train-labels-idx1-ubyte")
    m = images.shape[0]
    X = (images.reshape(m, -1).T / np.float32(255)).astype(np.float32)  # 784 × m
    Y = np.zeros((10, m), dtype=np.float32)
    Y[labels, np.arange(m)] = 1
    rng = np.random.default_rng(0)
    W1 = (rng.random((10, 784)) - 0.5).astype(np.float32)
    b1 = (rng.random((10, 1)) - 0.5).astype(np.float32)
    W2 = (rng.random((10, 10)) - 0.5).astype(np.float32)
    b2 = (rng.random((10, 1)) - 0.5).astype(np.float32)
    alpha = np.float32(0.1)

    times, losses = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        Z1 = W1 @ X + b1
        A1 = np.maximum(Z1, 0)
        Z2 = W2 @ A1 + b2
        E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))  # subtract the column max for stability
        A2 = E / E.sum(axis=0, keepdims=True)
        dZ2 = A2 - Y
        dW2 = (dZ2 @ A1.T) / m
        db2 = dZ2.sum(axis=1, keepdims=True) / m
        dZ1 = (W2.T @ dZ2) * (Z1 > 0)
        dW1 = (dZ1 @ X.T) / m
        db1 = dZ1.sum(axis=1, keepdims=True) / m
        W1 -= alpha * dW1
        b1 -= alpha * db1
        W2 -= alpha * dW2
        b2 -= alpha * db2
        times.append(time.perf_counter() - t0)
        # The loss of this iteration's forward pass, outside the timed region.
        losses.append(float(-np.log(A2[labels, np.arange(m)] + 1e-12).mean()))

    warm = sorted(times[1:]) or times
    print(
        json.dumps(
            {
                "numpy": np.__version__,
                "blas": blas_info(),
                "dtype": "float32",
                "images": m,
                "iterations": iterations,
                "firstMs": times[0] * 1e3,
                "meanMs": sum(times) / len(times) * 1e3,
                "medianWarmMs": warm[len(warm) // 2] * 1e3,
                "losses": [losses[0], losses[-1]],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
