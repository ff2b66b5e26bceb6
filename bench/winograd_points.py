"""How the interpolation points of Winograd F(4×4, 3×3) set its float32 rounding error.

For each point set, builds G, Bᵀ and Aᵀ by Toom-Cook (exact fractions), checks in float64 that
they give the convolution, then runs whole tiles in float32 as wisp does (U = G g Gᵀ, V = Bᵀ d B,
M = Σ over channels of U ⊙ V, Y = Aᵀ M A) and prints the error against a float64 direct
convolution, relative to the tile's largest output. src/kernels/f32_winograd__scalar.c cites it.
Needs Debian python3-numpy.

    /usr/bin/python3 bench/winograd_points.py [tiles]
"""
import sys
from fractions import Fraction as F

import numpy as np


def inverse(m):
    """Exact inverse of a square matrix of Fractions, by Gauss-Jordan."""
    n = len(m)
    a = [list(row) + [F(int(i == j)) for j in range(n)] for i, row in enumerate(m)]
    for c in range(n):
        p = next(r for r in range(c, n) if a[r][c] != 0)
        a[c], a[p] = a[p], a[c]
        a[c] = [v / a[c][c] for v in a[c]]
        for r in range(n):
            if r != c and a[r][c] != 0:
                a[r] = [x - a[r][c] * y for x, y in zip(a[r], a[c])]
    return [row[n:] for row in a]


def matrices(points, m=4, r=3):
    """G (n × r), Bᵀ (n × n) and Aᵀ (m × n) for the finite points and ∞ (n = m + r - 1)."""
    n = m + r - 1
    pts = [F(p) for p in points]
    # Lagrange denominators: the point's product of differences (1 for ∞)
    den = [np.prod([p - q for q in pts if q != p], dtype=object) for p in pts] + [F(1)]
    G = [[p**k / d for k in range(r)] for p, d in zip(pts, den)] + [[F(0)] * (r - 1) + [F(1)]]
    AT = [[p**i for p in pts] + [F(int(i == m - 1))] for i in range(m)]
    V = [[p**k for k in range(n)] for p in pts] + [[F(0)] * (n - 1) + [F(1)]]
    Vi = inverse(V)
    BT = [[Vi[k][j] * den[j] for k in range(n)] for j in range(n)]
    return (np.array(M, dtype=object) for M in (G, BT, AT))


def errors(points, tiles, channels=16, seed=0):
    G, BT, AT = matrices(points)
    f64 = lambda M: np.array(M, dtype=np.float64)
    f32 = lambda M: f64(M).astype(np.float32)
    G32, BT32, AT32 = f32(G), f32(BT), f32(AT)
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(tiles):
        d = rng.uniform(-2, 2, (channels, 6, 6)).astype(np.float32)
        g = rng.uniform(-1, 1, (channels, 3, 3)).astype(np.float32)
        ref = np.zeros((4, 4))
        for c in range(channels):
            for i in range(4):
                for j in range(4):
                    ref[i, j] += np.sum(f64(d[c, i:i + 3, j:j + 3]) * g[c])
        exact = sum((f64(G) @ g[c] @ f64(G).T) * (f64(BT) @ d[c] @ f64(BT).T) for c in range(channels))
        assert np.allclose(f64(AT) @ exact @ f64(AT).T, ref, atol=1e-9), points
        acc = np.zeros((6, 6), np.float32)
        for c in range(channels):
            acc += (G32 @ g[c] @ G32.T) * (BT32 @ d[c] @ BT32.T)
        y = AT32 @ acc @ AT32.T
        out.append(np.max(np.abs(y - ref)) / np.max(np.abs(ref)))
    return np.median(out), np.max(out)


if __name__ == "__main__":
    tiles = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"{tiles} tiles of 16 channels, inputs in [-2, 2], weights in [-1, 1]")
    for points in ([0, 1, -1, 2, -2], [0, 1, -1, F(1, 2), F(-1, 2)], [0, -1, 1, F(1, 2), -2]):
        med, worst = errors(points, tiles)
        print(f"points {', '.join(map(str, points))}, ∞: error / largest output: "
              f"median {med:.2e}, max {worst:.2e}")
