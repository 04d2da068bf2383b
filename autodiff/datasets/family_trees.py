"""Rumelhart, Hinton & Williams (1986), Figure 2: two isomorphic family trees and their 104 relation cases.

The trees are written down once, as married couples with their sons and daughters; every relation is
derived from those parent and spouse facts, so no case is typed by hand.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._common import float_dtype

# (husband, wife, sons, daughters). People listed in an order a reader can follow: generation by generation.
ENGLISH_COUPLES = (
    ("Christopher", "Penelope", ("Arthur",), ("Victoria",)),
    ("Andrew", "Christine", ("James",), ("Jennifer",)),
    ("Arthur", "Margaret", (), ()),
    ("James", "Victoria", ("Colin",), ("Charlotte",)),
    ("Charles", "Jennifer", (), ()),
)
ITALIAN_COUPLES = (
    ("Roberto", "Maria", ("Emilio",), ("Lucia",)),
    ("Pierro", "Francesca", ("Marco",), ("Angela",)),
    ("Emilio", "Gina", (), ()),
    ("Marco", "Lucia", ("Alfonso",), ("Sophia",)),
    ("Tomaso", "Angela", (), ()),
)
ENGLISH = ("Christopher", "Penelope", "Andrew", "Christine", "Arthur", "Margaret",
           "Victoria", "James", "Jennifer", "Charles", "Colin", "Charlotte")
ITALIAN = ("Roberto", "Maria", "Pierro", "Francesca", "Emilio", "Gina",
           "Lucia", "Marco", "Angela", "Tomaso", "Alfonso", "Sophia")
RELATIONS = ("father", "mother", "husband", "wife", "son", "daughter",
             "uncle", "aunt", "brother", "sister", "nephew", "niece")


@dataclass(frozen=True)
class FamilyTrees:
    """The 24 people, 12 relations and 104 (person1, relation) -> {person2, ...} cases of the family-tree task.

    Attributes:
        people: 24 names, the 12 English first; `people[i + 12]` is the Italian counterpart of `people[i]`.
        relations: the 12 relation names, in the order of the relation input units.
        cases: 104 triples `(person1, relation, answers)`, answers a frozenset of person2 names
            ("person2 is person1's relation": ("Colin", "aunt") -> {"Jennifer", "Margaret"}), sorted by
            person1 then relation; exactly the pairs with at least one answer, 52 per family.
        gender: name -> "male" | "female".  nationality: name -> "English" | "Italian".
        generation: name -> 0, 1 or 2 (married-in spouses take their partner's generation).
        branch: name -> "left" (descends from, or married into, the first couple listed: Christopher=Penelope,
            Roberto=Maria), "right" (the second: Andrew=Christine, Pierro=Francesca) or "both" (the youngest).
        parents: name -> (father, mother) or () for the four founders and the two married-in spouses per family.
        spouse: name -> partner's name or None.
        isomorphism: English name -> Italian name, mapping one tree onto the other.
    The tables are read-only mappings.
    """

    people: tuple[str, ...]
    relations: tuple[str, ...]
    cases: tuple[tuple[str, str, frozenset], ...]
    gender: Mapping = field(repr=False)
    nationality: Mapping = field(repr=False)
    generation: Mapping = field(repr=False)
    branch: Mapping = field(repr=False)
    parents: Mapping = field(repr=False)
    spouse: Mapping = field(repr=False)
    isomorphism: Mapping = field(repr=False)

    def __repr__(self) -> str:
        return f"FamilyTrees({len(self.people)} people, {len(self.relations)} relations, {len(self.cases)} cases)"

    def __len__(self) -> int:
        return len(self.cases)

    def answers(self, person: str, relation: str) -> frozenset:
        """The set of correct person2s for (person, relation); empty when the pair is not one of the cases."""
        self._check(person, relation)
        return _relation(self.parents, self.spouse, self.gender, person, relation)

    def person_index(self, person: str) -> int:
        """The input/output unit of a person (0..23)."""
        self._check(person, None)
        return self.people.index(person)

    def relation_index(self, relation: str) -> int:
        """The relation's input unit (0..11; add 24 for its column in `inputs()`)."""
        self._check(None, relation)
        return self.relations.index(relation)

    def inputs(self, dtype=None) -> np.ndarray:
        """(104, 36) one-hot inputs: 24 person1 units then 12 relation units, one row per case."""
        X = np.zeros((len(self.cases), len(self.people) + len(self.relations)), dtype=float_dtype(dtype))
        for i, (p, r, _) in enumerate(self.cases):
            X[i, self.people.index(p)] = 1.0
            X[i, len(self.people) + self.relations.index(r)] = 1.0
        return X

    def person_onehot(self, dtype=None) -> np.ndarray:
        """(104, 24): the person1 part of `inputs()`."""
        return self.inputs(dtype)[:, : len(self.people)]

    def relation_onehot(self, dtype=None) -> np.ndarray:
        """(104, 12): the relation part of `inputs()`."""
        return self.inputs(dtype)[:, len(self.people):]

    def targets(self, dtype=None) -> np.ndarray:
        """(104, 24) multi-hot targets: a 1 on every correct person2 (Colin's two aunts both turn on)."""
        Y = np.zeros((len(self.cases), len(self.people)), dtype=float_dtype(dtype))
        for i, (_, _, answers) in enumerate(self.cases):
            for q in answers:
                Y[i, self.people.index(q)] = 1.0
        return Y

    def split(self, n_test: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Seeded (train, test) indices into `cases`: the paper trains on 100 cases and tests on 4 held out."""
        if not 0 < n_test < len(self.cases):
            raise ValueError(f"FamilyTrees.split: n_test must be in 1..{len(self.cases) - 1}, got {n_test!r}")
        perm = np.random.default_rng(seed).permutation(len(self.cases))
        return np.sort(perm[n_test:]), np.sort(perm[:n_test])

    def _check(self, person, relation) -> None:
        if person is not None and person not in self.gender:
            raise KeyError(f"FamilyTrees: unknown person {person!r}; the people are {', '.join(self.people)}")
        if relation is not None and relation not in self.relations:
            raise KeyError(f"FamilyTrees: unknown relation {relation!r}; the relations are {', '.join(self.relations)}")


def _facts(couples) -> tuple[dict, dict, dict]:
    """gender, parents and spouse tables from (husband, wife, sons, daughters) couples."""
    gender, parents, spouse = {}, {}, {}

    def set_gender(name, g):
        if gender.setdefault(name, g) != g:
            raise ValueError(f"family trees: {name} is listed both as male and female")

    for husband, wife, sons, daughters in couples:
        set_gender(husband, "male")
        set_gender(wife, "female")
        spouse[husband], spouse[wife] = wife, husband
        for child in sons + daughters:
            set_gender(child, "male" if child in sons else "female")
            parents[child] = (husband, wife)
    for name in gender:
        parents.setdefault(name, ())
        spouse.setdefault(name, None)
    return gender, parents, spouse


def _relation(parents: Mapping, spouse: Mapping, gender: Mapping, x: str, relation: str) -> frozenset:
    """Everyone who is x's `relation`, derived from parent and spouse facts only."""
    children = lambda p: {c for c, ps in parents.items() if p in ps}
    siblings = lambda p: {s for s, ps in parents.items() if ps and ps == parents[p] and s != p}
    of_gender = lambda names, g: frozenset(n for n in names if gender[n] == g)
    spouses = lambda names: {spouse[n] for n in names if spouse[n] is not None}
    male, female = "male", "female"
    if relation in ("father", "mother"):
        return of_gender(parents[x], male if relation == "father" else female)
    if relation in ("husband", "wife"):
        return of_gender(spouses({x}), male if relation == "husband" else female)
    if relation in ("son", "daughter"):
        return of_gender(children(x), male if relation == "son" else female)
    if relation in ("brother", "sister"):
        return of_gender(siblings(x), male if relation == "brother" else female)
    if relation in ("uncle", "aunt"):  # the parents' siblings and the spouses of those siblings
        blood = set().union(*(siblings(p) for p in parents[x]))
        return of_gender(blood | spouses(blood), male if relation == "uncle" else female)
    if relation in ("nephew", "niece"):  # the children of one's own and one's spouse's siblings
        sibs = siblings(x) | set().union(*(siblings(s) for s in spouses({x})))
        return of_gender(set().union(*(children(s) for s in sibs)), male if relation == "nephew" else female)
    raise KeyError(f"family trees: unknown relation {relation!r}")


def _generations(parents: dict, spouse: dict) -> dict:
    gen: dict = {}
    for _ in range(len(parents)):  # relax until stable: children one below parents, spouses level with partners
        for name, ps in parents.items():
            if ps:
                gen[name] = max(gen.get(p, 0) for p in ps) + 1
            elif spouse[name] is not None and parents[spouse[name]]:
                gen[name] = gen.get(spouse[name], 0)
            else:
                gen.setdefault(name, 0)
    return gen


def _branches(couples, parents: dict, spouse: dict) -> dict:
    left, right = couples[0][:2], couples[1][:2]
    ancestors_cache: dict = {}

    def ancestors(p):
        if p not in ancestors_cache:
            ancestors_cache[p] = set(parents[p]).union(*(ancestors(q) for q in parents[p])) if parents[p] else set()
        return ancestors_cache[p]

    def blood_branch(p):
        line = ancestors(p) | {p}
        on_left, on_right = bool(line & set(left)), bool(line & set(right))
        return "both" if on_left and on_right else "left" if on_left else "right" if on_right else None

    out = {}
    for p in parents:
        b = blood_branch(p)
        out[p] = b if b is not None else blood_branch(spouse[p])
    return out


def family_trees() -> FamilyTrees:
    """Build the family-tree task of Rumelhart, Hinton & Williams (1986) (see `FamilyTrees` for the fields).

    The network of the paper reads `inputs()` (24 person units + 12 relation units), passes them through
    6+6 -> 12 -> 6 hidden units to 24 output units, and is trained on the multi-hot `targets()` of 100 cases,
    tested on the 4 held out by `split()`.
    """
    tables = {}
    for couples, order, nation in ((ENGLISH_COUPLES, ENGLISH, "English"), (ITALIAN_COUPLES, ITALIAN, "Italian")):
        gender, parents, spouse = _facts(couples)
        if set(gender) != set(order):
            raise ValueError(f"family trees: the {nation} couples name {sorted(gender)}, the order lists {order}")
        tables[nation] = (couples, gender, parents, spouse)
    gender, parents, spouse, nationality, generation, branch = {}, {}, {}, {}, {}, {}
    for nation, (couples, g, ps, sp) in tables.items():
        gender.update(g)
        parents.update(ps)
        spouse.update(sp)
        nationality.update(dict.fromkeys(g, nation))
        generation.update(_generations(ps, sp))
        branch.update(_branches(couples, ps, sp))
    people = ENGLISH + ITALIAN
    cases = []
    for p in people:
        for r in RELATIONS:
            answers = _relation(parents, spouse, gender, p, r)
            if answers:
                cases.append((p, r, answers))
    ro = MappingProxyType  # read-only views: the task cannot be edited by accident
    return FamilyTrees(people=people, relations=RELATIONS, cases=tuple(cases), gender=ro(gender),
                       nationality=ro(nationality), generation=ro(generation), branch=ro(branch),
                       parents=ro(parents), spouse=ro(spouse), isomorphism=ro(dict(zip(ENGLISH, ITALIAN, strict=True))))
