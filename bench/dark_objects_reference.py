#!/usr/bin/python3
"""The reference for bench/dark_objects_bench: vitrine/dark-objects' steps in Python + OpenCV.

    /usr/bin/python3 bench/dark_objects_reference.py [--processes 2] [--sigma 2] [--min-area 50]
        [--tolerance 1] [--per-file] FILE|DIR...

read -> grey (cvtColor) -> GaussianBlur(sigma) -> Otsu (THRESH_BINARY_INV: dark = grey <= t)
-> connectedComponentsWithStats (8-connectivity) -> drop areas under min_area -> per object:
outer contour of its own mask (findContours RETR_EXTERNAL) -> approxPolyDP(tolerance), area,
mean grey. Prints one line of key=value; --per-file adds "count FILE N" lines.
"""
import argparse
import os
import sys
import time
from multiprocessing import Pool

import cv2
import numpy as np

ARGS = None


def find_dark_objects(path):
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(grey, (0, 0), ARGS.sigma) if ARGS.sigma > 0 else grey
    _, mask = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    objects = []
    for label in range(1, count):  # 0 is the background
        x, y, w, h, area = stats[label]
        if area < ARGS.min_area:
            continue
        own = (labels[y:y + h, x:x + w] == label).astype(np.uint8)
        contours, _ = cv2.findContours(own, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = cv2.approxPolyDP(max(contours, key=len), ARGS.tolerance, True)
        mean = cv2.mean(grey[y:y + h, x:x + w], mask=own)[0]
        objects.append((outline, int(area), mean, (int(x), int(y), int(w), int(h))))
    return path, len(objects)


def init_worker(args):
    global ARGS
    ARGS = args
    cv2.setNumThreads(1)  # one process per core, as the C++ bench runs one thread per core


def list_images(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += sorted(os.path.join(root, n) for n in names
                                if n.lower().endswith((".jpg", ".jpeg", ".png", ".tif")))
        else:
            files.append(p)
    return files


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--sigma", type=float, default=2.0)
    parser.add_argument("--min-area", type=int, default=50)
    parser.add_argument("--tolerance", type=float, default=1.0)
    parser.add_argument("--per-file", action="store_true")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    files = list_images(args.paths)
    with Pool(args.processes, initializer=init_worker, initargs=(args,)) as pool:
        pool.map(abs, range(args.processes))  # workers started before the clock
        start = time.monotonic()
        results = pool.map(find_dark_objects, files, chunksize=1)
        seconds = time.monotonic() - start
    if args.per_file:
        for path, n in results:
            print(f"count {path} {n}")
    objects = sum(n for _, n in results)
    print(f"impl=opencv images={len(files)} processes={args.processes} seconds={seconds:.3f} "
          f"images_per_s={len(files) / seconds:.2f} objects={objects}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
