#!/usr/bin/python3
"""examples/mean-brightness: sets `mean_brightness` on each input image (docs/jobs.md).

Python's standard library decodes no JPEG, so the mean comes from `vips avg` (Debian's
libvips-tools, which Vitrine's own setup installs); swap in Pillow or OpenCV if the workers have it.
"""
import json, os, subprocess, sys

task = json.load(open(os.environ["VITRINE_TASK"]))
images = task["inputs"]["images"]
decimals = task["parameters"]["decimals"]
found = {}
for n, (image_id, path) in enumerate(zip(images["image-ids"], images["paths"]), 1):
    mean = float(subprocess.run(["vips", "avg", path], check=True, capture_output=True, text=True).stdout)
    found[str(image_id)] = {"mean_brightness": f"{mean:.{decimals}f}"}
    print(f"image {image_id}: {mean:.{decimals}f}\nprogress: {100 * n // len(images['image-ids'])}", flush=True)
with open(os.path.join(os.environ["VITRINE_OUTPUT_DIR"], "brightness.json"), "w") as out:
    json.dump(found, out)
