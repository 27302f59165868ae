#!/usr/bin/env python3
"""CPython's cyclic collector on the graph shapes and program of omega-mem-bench, for comparison.

Run: python3 omega-mem-bench/cpython-gc.py [quick|full] [--depth N] [--objects N]
(any CPython 3; prints milliseconds in the layout of omega-mem-bench/run's gc section).

The shapes are those of CollectorFigures and BinaryTrees, object for object:
- full collection: OBJECTS objects of cyclic garbage in rings of 10 (each object one reference
  slot), one gc.collect();
- young collection: 0.7 * OBJECTS objects of young garbage in rings of 10, while OBJECTS objects
  (a chain from one root object) are in the oldest generation, gc.collect(0);
- binary-trees: the Benchmarks Game program (a stretch tree of depth N + 1 built and checked, one
  long-lived tree, 2^(N - d + 4) trees of each depth d = 4, 6, ..., N built and checked, the
  long-lived tree checked; checking walks a tree and counts its nodes), with the gen-0/1/2 pauses
  seen through gc.callbacks.
Garbage is rings, not objects without references, for both: reference counting frees an object no
cycle holds before CPython's collector could see it.

Cold and warm, as omega-mem-bench reports them: binary-trees runs first, so its first run is the
first in a fresh process (cold); then one warm-up run, then three measured runs, whose medians are
the warm figure. The one-collection figures print the first collection and the median (range) of
the runs after the warm-ups (quick: 3 runs after 2; full: 5 after 3). Binary-trees depth: quick 16,
full 20.
"""
import argparse
import gc
import math
import statistics
import sys
import time

RING = 10
MIN_DEPTH = 4
TREE_WARMUPS = 1  # as BenchMain's binary-trees
TREE_RUNS = 3


class Node:
    __slots__ = ("ref", "__weakref__")

    def __init__(self):
        self.ref = None


def rings(objects):
    for _ in range(objects // RING):
        first = Node()
        prev = first
        for _ in range(RING - 1):
            nxt = Node()
            prev.ref = nxt
            prev = nxt
        prev.ref = first


def chain(objects):
    """A root object and a chain of `objects` objects from it."""
    root = Node()
    prev = root
    for _ in range(objects):
        nxt = Node()
        prev.ref = nxt
        prev = nxt
    return root


def timings(times, warmups):
    measured = times[1 + warmups:]
    return (f"first {times[0]:6.1f}, median {statistics.median(measured):6.1f}"
            f" ({min(measured):.1f}..{max(measured):.1f})")


def full_collection(objects, warmups, runs):
    times = []
    for _ in range(1 + warmups + runs):
        gc.disable()
        rings(objects)
        start = time.perf_counter()
        freed = gc.collect()
        times.append((time.perf_counter() - start) * 1000)
        gc.enable()
        assert freed >= objects, freed
    return timings(times, warmups)


def young_collection(live, garbage, warmups, runs):
    times = []
    for _ in range(1 + warmups + runs):
        gc.disable()
        root = chain(live)
        gc.collect()
        gc.collect()  # the live objects are now in the oldest generation
        rings(garbage)
        start = time.perf_counter()
        freed = gc.collect(0)
        times.append((time.perf_counter() - start) * 1000)
        assert freed >= garbage, freed
        del root
        gc.enable()
    return timings(times, warmups)


class Tree:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def tree(depth):
    return Tree(None, None) if depth == 0 else Tree(tree(depth - 1), tree(depth - 1))


def check(t):
    return 1 if t.left is None else 1 + check(t.left) + check(t.right)


def program(n):
    """The Benchmarks Game's binary-trees; returns its check lines."""
    max_depth = max(MIN_DEPTH + 2, n)
    lines = [f"stretch tree of depth {max_depth + 1}\t check: {check(tree(max_depth + 1))}"]
    long_lived = tree(max_depth)
    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 1 << (max_depth - depth + MIN_DEPTH)
        total = 0
        for _ in range(iterations):
            total += check(tree(depth))
        lines.append(f"{iterations}\t trees of depth {depth}\t check: {total}")
    lines.append(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}")
    return lines


def expected_checks(n):
    max_depth = max(MIN_DEPTH + 2, n)
    lines = [f"stretch tree of depth {max_depth + 1}\t check: {(1 << (max_depth + 2)) - 1}"]
    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 1 << (max_depth - depth + MIN_DEPTH)
        lines.append(f"{iterations}\t trees of depth {depth}\t check: {iterations * ((1 << (depth + 1)) - 1)}")
    lines.append(f"long lived tree of depth {max_depth}\t check: {(1 << (max_depth + 1)) - 1}")
    return lines


def binary_trees_once(n):
    """Wall ms, max and p99 pause ms (nearest rank, as omega-mem-bench), pauses, check lines."""
    pauses = []
    started = {}

    def callback(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - started["t"]) * 1000)

    gc.collect()
    gc.callbacks.append(callback)
    start = time.perf_counter()
    lines = program(n)
    wall = (time.perf_counter() - start) * 1000
    gc.callbacks.remove(callback)
    if lines != expected_checks(n):
        raise AssertionError(f"binary-trees printed {lines}, expected {expected_checks(n)}")
    pauses.sort()
    count = len(pauses)
    p99 = pauses[min(count - 1, math.ceil(count * 0.99) - 1)] if count else 0.0
    return (wall, pauses[-1] if count else 0.0, p99, count), lines


