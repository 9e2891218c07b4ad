"""The channels events act on during one step, for all worlds at once.

Events never touch the world's state directly: each step the world starts a fresh
:class:`Effects`, every active event adds to it, and the mechanisms read it. This keeps the
order of events irrelevant and makes "what did events do this step" one object.
"""

from __future__ import annotations

import numpy as np

from powershift.model.actors import POLICY_NAMES


class Effects:
    """Per-step event effects; arrays are (W, N) or (W, N, N), index [w, i, j] = from i to j."""

    def __init__(self, worlds: int, codes: list[str]) -> None:
        w, n = worlds, len(codes)
        self.codes = codes
        self._index = {c: i for i, c in enumerate(codes)}
        # levels
        self.sanctions = np.zeros((w, n, n))  # imposed by i on j, 0..1
        self.secondary = np.zeros((w, n, n))  # i's threat to punish third parties trading with j
        self.relief = np.zeros((w, n, n))  # share of i's sanctions on j lifted
        self.trade_boost = np.zeros((w, n, n))  # relative increase of target trade
        self.suspension = np.zeros((w, n, n))  # trade barrier from a crisis, 0..1
        self.import_cut = np.zeros((w, n, n))  # share of the flow exporter i -> importer j that j stops buying, 0..1
        self.energy_flow = np.zeros((w, n, n))  # extra exports i -> j, USD bn/yr
        self.arms_flow = np.zeros((w, n, n))  # deliveries i -> j, USD bn/yr
        self.arms_capability = np.zeros((w, n))  # capability added to j per year, USD bn/yr
        self.friction_cut = np.zeros((w, n, n))  # share of friction removed
        self.grievance = np.zeros((w, n))  # military spending push, GDP share per year
        self.policy_shift = {p: np.zeros((w, n)) for p in POLICY_NAMES}  # sum of level * new value
        self.policy_weight = {p: np.zeros((w, n)) for p in POLICY_NAMES}  # sum of levels
        # impulses
        self.alignment = np.zeros((w, n, n))
        self.anchor = np.zeros((w, n, n))  # shift of the relaxation anchor B (alignment units), symmetric
        self.military_tie = np.zeros((w, n, n))
        self.culture_tie = np.zeros((w, n, n))
        self.technology_tie = np.zeros((w, n, n))
        self.investment = np.zeros((w, n, n))  # new stock invested by i in j, USD bn
        self.stability = np.zeros((w, n))
        self.output_loss = np.zeros((w, n))  # share of potential GDP lost
        self.output_gain = np.zeros((w, n))  # potential GDP added, USD bn

    def idx(self, codes: list[str]) -> np.ndarray:
        return np.array([self._index[c] for c in codes], dtype=int)

    @staticmethod
    def add_pairs(target: np.ndarray, rows: np.ndarray, cols: np.ndarray, amount: np.ndarray, symmetric: bool) -> None:
        """Add amount (W,) to every (row, col) pair with row != col, both ways if symmetric.

        An event lists each actor once, so every pair occurs once per call and a plain indexed
        ``+=`` adds each amount exactly once, as ``np.add.at`` would, at a fraction of its cost.
        """
        a, b = np.nonzero(rows[:, None] != cols[None, :])
        r, c = rows[a], cols[b]
        target[:, r, c] += amount[:, None]
        if symmetric:
            target[:, c, r] += amount[:, None]

    def among(self, target: np.ndarray, codes: list[str], amount: np.ndarray) -> None:
        """Add symmetrically between every two of the listed actors (each unordered pair once)."""
        ids = self.idx(codes)
        self.add_pairs(target, ids, ids, amount, symmetric=False)

    def between(
        self, target: np.ndarray, sources: list[str], targets: list[str], amount: np.ndarray, symmetric: bool = False
    ) -> None:
        self.add_pairs(target, self.idx(sources), self.idx(targets), amount, symmetric)

    def on(self, target: np.ndarray, codes: list[str], amount: np.ndarray) -> None:
        """Add amount (W,) to each listed actor (each listed once, as in ``add_pairs``)."""
        target[:, self.idx(codes)] += amount[:, None]
