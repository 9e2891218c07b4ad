"""Random draws addressed by name: (world, stream, step, item) -> number, for all worlds at once.

Each world gets a 64-bit key from its own ``SeedSequence`` (see ``world_seed``). A draw is a
SplitMix64 hash of that key, a stream id (one for alignment noise, one per event, derived from
the dyad's or the event's *name*) and a counter (the step). So world w's numbers depend only
on its seed, never on how many worlds share its batch; and a given event or dyad sees the same
numbers in two scenarios that both contain it, which makes scenario comparisons paired.
"""

from __future__ import annotations

import zlib

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
UNIT = 1.0 / float(1 << 53)


def world_keys(seeds: list[np.random.SeedSequence]) -> np.ndarray:
    """One 64-bit key per world, from that world's own seed."""
    return np.array([s.generate_state(1, dtype=np.uint64)[0] for s in seeds], dtype=np.uint64)


def stream_id(name: str) -> np.uint64:
    """A stable 64-bit id for a named stream, e.g. 'noise:PAK-RUS' or 'event:druzhba'."""
    data = name.encode()
    return np.uint64((zlib.crc32(data) << 32) | zlib.crc32(data[::-1] + b"#"))


def mix(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: a bijective scramble of 64-bit integers."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * MIX1
        x = (x ^ (x >> np.uint64(27))) * MIX2
        return x ^ (x >> np.uint64(31))


def uniforms(keys: np.ndarray, streams: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """U(0, 1) draws of shape (W, T, S) for worlds ``keys``, step counters and stream ids."""
    with np.errstate(over="ignore"):
        x = keys[:, None, None] + GOLDEN * (steps[None, :, None].astype(np.uint64) + np.uint64(1))
        x = mix(mix(x) ^ streams[None, None, :].astype(np.uint64))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * UNIT


def normals(keys: np.ndarray, streams: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Standard normal draws (W, T, S) by the Box-Muller transform of two uniform streams."""
    u1 = uniforms(keys, streams, steps)
    u2 = uniforms(keys, mix(streams.astype(np.uint64) ^ GOLDEN), steps)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
