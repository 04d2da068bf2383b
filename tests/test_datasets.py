"""The bundled datasets: shapes, dtypes, determinism and the invariants of each task."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import datasets
from autodiff.datasets.shapes import _CLASS_KINDS, _SUPERSAMPLE, _coverage

# ---------------------------------------------------------------- digits


def test_digits_shape_dtype_and_values():
    X, y = datasets.load_digits()
    assert X.shape == (1797, 64) and X.dtype == ad.get_default_dtype()
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))
    X64, _ = datasets.load_digits(dtype=np.float64)
    assert X64.dtype == np.float64 and np.array_equal(X64, X)


def test_digits_class_counts_match_uci_test_set():
    _, y = datasets.load_digits()
    # optdigits.tes class counts, as listed by the UCI repository
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_returns_fresh_copies():
    X, _ = datasets.load_digits()
    X[0, 0] = 99
    assert datasets.load_digits()[0][0, 0] != 99


def test_digits_npz_is_small_plain_uint8_and_matches_sklearn():
    from importlib import resources
    with resources.files("autodiff.datasets").joinpath("digits.npz").open("rb") as f, \
            np.load(f, allow_pickle=False) as z:
        assert z["X"].dtype == np.uint8 and z["y"].dtype == np.uint8
        Xz, yz = z["X"], z["y"]
    sk = pytest.importorskip("sklearn.datasets")
    ref = sk.load_digits()
    assert np.array_equal(Xz, ref.data) and np.array_equal(yz, ref.target)


def test_digits_licence_file_is_shipped():
    from importlib import resources
    text = resources.files("autodiff.datasets").joinpath("LICENSE-digits.txt").read_text()
    assert "Alpaydin" in text and "CC BY 4.0" in text


def test_train_test_split_holds_out_a_fifth_deterministically():
    X, y = datasets.load_digits()
    idx = np.arange(len(y))
    Xtr, Xte, ytr, yte, itr, ite = datasets.train_test_split(X, y, idx, seed=3)
    assert len(ite) == 359 and len(itr) == 1438
    assert np.array_equal(np.sort(np.concatenate([itr, ite])), idx)
    assert np.array_equal(Xte, X[ite]) and np.array_equal(ytr, y[itr])
    again = datasets.train_test_split(X, y, idx, seed=3)
    assert np.array_equal(again[5], ite)
    assert not np.array_equal(datasets.train_test_split(idx, seed=4)[1], ite)


def test_train_test_split_stratified_keeps_class_proportions():
    _, y = datasets.load_digits()
    ytr, yte = datasets.train_test_split(y, stratify=y, seed=0)
    counts = np.bincount(y)
    assert np.array_equal(np.bincount(yte), np.round(0.2 * counts).astype(int))
    assert np.array_equal(np.bincount(ytr) + np.bincount(yte), counts)


def test_train_test_split_errors():
    with pytest.raises(ValueError, match="array 1 has 3 rows"):
        datasets.train_test_split(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.train_test_split(np.zeros(4), test_fraction=1.0)


def test_standardize_uses_training_statistics():
    X, y = datasets.load_digits(dtype=np.float64)
    Xtr, Xte = datasets.train_test_split(X, seed=0)
    Str, Ste = datasets.standardize(Xtr, Xte)
    varying = Xtr.std(axis=0) > 0
    np.testing.assert_allclose(Str.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Str.std(axis=0)[varying], 1, rtol=1e-12)
    assert np.all(np.isfinite(Ste)) and np.all(Str[:, ~varying] == 0)
    np.testing.assert_allclose(Ste, (Xte - Xtr.mean(0)) / np.where(varying, Xtr.std(0), 1.0))
    Gtr, Gte = datasets.standardize(Xtr, Xte, per_feature=False)
    np.testing.assert_allclose(Gtr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Gtr.std(), 1, rtol=1e-12)
    scale = np.sqrt(((Xtr - Xtr.mean(0)) ** 2).mean())  # one scale for every column
    np.testing.assert_allclose(Gte * scale, Xte - Xtr.mean(0), atol=1e-9)

# ---------------------------------------------------------------- symmetry


def test_symmetry_patterns_64_with_8_symmetric():
    X, y = datasets.symmetry_patterns()
    assert X.shape == (64, 6) and y.shape == (64,)
    assert len({tuple(r) for r in X.astype(int)}) == 64 and set(np.unique(X)) == {0.0, 1.0}
    assert y.sum() == 8
    for row, target in zip(X, y, strict=True):
        assert target == float(np.array_equal(row, row[::-1]))
    assert np.array_equal(X[5], [0, 0, 0, 1, 0, 1])  # row i is i in binary, MSB first


def test_symmetry_patterns_other_lengths():
    for length, n_sym in [(1, 2), (4, 4), (7, 16), (8, 16)]:
        X, y = datasets.symmetry_patterns(length)
        assert X.shape == (2 ** length, length) and y.sum() == n_sym
    with pytest.raises(ValueError, match="length"):
        datasets.symmetry_patterns(0)

# ---------------------------------------------------------------- family trees

INVERSE = {"father": ("son", "daughter"), "mother": ("son", "daughter"),
           "son": ("father", "mother"), "daughter": ("father", "mother"),
           "husband": ("husband", "wife"), "wife": ("husband", "wife"),
           "brother": ("brother", "sister"), "sister": ("brother", "sister"),
           "uncle": ("nephew", "niece"), "aunt": ("nephew", "niece"),
           "nephew": ("uncle", "aunt"), "niece": ("uncle", "aunt")}
FEMALE_RELATIONS = {"mother", "wife", "daughter", "aunt", "sister", "niece"}


@pytest.fixture(scope="module")
def ft():
    return datasets.family_trees()


def test_family_trees_sizes(ft):
    assert len(ft.people) == 24 and len(set(ft.people)) == 24
    assert ft.relations == ("father", "mother", "husband", "wife", "son", "daughter",
                            "uncle", "aunt", "brother", "sister", "nephew", "niece")
    assert len(ft.cases) == 104 == len(ft)
    assert len({(p, r) for p, r, _ in ft.cases}) == 104
    by_nation = [ft.nationality[p] for p, _, _ in ft.cases]
    assert by_nation.count("English") == 52 and by_nation.count("Italian") == 52
    assert sum(ft.gender[p] == "male" for p in ft.people) == 12
    # answers never cross families, and every case has at least one answer
    assert all(a and all(ft.nationality[q] == ft.nationality[p] for q in a) for p, _, a in ft.cases)


def test_family_trees_per_relation_counts(ft):
    # counted by hand from the trees: (pairs with an answer) per relation, in one family
    expected = {"father": 6, "mother": 6, "husband": 5, "wife": 5, "son": 6, "daughter": 6,
                "uncle": 2, "aunt": 2, "brother": 3, "sister": 3, "nephew": 4, "niece": 4}
    for nation in ("English", "Italian"):
        got = {r: sum(1 for p, rr, _ in ft.cases if rr == r and ft.nationality[p] == nation) for r in ft.relations}
        assert got == expected


def test_family_trees_known_facts(ft):
    assert ft.answers("Colin", "aunt") == {"Jennifer", "Margaret"}
    assert ft.answers("Colin", "uncle") == {"Arthur", "Charles"}
    assert ft.answers("Christopher", "wife") == {"Penelope"}
    assert ft.answers("Victoria", "husband") == {"James"}
    assert ft.answers("Jennifer", "brother") == {"James"}
    assert ft.answers("Margaret", "niece") == {"Charlotte"}
    assert ft.answers("Sophia", "aunt") == {"Angela", "Gina"}
    assert ft.answers("Pierro", "daughter") == {"Angela"}
    assert ft.answers("Charlotte", "sister") == frozenset()
    assert ft.answers("Christopher", "father") == frozenset()
    assert ft.generation["Christopher"] == 0 and ft.generation["Margaret"] == 1 and ft.generation["Colin"] == 2
    assert ft.branch["Margaret"] == "left" and ft.branch["Charles"] == "right" and ft.branch["Sophia"] == "both"


def test_every_relation_has_its_inverse(ft):
    cases = {(p, r): a for p, r, a in ft.cases}
    for (p, r), answers in cases.items():
        inv = INVERSE[r][0 if ft.gender[p] == "male" else 1]
        for q in answers:
            assert ft.gender[q] == ("female" if r in FEMALE_RELATIONS else "male"), (p, r, q)
            assert p in cases.get((q, inv), ()), f"{q} is {p}'s {r}, but {p} is not {q}'s {inv}"


def test_family_trees_are_isomorphic(ft):
    iso = ft.isomorphism
    assert set(iso) == {p for p in ft.people if ft.nationality[p] == "English"}
    assert set(iso.values()) == {p for p in ft.people if ft.nationality[p] == "Italian"}
    assert all(ft.people[i + 12] == iso[ft.people[i]] for i in range(12))
    english = {(iso[p], r, frozenset(iso[q] for q in a)) for p, r, a in ft.cases if p in iso}
    italian = {(p, r, a) for p, r, a in ft.cases if p not in iso}
    assert english == italian
    assert all(ft.gender[e] == ft.gender[i] and ft.generation[e] == ft.generation[i] for e, i in iso.items())


def test_family_trees_encodings(ft):
    X, Y = ft.inputs(), ft.targets()
    assert X.shape == (104, 36) and Y.shape == (104, 24)
    assert np.all(X[:, :24].sum(1) == 1) and np.all(X[:, 24:].sum(1) == 1)
    assert np.array_equal(ft.person_onehot(), X[:, :24]) and np.array_equal(ft.relation_onehot(), X[:, 24:])
    for i, (p, r, a) in enumerate(ft.cases):
        assert X[i, ft.person_index(p)] == 1 and X[i, 24 + ft.relation_index(r)] == 1
        assert {ft.people[j] for j in np.flatnonzero(Y[i])} == a
    assert Y.sum() == 112  # 104 cases, 8 of them (uncle/aunt of the 4 grandchildren) with two answers
    assert ft.inputs(np.float64).dtype == np.float64


def test_family_trees_split(ft):
    train, test = ft.split(seed=0)
    assert len(train) == 100 and len(test) == 4
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(104))
    assert np.array_equal(ft.split(seed=0)[1], test)
    assert any(not np.array_equal(ft.split(seed=s)[1], test) for s in range(1, 4))
    with pytest.raises(ValueError, match="n_test"):
        ft.split(n_test=0)


def test_family_trees_errors_and_read_only(ft):
    with pytest.raises(KeyError, match="unknown person 'Bob'"):
        ft.answers("Bob", "father")
    with pytest.raises(KeyError, match="unknown relation 'cousin'"):
        ft.answers("Colin", "cousin")
    with pytest.raises(TypeError):
        ft.gender["Colin"] = "female"

# ---------------------------------------------------------------- moons and spirals


@pytest.mark.parametrize("make", [lambda s: datasets.make_moons(101, 0.1, s),
                                  lambda s: datasets.make_spirals(101, 3, 0.2, s)])
def test_toy_sets_are_seeded(make):
    X, y = make(0)
    X2, y2 = make(0)
    X3, _ = make(1)
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, X3)
    assert X.shape == (101, 2) and X.dtype == ad.get_default_dtype() and y.dtype == np.int64


def test_make_moons_geometry():
    X, y = datasets.make_moons(200, noise=0.0, seed=0, dtype=np.float64)
    assert np.bincount(y).tolist() == [100, 100]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5 + 1e-12)
    with pytest.raises(ValueError, match="noise"):
        datasets.make_moons(10, noise=-1)


def test_make_spirals_geometry():
    X, y = datasets.make_spirals(301, classes=4, noise=0.0, seed=0, dtype=np.float64)
    assert np.bincount(y).tolist() == [76, 75, 75, 75]
    r = np.hypot(*X.T)
    assert r.max() <= 1 + 1e-12
    # without noise, a point's angle is 2 pi (turns r + k / classes) exactly
    ang = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (0.75 * r + y / 4)
    diff = np.angle(np.exp(1j * (ang - expected)))
    assert np.all(np.abs(diff[r > 1e-9]) < 1e-9)
    with pytest.raises(ValueError, match="classes"):
        datasets.make_spirals(10, classes=0)

# ---------------------------------------------------------------- shapes


@pytest.fixture(scope="module")
def shapes():
    return datasets.make_shapes(300, seed=0, return_info=True)


def test_make_shapes_images_and_labels(shapes):
    X, y, info = shapes
    assert X.shape == (300, 32, 32) and X.dtype == ad.get_default_dtype()
    assert X.min() >= 0 and X.max() <= 1
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(9))
    assert datasets.SHAPESET_CLASSES[:3] == datasets.SHAPES == ("triangle", "ellipse", "rectangle")
    for label, kinds in zip(y, info["kinds"], strict=True):
        present = tuple(sorted(k for k in kinds if k >= 0))
        assert present == _CLASS_KINDS[label]
        assert datasets.SHAPESET_CLASSES[label] == "+".join(datasets.SHAPES[k] for k in present)


def test_make_shapes_is_seeded():
    a, ya = datasets.make_shapes(20, seed=5)
    b, yb = datasets.make_shapes(20, seed=5)
    c, _ = datasets.make_shapes(20, seed=6)
    assert np.array_equal(a, b) and np.array_equal(ya, yb) and not np.array_equal(a, c)


def test_make_shapes_draws_what_info_says(shapes):
    X, y, info = shapes
    s = _SUPERSAMPLE
    for i in range(60):
        bg, g, kinds = info["background"][i], info["gray"][i], info["kinds"][i]
        masks = [_coverage(kinds[j:j + 1], *(info[k][i, j:j + 1] for k in ("center", "half", "angle", "apex")),
                           32)[0] for j in range(2) if kinds[j] >= 0]
        expected = np.full((32 * s, 32 * s), bg)
        for mask, gray in zip(masks, g, strict=False):
            assert abs(gray - bg) >= 0.2 - 1e-12 and 0 <= gray <= 1
            assert mask.sum() > 0
            expected = np.where(mask, gray, expected)
        np.testing.assert_allclose(X[i], expected.reshape(32, s, 32, s).mean(axis=(1, 3)), atol=1e-6)
        if len(masks) == 2:  # the second shape hides at most half of the first
            assert (masks[0] & masks[1]).sum() <= 0.5 * masks[0].sum()
        # every shape lies wholly inside the image: its bounding circle does
        for j in range(len(masks)):
            r = np.hypot(*info["half"][i, j])
            assert np.all(info["center"][i, j] >= r - 1e-9) and np.all(info["center"][i, j] <= 32 - r + 1e-9)


def test_shape_areas_match_geometry():
    kind = np.array([0, 1, 2, 0, 1, 2])
    center = np.full((6, 2), 16.0)
    half = np.array([[6.0, 4.0]] * 3 + [[3.0, 7.0]] * 3)
    for angle in (0.0, 0.7, 2.0):
        area = _coverage(kind, center, half, np.full(6, angle), np.full(6, 0.3), 32).sum(axis=(1, 2))
        area = area / _SUPERSAMPLE ** 2
        ab = half.prod(axis=1)
        np.testing.assert_allclose(area, [2 * ab[0], np.pi * ab[1], 4 * ab[2], 2 * ab[3], np.pi * ab[4], 4 * ab[5]],
                                   rtol=0.03)


def test_make_shapes_single_shape_mode_and_errors():
    _, y, info = datasets.make_shapes(60, seed=1, max_shapes=1, return_info=True)
    assert y.max() <= 2 and np.all(info["kinds"][:, 1] == -1) and np.all(np.isnan(info["gray"][:, 1]))
    with pytest.raises(ValueError, match="max_shapes"):
        datasets.make_shapes(5, max_shapes=3)
    with pytest.raises(ValueError, match="size"):
        datasets.make_shapes(5, size=4)


def test_datasets_import_needs_numpy_only():
    import subprocess
    import sys
    code = ("import sys, autodiff.datasets as d; d.load_digits(); d.make_shapes(3); "
            "bad = [m for m in ('matplotlib', 'tqdm', 'graphviz', 'sklearn', 'hypothesis', 'nn', 'optim', 'viz') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
