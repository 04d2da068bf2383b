"""Build and execute notebooks/03_family_trees.ipynb (Rumelhart, Hinton & Williams 1986, family trees).

Usage: python scripts/notebooks/gen03.py          (full run, ~40 s on 2 cores; writes the notebook with outputs
                                                   and notebooks/results/03_family_trees.json)
The cells are written here once; the notebook is always regenerated from this file, never edited by hand.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAME = "03_family_trees"


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str):
    return new_code_cell(text.strip("\n"))


CELLS = [
    md(r"""
# 3. Rumelhart, Hinton & Williams (1986): family trees

**The task.** Two isomorphic family trees, 12 English and 12 Italian people, and 12 relations (father, mother,
husband, wife, son, daughter, uncle, aunt, brother, sister, nephew, niece). Every fact is a triple
*(person1, relation, person2)*: "Colin's aunt is Jennifer". Given person1 and the relation, the network must
turn on every correct person2 (Colin has two aunts, so two output units must come on). There are 104 such
(person1, relation) cases, 52 per family (`autodiff.datasets.family_trees()`).

**The network** (the paper's Figure 3): 24 one-hot person1 units → **6** units and, separately, 12 one-hot
relation units → **6** units; both groups → 12 central units → 6 units → 24 person2 output units. All units are
logistic. Because each person reaches the rest of the net only through 6 units, the net must invent a compact
*code* for people — and the paper's point is that the code it invents reflects the structure of the trees
(nationality, generation, branch of the family), none of which is given in the one-hot input.

**Training, as the paper states it** (text and Figure 4 caption; the seed summary in this repo only gives the
1,500 sweeps): full batch on 100 of the 104 cases, E = ½ Σ (y − d)² **summed** over cases and outputs;
ε = 0.005, α = 0.5 for the first 20 sweeps, then ε = 0.01, α = 0.9 up to 1,500 sweeps; "weight decay": every
weight is decremented by 0.2% after each weight change; and the error counts as zero for an output that should be
on and is above 0.8, or should be off and is below 0.2. The 4 held-out cases are then tested. The paper reports
its net got all 4 right, and a second net from other random weights 3 of 4.

**What we change, and why (measured below).** With exactly these settings our nets never leave the plateau
where every output sits at 0.2 — the 0.2%-per-sweep decay out-pulls the small gradient ε = 0.01 gives there.
So after the paper's first 20 sweeps we use **ε = 0.2 up to sweep 1,500, then ε = 0.1 up to sweep 3,000**
(α = 0.9 throughout), keeping the 0.2% decay and the 0.2/0.8 tolerance, with initial weights from U[−0.5, 0.5]
(the paper does not state its range). Everything else is as above. How we chose: ε = 0.1 from the start is too
slow to leave the plateau in 1,500 sweeps and ε = 0.2 throughout is unstable late in training (see the spikes
below); for the second phase we tried ε = 0.02, 0.05 and 0.1 (20 seeds each) and kept 0.1, the only one where
every net fits its training set. (That search also showed us the held-out scores — 36, 45 and 48 of 80 — so they
are not a fully blind test of the choice.)

**Measured.** Held-out cases correct over many seeds (each seed: its own random weights *and* its own 4 held-out
cases, from `FamilyTrees.split(4, seed)`), training accuracy, and the structure of the learned 6-unit person
codes: for each attribute (nationality, generation, branch; gender as a control) the best |correlation| of any of
the 6 units' weights with it. `AUTODIFF_QUICK=1` runs fewer seeds (for the test suite); headline numbers go to
`results/03_family_trees.json`.
"""),
    code(r"""
%matplotlib inline
import json, os, time
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
import autodiff as ad
import nn, optim
from autodiff.datasets import family_trees

QUICK = os.environ.get("AUTODIFF_QUICK") == "1"
RESULTS_DIR = os.environ.get("AUTODIFF_RESULTS_DIR", "results")
T0 = time.time()
ad.set_default_dtype(np.float64)

N_SEEDS = 2 if QUICK else 20          # independent nets (weights and held-out split both from the seed)
SWEEPS = 3000
DECAY = 0.002                         # every weight (and bias) *= 1 - 0.002 after each update, as in the paper
INIT = 0.5                            # initial weights and biases ~ U[-0.5, 0.5]
SCHEDULE = {0: (0.005, 0.5), 20: (0.2, 0.9), 1500: (0.1, 0.9)}        # sweep -> (epsilon, alpha)
PAPER_SCHEDULE = {0: (0.005, 0.5), 20: (0.01, 0.9)}                    # the paper's, for 1,500 sweeps

ft = family_trees()
P, R, Y = ft.person_onehot(), ft.relation_onehot(), ft.targets()
print(ft, "| inputs", P.shape, R.shape, "targets", Y.shape, "| seeds:", N_SEEDS)
"""),
    md(r"""
## The people and the attributes the codes are compared with

`ft.people` lists the 12 English people first, generation by generation, and `people[i + 12]` is the Italian
counterpart of `people[i]` (the isomorphism), so English and Italian columns line up in every figure below.
The labels are derived by the dataset from the parent and spouse facts alone: **generation** 0, 1, 2 counts down
from the founders, a married-in spouse taking the partner's generation; **branch** is *left* for people who
descend from, or married into, the first founding couple (Christopher = Penelope / Roberto = Maria), *right* for
the second (Andrew = Christine / Pierro = Francesca), and *both* for the youngest two, grandchildren of both
couples. For correlations we code nationality English 0 / Italian 1, branch left −1 / both 0 / right +1, gender
male 0 / female 1.
"""),
    code(r"""
people = ft.people
ATTRS = {
    "nationality": np.array([ft.nationality[p] == "Italian" for p in people], float),
    "generation": np.array([ft.generation[p] for p in people], float),
    "branch": np.array([{"left": -1, "both": 0, "right": 1}[ft.branch[p]] for p in people], float),
    "gender": np.array([ft.gender[p] == "female" for p in people], float),   # control: not needed for the task
}
print(f"{'English':12s} {'Italian':12s} gen branch gender")
for e, i in ft.isomorphism.items():
    print(f"{e:12s} {i:12s} {ft.generation[e]:3d} {ft.branch[e]:6s} {ft.gender[e]}")
examples = [(p, r, sorted(a)) for p, r, a in ft.cases[:3]] + [("Colin", "aunt", sorted(ft.answers("Colin", "aunt")))]
print("\nexample cases:", *examples, sep="\n  ")
"""),
    md(r"""
## The network and the training loop

Two separate encoding layers (`person`, `relation`), their outputs concatenated, then three more logistic layers.
The loss is the paper's E with its 0.2/0.8 tolerance: an output that should be on contributes
½ max(0, 0.8 − y)², one that should be off ½ max(0, y − 0.2)². `optim.SGD(lr=ε, momentum=α)` is the paper's
Δw(t) = −ε ∂E/∂w + α Δw(t−1) (see its docstring; the two forms differ only at the moment ε changes, where SGD's
stored velocity is rescaled by the new ε). Weight decay is the paper's multiplicative 0.2% after each step — not
the `weight_decay=` L2 term of `SGD`, which would pass through the momentum. A case counts as **correct** when
every one of the 24 outputs is on the right side of 0.5 (correct person2s above, all others below); we also report
a lenient "top-k" score: the k most active outputs are exactly the k answers.
"""),
    code(r"""
class FamilyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.person = nn.Linear(24, 6)      # person1 one-hot -> 6-unit person code
        self.relation = nn.Linear(12, 6)    # relation one-hot -> 6-unit relation code
        self.central = nn.Linear(12, 12)
        self.decode = nn.Linear(12, 6)
        self.out = nn.Linear(6, 24)         # -> person2 units
        self.act = nn.Sigmoid()

    def forward(self, p, r):
        h = ad.cat([self.act(self.person(p)), self.act(self.relation(r))], axis=1)
        return self.act(self.out(self.act(self.decode(self.act(self.central(h))))))


def paper_error(y, d):
    # E = 1/2 sum of squared errors, counting an output as exact once it is beyond 0.8 (on) or below 0.2 (off)
    e = ad.relu(0.8 - y) * d + ad.relu(y - 0.2) * (1 - d)
    return 0.5 * (e * e).sum()


def right_side(y, d):     # strict: every output on the right side of 0.5
    return ((y > 0.5) == (d > 0.5)).all(axis=1)


def top_k(y, d):          # lenient: the k most active outputs are the k answers
    return np.array([set(np.argsort(-yy)[: int(dd.sum())]) == set(np.flatnonzero(dd)) for yy, dd in zip(y, d)])


def train(seed, schedule=SCHEDULE, sweeps=SWEEPS, init=INIT, decay=DECAY):
    ad.manual_seed(seed)
    net = FamilyNet()
    for p in net.parameters():
        nn.init.uniform_(p, -init, init)
    tr, te = ft.split(4, seed=seed)
    p_tr, r_tr, d_tr = ad.tensor(P[tr]), ad.tensor(R[tr]), ad.tensor(Y[tr])
    opt = optim.SGD(net.parameters(), lr=schedule[0][0], momentum=schedule[0][1])
    losses = []
    for sweep in range(sweeps):
        if sweep in schedule:
            for g in opt.param_groups:
                g["lr"], g["momentum"] = schedule[sweep]
        opt.zero_grad()
        loss = paper_error(net(p_tr, r_tr), d_tr)
        loss.backward()
        opt.step()
        with ad.no_grad():
            for p in net.parameters():
                p.mul_(1 - decay)
        losses.append(loss.item())
    return net, tr, te, np.array(losses)


def predict(net, idx):
    with ad.no_grad():
        return net(ad.tensor(P[idx]), ad.tensor(R[idx])).data
"""),
    md(r"""
## First, the paper's settings exactly

ε = 0.005, α = 0.5 for 20 sweeps, then ε = 0.01, α = 0.9, to 1,500 sweeps, with the 0.2% decay; for three
initial weight ranges since the paper does not give one.
"""),
    code(r"""
t0 = time.time()
paper_runs = []
for init in (0.3, 0.5, 1.0):
    for seed in range(1 if QUICK else 2):
        net, tr, te, losses = train(seed, schedule=PAPER_SCHEDULE, sweeps=1500, init=init)
        acc = float(right_side(predict(net, tr), Y[tr]).mean())
        out_mean = float(predict(net, tr).mean())
        paper_runs.append({"init": init, "seed": seed, "final_loss": float(losses[-1]), "train_accuracy": acc,
                           "mean_output": out_mean, "losses": losses})
        print(f"init U[-{init}, {init}], seed {seed}: E after 1500 sweeps = {losses[-1]:6.2f}, "
              f"training cases correct {acc:.0%}, mean output {out_mean:.2f}")
net, tr, te, losses = train(0, schedule=PAPER_SCHEDULE, sweeps=5000, decay=0.0)
no_decay = {"sweeps": 5000, "final_loss": float(losses[-1]),
            "train_accuracy": float(right_side(predict(net, tr), Y[tr]).mean()), "losses": losses}
print(f"without the decay, seed 0, U[-0.5, 0.5], 5000 sweeps: E = {losses[-1]:.2f}, "
      f"training cases correct {no_decay['train_accuracy']:.0%}")
print(f"({time.time() - t0:.1f} s)")
"""),
    md(r"""
Every net ends on the same plateau: all outputs near 0.2, E ≈ 18 (the error of ~108 "on" targets sitting at
0.2 instead of 0.8), no training case correct. On this plateau the error gradient reaching the lower layers is
tiny (four logistic layers, each slope ≤ ¼, and outputs that are off are already exact), and with ε = 0.01 it is
smaller than the decay pulling every weight back to 0 by 0.2% per sweep; a step ε·∂E/∂w must beat 0.002·w.
Without the decay, the paper's ε = 0.01 does leave the plateau given more sweeps (last line above, and the
dotted curve below), but then the weights are not shaped by the decay that the paper added precisely to make
them interpretable. We do not know what made the paper's run escape (initial range, exact
error scaling and update details are not all given); a 20× larger ε does it reliably, so we use that.

