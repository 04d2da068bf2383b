"""A Shapeset-3x2-like generator: small grayscale images of one or two simple shapes (Glorot & Bengio 2010).

What Glorot & Bengio describe (Shapeset-3x2): 32x32 images with one or two objects from three categories
(triangle, parallelogram, ellipse), drawn with random shape parameters, scale, rotation, translation and gray
level; the second object may not cover more than half of the first; the label is the set of objects present
(triangle alone, triangle + ellipse, parallelogram + parallelogram, ...), nine classes.

What `make_shapes` implements, and how it differs:
- Shapes: triangle, ellipse and *rectangle* (the paper has a parallelogram; a rotated rectangle keeps the
  three classes easy to tell apart at 32x32 while staying a four-cornered shape).
- Each shape has independent half-extents a, b drawn from U[0.1, 0.25] * size, a rotation U[0, 2 pi), a
  position that keeps the whole shape inside the image, and a gray level in [0, 1]; the triangle's apex slides
  along its top edge (random angles). The background is one random gray level too; every shape differs from
  it by at least `min_contrast` (our choice: the paper gives no contrast rule).
- Two-shape images: the second shape is painted over the first and may cover at most `max_overlap` (0.5,
  the paper's rule) of the first shape's area; placements are redrawn until that holds.
- Labels: the 9 classes of `SHAPESET_CLASSES` (3 single shapes, then the 6 unordered pairs), drawn uniformly
  (our choice), so two-shape images are 2/3 of the data; `max_shapes=1` gives a 3-class single-shape task.
- Rendering: exact-area anti-aliasing by 4x4 supersampling; pixel values in [0, 1].
- A finite seeded sample (any n) rather than the paper's stream; the exact parameter distributions of the
  original generator are not reproduced, so error rates are comparable in spirit, not in value.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._common import check_count, check_noise, float_dtype

SHAPES = ("triangle", "ellipse", "rectangle")
_PAIRS = tuple(itertools.combinations_with_replacement(range(len(SHAPES)), 2))
# class index -> shape kinds present (sorted): 0..2 one shape, 3..8 two shapes.
_CLASS_KINDS = tuple((k,) for k in range(len(SHAPES))) + _PAIRS
SHAPESET_CLASSES = tuple("+".join(SHAPES[k] for k in kinds) for kinds in _CLASS_KINDS)
_SUPERSAMPLE = 4
_CHUNK = 256


def _coverage(kind: np.ndarray, center: np.ndarray, half: np.ndarray, angle: np.ndarray, apex: np.ndarray,
              size: int, supersample: int = _SUPERSAMPLE) -> np.ndarray:
    """Boolean masks (m, size*s, size*s) of m shapes sampled at subpixel centers (image coordinates [0, size))."""
    s = supersample
    out = np.zeros((len(kind), size * s, size * s), dtype=bool)
    coords = ((np.arange(size * s) + 0.5) / s).astype(np.float32)
    py, px = coords[None, :, None], coords[None, None, :]  # rows are y, columns are x
    for k in range(len(SHAPES)):
        sel = np.flatnonzero(kind == k)
        if sel.size == 0:
            continue
        f32 = lambda a, sel=sel: a[sel].astype(np.float32)[:, None, None]
        dx, dy = px - f32(center[:, 0]), py - f32(center[:, 1])
        c, sn = np.cos(f32(angle)), np.sin(f32(angle))
        u, v = c * dx + sn * dy, -sn * dx + c * dy  # rotate into the shape's frame
        a, b = f32(half[:, 0]), f32(half[:, 1])
        if k == 0:  # base from (-a, b) to (a, b), apex at (t, -b): inside the three edges
            t = f32(apex) * a
            left = (u + a) * (-2 * b) - (v - b) * (t + a)   # edge (-a, b) -> (t, -b)
            right = (u - t) * (2 * b) - (v + b) * (a - t)   # edge (t, -b) -> (a, b)
            out[sel] = (v <= b) & (left <= 0) & (right <= 0)
        elif k == 1:
            out[sel] = (u / a) ** 2 + (v / b) ** 2 <= 1.0
        else:
            out[sel] = (np.abs(u) <= a) & (np.abs(v) <= b)
    return out


def _draw_geometry(rng: np.random.Generator, m: int, size: int) -> dict:
    half = rng.uniform(0.1, 0.25, (m, 2)) * size
    radius = np.hypot(half[:, 0], half[:, 1])
    center = radius[:, None] + rng.random((m, 2)) * (size - 2 * radius[:, None])
    return {"center": center, "half": half, "angle": rng.uniform(0.0, 2 * np.pi, m),
            "apex": rng.uniform(-1.0, 1.0, m)}


def _gray_levels(rng: np.random.Generator, background: np.ndarray, min_contrast: float) -> np.ndarray:
    """A gray level in [0, 1] at least min_contrast away from each background level (uniform on what is allowed)."""
    lo_len = np.clip(background - min_contrast, 0.0, None)          # allowed [0, bg - c]
    hi_len = np.clip(1.0 - (background + min_contrast), 0.0, None)  # allowed [bg + c, 1]
    r = rng.random(background.shape) * (lo_len + hi_len)
    return np.where(r < lo_len, r, background + min_contrast + (r - lo_len))


def make_shapes(n: int = 1000, size: int = 32, seed: int = 0, max_shapes: int = 2, min_contrast: float = 0.2,
                max_overlap: float = 0.5, dtype=None, return_info: bool = False):
    """`n` grayscale images (n, size, size) in [0, 1] of one or two shapes, with int64 labels (module docstring).

    Labels index `SHAPESET_CLASSES` ("triangle", "ellipse", "rectangle", "triangle+triangle",
    "triangle+ellipse", ..., "rectangle+rectangle"): the set of shapes present, whatever their order or
    overlap. With `max_shapes=1` only the first three classes occur. Images have `dtype` (default: autodiff's
    default float dtype). The same seed gives the same images. With `return_info=True` a third value, a dict
    of per-image arrays, tells what was drawn: "kinds" (n, 2) indices into `SHAPES` (-1: no second shape),
    "center" (n, 2, 2) as (x, y), "half" (n, 2, 2) half-extents, "angle" (n, 2), "apex" (n, 2) (the
    triangle's apex position on its top edge, -1..1), "gray" (n, 2) (NaN: no second shape), "background" (n,).
    """
    n = check_count("make_shapes: n", n)
    size = check_count("make_shapes: size", size, 8)
    if max_shapes not in (1, 2):
        raise ValueError(f"make_shapes: max_shapes must be 1 or 2, got {max_shapes!r}")
    min_contrast = check_noise("make_shapes: min_contrast", min_contrast)
    if min_contrast > 0.5:
        raise ValueError(f"make_shapes: min_contrast must be at most 0.5, got {min_contrast!r}")
    max_overlap = check_noise("make_shapes: max_overlap", max_overlap)
    rng = np.random.default_rng(seed)
    n_classes = len(SHAPES) if max_shapes == 1 else len(SHAPESET_CLASSES)
    labels = rng.integers(0, n_classes, n).astype(np.int64)
    kinds = np.full((n, 2), -1, np.int64)
    for c in range(n_classes):
        ks = _CLASS_KINDS[c]
        sel = labels == c
        if len(ks) == 2:  # paint the pair in random order, so neither kind is always on top
            swap = rng.random(n) < 0.5
            kinds[sel & ~swap] = ks
            kinds[sel & swap] = ks[::-1]
        else:
            kinds[sel, 0] = ks[0]
    geo = [_draw_geometry(rng, n, size), _draw_geometry(rng, n, size)]
    background = rng.random(n)
    gray = np.stack([_gray_levels(rng, background, min_contrast) for _ in range(2)], axis=1)

    s = _SUPERSAMPLE
    images = np.empty((n, size, size), dtype=float_dtype(dtype))
    for start in range(0, n, _CHUNK):
        idx = np.arange(start, min(start + _CHUNK, n))
        first = _coverage(kinds[idx, 0], *(geo[0][k][idx] for k in ("center", "half", "angle", "apex")), size)
        second = np.zeros_like(first)
        todo = idx[kinds[idx, 1] >= 0]
        for _ in range(1000):  # redraw the second shape where it hides too much of the first
            if todo.size == 0:
                break
            local = todo - start
            cov = _coverage(kinds[todo, 1], *(geo[1][k][todo] for k in ("center", "half", "angle", "apex")), size)
            hidden = (cov & first[local]).sum(axis=(1, 2)) / first[local].sum(axis=(1, 2))
            ok = hidden <= max_overlap
            second[local[ok]] = cov[ok]
            todo = todo[~ok]
            redraw = _draw_geometry(rng, todo.size, size)
            for k in redraw:
                geo[1][k][todo] = redraw[k]
        else:
            raise RuntimeError(f"make_shapes: could not place second shapes with max_overlap={max_overlap}")
        bg = background[idx, None, None]
        hi = np.where(first, gray[idx, 0, None, None], bg)
        hi = np.where(second, gray[idx, 1, None, None], hi)
        images[idx] = hi.reshape(len(idx), size, s, size, s).mean(axis=(2, 4))
    np.clip(images, 0.0, 1.0, out=images)
    if not return_info:
        return images, labels
    has_second = kinds[:, 1] >= 0
    info = {"kinds": kinds, "background": background,
            "center": np.stack([geo[0]["center"], geo[1]["center"]], axis=1),
            "half": np.stack([geo[0]["half"], geo[1]["half"]], axis=1),
            "angle": np.stack([geo[0]["angle"], geo[1]["angle"]], axis=1),
            "apex": np.stack([geo[0]["apex"], geo[1]["apex"]], axis=1),
            "gray": np.where(np.stack([np.ones(n, bool), has_second], axis=1), gray, np.nan)}
    return images, labels, info
