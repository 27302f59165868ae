#!/usr/bin/env python3
"""CPython's cyclic collector on the graph shapes of CollectorFigures, for comparison.

Run: python3 omega-mem-bench/cpython-gc.py   (any CPython 3; prints milliseconds)
Shapes: 1,000,000 objects of cyclic garbage in rings of 10, one gc.collect();
700,000 young garbage objects in cycles while 1,000,000 objects stay live, gc.collect(0);
binary-trees (depth 16) with the longest gen-0/1/2 pause seen through gc.callbacks.
"""
import gc
import statistics
import sys
import time


class Node:
    __slots__ = ("ref", "__weakref__")

    def __init__(self):
        self.ref = None


def rings(objects, size=10):
    for _ in range(objects // size):
        first = Node()
        prev = first
        for _ in range(size - 1):
            nxt = Node()
            prev.ref = nxt
            prev = nxt
        prev.ref = first


def full_collection(objects, runs=3):
    times = []
    for _ in range(runs):
        gc.disable()
        rings(objects)
        start = time.perf_counter()
        freed = gc.collect()
        times.append((time.perf_counter() - start) * 1000)
        gc.enable()
        assert freed >= objects, freed
    return statistics.median(times)


def young_collection(live, garbage, runs=3):
    times = []
    for _ in range(runs):
        gc.disable()
        keep = [Node() for _ in range(live)]
        gc.collect()
        gc.collect()  # the live objects are now in the oldest generation
        rings(garbage)
        start = time.perf_counter()
        gc.collect(0)
        times.append((time.perf_counter() - start) * 1000)
        del keep
        gc.enable()
    return statistics.median(times)


class Tree:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def tree(depth):
    return Tree(None, None) if depth == 0 else Tree(tree(depth - 1), tree(depth - 1))


def check(t):
    return 1 if t.left is None else 1 + check(t.left) + check(t.right)


def binary_trees(max_depth):
    pauses = []
    started = {}

    def callback(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - started["t"]) * 1000)

    gc.callbacks.append(callback)
    start = time.perf_counter()
    long_lived = tree(max_depth)
    for depth in range(4, max_depth + 1, 2):
        for _ in range(1 << (max_depth - depth + 4)):
            check(tree(depth))
    check(long_lived)
    wall = (time.perf_counter() - start) * 1000
    gc.callbacks.remove(callback)
    return wall, max(pauses or [0]), len(pauses)


if __name__ == "__main__":
    depth = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    print(f"# CPython {sys.version.split()[0]} gc, same shapes as omega-mem-bench CollectorFigures")
    print(f"full collection, 1,000,000 objects of cyclic garbage: {full_collection(1_000_000):.1f} ms")
    print(f"young collection, 700,000 garbage while 1,000,000 live: {young_collection(1_000_000, 700_000):.1f} ms")
    wall, worst, count = binary_trees(depth)
    print(f"binary-trees depth {depth}: wall {wall:.0f} ms, max gc pause {worst:.2f} ms over {count} collections")