## Our schedule, over many seeds
"""),
    code(r"""
t0 = time.time()
runs = []
for seed in range(N_SEEDS):
    net, tr, te, losses = train(seed)
    y_tr, y_te = predict(net, tr), predict(net, te)
    runs.append({"seed": seed, "net": net, "train": tr, "test": te, "losses": losses,
                 "train_correct": int(right_side(y_tr, Y[tr]).sum()),
                 "test_correct": int(right_side(y_te, Y[te]).sum()),
                 "test_topk": int(top_k(y_te, Y[te]).sum())})
print(f"{N_SEEDS} nets x {SWEEPS} sweeps in {time.time() - t0:.1f} s")
print("seed  E_final  train (of 100)  held-out strict (of 4)  held-out top-k (of 4)")
for r in runs:
    print(f"{r['seed']:4d} {r['losses'][-1]:8.3f} {r['train_correct']:10d} {r['test_correct']:16d}"
          f" {r['test_topk']:20d}")
held = [r["test_correct"] for r in runs]
held_topk = [r["test_topk"] for r in runs]
train_acc = np.mean([r["train_correct"] / 100 for r in runs])
print(f"\nheld-out correct: {sum(held)}/{4 * N_SEEDS} strict ({sum(held) / (4 * N_SEEDS):.0%}), "
      f"{sum(held_topk)}/{4 * N_SEEDS} top-k;  nets with 4/4: {held.count(4)}, 3/4: {held.count(3)}  "
      f"(paper: 4/4 and 3/4 in its two runs)")