def binary_trees(n, warmups, runs):
    results = []
    cold_lines = None
    for i in range(1 + warmups + runs):
        result, lines = binary_trees_once(n)
        if i == 0:
            cold_lines = lines
        results.append(result)
    measured = results[1 + warmups:]
    warm = tuple(statistics.median(r[k] for r in measured) for k in range(4))
    return results[0], warm, cold_lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", choices=["quick", "full"], default="quick")
    parser.add_argument("--depth", type=int, help="binary-trees depth (quick 16, full 20)")
    parser.add_argument("--objects", type=int, default=1_000_000,
                        help="objects of the one-collection figures (default 1,000,000)")
    args = parser.parse_args()
    full = args.mode == "full"
    depth = args.depth or (20 if full else 16)
    warmups, runs = (3, 5) if full else (2, 3)
    objects = args.objects
    garbage = objects * 7 // 10

    print(f"# CPython {sys.version.split()[0]} gc ({args.mode}), the shapes and program of"
          f" omega-mem-bench CollectorFigures and BinaryTrees")
    cold, warm, lines = binary_trees(depth, TREE_WARMUPS, TREE_RUNS)
    print()
    print(f"## binary-trees depth {depth}, trees checked; cold = first run in this fresh process,"
          f" warm = medians of {TREE_RUNS} runs after {TREE_WARMUPS} warm-up")
    for line in lines:
        print(line)
    print(f"{'contender':<22} {'run':>5} {'wall ms':>10} {'max pause ms':>14} {'p99 pause ms':>14} {'pauses':>8}")
    for name, r in (("cold", cold), ("warm", warm)):
        print(f"{'CPython gc':<22} {name:>5} {r[0]:10.0f} {r[1]:14.2f} {r[2]:14.2f} {r[3]:8.0f}")
    print()
    print(f"## full collection of {objects:,} objects of cyclic garbage (rings of {RING}), ms: the"
          f" first, then the median (range) of {runs} after {warmups} more")
    print(f"{'CPython gc':<22} {full_collection(objects, warmups, runs)}")
    print()
    print(f"## young collection, {garbage:,} garbage (rings of {RING}) while {objects:,} live"
          f" (a chain from one root) in the oldest generation, ms: "
          f"{young_collection(objects, garbage, warmups, runs)}")


if __name__ == "__main__":
    main()