print(f"training accuracy {train_acc:.1%}; nets with all 100 training cases right: "
      f"{sum(r['train_correct'] == 100 for r in runs)}/{N_SEEDS}")
"""),
    code(r"""
fig, ax = plt.subplots(figsize=(7, 3.5))
for i, r in enumerate(runs):
    ax.plot(r["losses"], color="tab:blue", alpha=0.4, lw=0.8, label="ours (ε 0.2 → 0.1)" if i == 0 else None)
for i, r in enumerate(paper_runs):
    ax.plot(r["losses"], color="tab:red", alpha=0.7, lw=0.8, label="paper's ε = 0.01" if i == 0 else None)
ax.plot(no_decay["losses"], color="tab:red", ls=":", lw=1, label="paper's ε = 0.01, no decay")
ax.set_yscale("log"); ax.set_xlabel("sweep"); ax.set_ylabel("E (with 0.2/0.8 tolerance)")
ax.axvline(1500, color="k", lw=0.5, ls="--")
ax.set_title("training error per sweep, every net"); ax.legend()
plt.tight_layout(); plt.show()
"""),
    md(r"""
The spikes in the blue curves are real: once E is near zero only the decay acts, it shrinks the weights until
some outputs leave their tolerance band, and a large ε with α = 0.9 then overshoots. Lowering ε to 0.1 for the
second half calms this, which is why the schedule has two steps.

## What one net says about its held-out cases

The first net (seed 0), its four held-out questions, its outputs above 0.5, and the answers:
"""),
    code(r"""
r0 = runs[0]
y0 = predict(r0["net"], r0["test"])
for k, i in enumerate(r0["test"]):
    p, rel, answers = ft.cases[i]
    on = {people[j]: round(float(y0[k, j]), 2) for j in np.flatnonzero(y0[k] > 0.5)}
    ok = "correct" if right_side(y0[k:k + 1], Y[i:i + 1])[0] else "wrong"
    print(f"{p}'s {rel}: net says {on}; answer {sorted(answers)}  -> {ok}")
"""),
    md(r"""
## The learned person codes

The paper's Figure 4 draws the weights from the 24 person units to the 6 code units: unit 1 separated English
from Italian, unit 2 encoded generation, unit 6 the branch of the family, and the code was the same for the two
families (because their trees are isomorphic, the net can reuse everything but the nationality unit). We measure
this on every net: the best |Pearson correlation| over the 6 units between a unit's 24 weights and each
attribute, and, as a test of the shared code, how many of the 12 English people have their own Italian
counterpart as nearest Italian neighbour once the best nationality unit is left out (chance: 1 of 12).
"""),
    code(r"""
def code_structure(W):
    # W: (6, 24) weights from person1 units to the 6 code units
    corr = {a: np.array([np.corrcoef(W[j], v)[0, 1] for j in range(W.shape[0])]) for a, v in ATTRS.items()}
    nat_unit = int(np.argmax(np.abs(corr["nationality"])))
    keep = [j for j in range(W.shape[0]) if j != nat_unit]
    eng, ita = W[keep, :12].T, W[keep, 12:].T
    dist = ((eng[:, None, :] - ita[None, :, :]) ** 2).sum(-1)
    iso = int((dist.argmin(axis=1) == np.arange(12)).sum())
    return corr, iso

for r in runs:
    r["corr"], r["iso"] = code_structure(r["net"].person.weight.data)
best = {a: [float(np.abs(r["corr"][a]).max()) for r in runs] for a in ATTRS}
iso = [r["iso"] for r in runs]
print("best |corr| of any code unit with the attribute, per net:")
for a, v in best.items():
    print(f"  {a:12s} median {np.median(v):.2f}  min {min(v):.2f}  max {max(v):.2f}")
print(f"English people whose nearest Italian code is their counterpart: median {np.median(iso):.1f}/12 "
      f"(range {min(iso)}-{max(iso)}; chance 1)")

# chance level: the same statistic with the attribute's 24 labels randomly shuffled (100 shuffles per net)
def zscore(a):
    return (a - a.mean(axis=-1, keepdims=True)) / a.std(axis=-1, keepdims=True)

perm_rng = np.random.default_rng(0)
chance = {}
for a, v in ATTRS.items():
    shuffled = zscore(np.stack([perm_rng.permutation(v) for _ in range(100)]))          # (100, 24)
    chance[a] = float(np.median([np.abs(zscore(r["net"].person.weight.data) @ shuffled.T / 24).max(axis=0)
                                 for r in runs]))
print("chance level (shuffled labels), median:", {a: round(c, 2) for a, c in chance.items()})

fig, ax = plt.subplots(figsize=(6, 3))
for k, (a, v) in enumerate(best.items()):
    ax.scatter(np.full(len(v), k) + np.linspace(-0.15, 0.15, len(v)), v, s=14)
    ax.hlines(chance[a], k - 0.3, k + 0.3, color="0.4", ls="--", label="chance (shuffled labels)" if k == 0 else None)
ax.set_xticks(range(len(best)), [f"{a}\n(control)" if a == "gender" else a for a in best])
ax.legend(loc="lower left", fontsize=8); ax.set_ylim(0, 1)
ax.set_ylabel("best |corr| over 6 units"); ax.set_title(f"person-code structure, {N_SEEDS} nets")
plt.tight_layout(); plt.show()
"""),
    md(r"""
A Hinton diagram of one net's person-code weights, in the paper's layout: one panel per code unit, English
people on the top row and their Italian counterparts directly below; white squares are positive weights, black
negative, area proportional to magnitude. We draw the net whose *weakest* of the three attributes is best
represented (the largest min over nationality, generation, branch of the best |corr|) — a selected net, so the
scatter above is the fair summary.
"""),
    code(r"""
def hinton(ax, W, wmax):
    ax.set_facecolor("0.55")
    for (i, j), w in np.ndenumerate(W):
        s = np.sqrt(abs(w) / wmax) * 0.9
        ax.add_patch(Rectangle((j - s / 2, i - s / 2), s, s, color="white" if w > 0 else "black"))
    ax.set_xlim(-0.6, W.shape[1] - 0.4); ax.set_ylim(W.shape[0] - 0.4, -0.6); ax.set_aspect("equal")

drawn = max(runs, key=lambda r: min(np.abs(r["corr"][a]).max() for a in ("nationality", "generation", "branch")))
W = drawn["net"].person.weight.data
wmax = np.abs(W).max()
fig, axes = plt.subplots(6, 1, figsize=(9, 10.5))
for u, ax in enumerate(axes):
    hinton(ax, np.stack([W[u, :12], W[u, 12:]]), wmax)
    c = drawn["corr"]
    ax.set_title(f"unit {u + 1}:  r(nationality) {c['nationality'][u]:+.2f}   r(generation) {c['generation'][u]:+.2f}"
                 f"   r(branch) {c['branch'][u]:+.2f}   r(gender) {c['gender'][u]:+.2f}", fontsize=9)
    ax.set_yticks([0, 1], ["English", "Italian"])
    ax.set_xticks(range(12), [f"{e}\n{i}" for e, i in ft.isomorphism.items()] if u == 5 else [""] * 12, fontsize=7)
fig.suptitle(f"person1 -> 6-unit code weights, seed {drawn['seed']} (max |w| = {wmax:.1f})")
plt.tight_layout(); plt.show()
print(f"drawn: seed {drawn['seed']}, held-out {drawn['test_correct']}/4, training {drawn['train_correct']}/100, "
      f"isomorphic nearest neighbours {drawn['iso']}/12")
"""),
    code(r"""
results = {
    "quick": QUICK, "n_seeds": N_SEEDS, "sweeps": SWEEPS, "schedule": {str(k): v for k, v in SCHEDULE.items()},
    "decay_per_sweep": DECAY, "init_range": INIT, "criterion": "all 24 outputs on the right side of 0.5",
    "held_out_correct_per_seed": held, "held_out_topk_per_seed": held_topk,
    "held_out_correct_total": sum(held), "held_out_cases_total": 4 * N_SEEDS,
    "train_correct_per_seed": [r["train_correct"] for r in runs], "train_accuracy_mean": float(train_acc),
    "final_loss_per_seed": [float(r["losses"][-1]) for r in runs],
    "best_abs_corr_per_seed": best, "best_abs_corr_chance": chance,
    "best_abs_corr_median": {a: float(np.median(v)) for a, v in best.items()},
    "isomorphic_nearest_per_seed": iso, "drawn_seed": drawn["seed"],
    "paper_settings_runs": [{k: v for k, v in r.items() if k != "losses"} for r in paper_runs],
    "paper_settings_no_decay": {k: v for k, v in no_decay.items() if k != "losses"},
    "paper": {"held_out_correct": [4, 3], "sweeps": 1500, "eps": 0.01, "alpha": 0.9, "decay": 0.002},
    "seconds": time.time() - T0,
}
os.makedirs(RESULTS_DIR, exist_ok=True)
with open(os.path.join(RESULTS_DIR, "03_family_trees.json"), "w") as f:
    json.dump(results, f, indent=1)
print(f"wrote {RESULTS_DIR}/03_family_trees.json in {results['seconds']:.1f} s total")
"""),
    md(r"""
## Compared with the paper

*All numbers from the full run above: 20 nets, each with its own random weights and its own 4 held-out cases.*

| | paper | ours |
|---|---|---|
| training | 1,500 sweeps, ε = 0.01 | 3,000 sweeps, ε = 0.2 then 0.1 (see top) |
| training cases right | no number given | 100% on average; 19 of 20 nets all 100, one net 99 |
| held-out cases right | 4/4 and 3/4 (7 of 8) | **48 of 80 (60%)**: 4/4 in 4 nets, 3/4 in 4, 2/4 in 8, 1/4 in 4 |
| held-out, lenient top-k score | — | 53 of 80 (66%) |
| person code: nationality | unit 1 | best unit's \|r\| median 0.89 (0.70–0.98) |
| person code: generation | unit 2 | median 0.86 (0.69–0.94) |
| person code: branch | unit 6 | median 0.74 (0.35–0.87) |
| gender (control) | not encoded | median 0.15 (0.06–0.25), *below* shuffled-label chance (0.33) |

**What matches.** The net learns all 100 training cases and invents a structured person code that nobody put
in the one-hot input: in every one of the 20 nets one unit separates English from Italian and one tracks
generation (both far above chance, 0.33), and in most nets one unit tracks the branch of the family — the three
features the paper found on its units 1, 2 and 6. The drawn net shows them plainly (its units 6, 3, and 1 and 5).
Gender of person1, which the task hardly needs (the relation already says whether person2 is male or female), is
encoded *less* than shuffled labels would be: the decay removes what the error does not pay for. The two
families share the code: with the nationality unit left out, an English person's nearest Italian code is their
own counterpart for a median 4.5 of 12 people (range 1–8; chance: 1).

**What differs, and why.**
* *The optimizer settings.* With the paper's ε = 0.01 and its 0.2% decay, all our nets (three initial ranges)
  stay on the all-outputs-at-0.2 plateau for the whole 1,500 sweeps. We need ε 10–20× larger to leave it. The
  paper's run evidently did leave it, and its initial weight range and a few details of its simulator are not
  stated, so we cannot say which difference matters; the decay relative to ε is also much weaker in our runs
  (0.002/0.2 instead of 0.002/0.01), so our codes are less pruned than the paper's.
* *Generalization.* The paper's two nets got 7 of 8 held-out cases; ours get 60% on average. At our rate, two
  nets scoring 7 or 8 of 8 would happen about one time in ten, so the paper's report sits on the lucky side of our
  distribution, but not outside it. Possible reasons, none tested here: weaker effective decay (above); different
  held-out cases (the paper's 4 are not listed; here every net gets its own random 4, and the per-net scores
  suggest some sets of 4 are harder than others); and our strict
  criterion (every output on the right side of 0.5; the lenient top-k score gives 66%). Correct held-out outputs
  are often weak (0.55–0.7): the net leans the right way rather than being sure.
* *The shared code is partial.* The paper's Figure 4 suggests English and Italian counterparts get nearly the
  same code apart from the nationality unit; ours agree in the main features (correlations above) but a person's
  nearest counterpart is right only for about a third of the people.
"""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    t = time.time()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nbformat.write(nb, NOTEBOOKS / f"{NAME}.ipynb")
    print(f"{NAME} executed in {time.time() - t:.1f} s")


if __name__ == "__main__":
    main()
