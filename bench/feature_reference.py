#!/usr/bin/env python3
"""HTD references for bench/feature_bench.sh, on the same files as Vitrine, in the same run:
  fft      the same Gabor bank (docs/features.md) applied with SciPy's FFT: the image's spectrum
           times each kernel's (kernel spectra made once per image size, as Vitrine keeps them),
           inverse FFT, mean and deviation of the magnitude.
  fft-per-image  the same, with the kernels placed and transformed for every image, as BisQue's own
           Python HTD (htd_extractor.py) builds its filters at the image's size each time.
  skimage  scikit-image's gabor filter (spatial convolution) with the same 24 frequencies,
           orientations and envelopes, then the same statistics.
Prints one line: '<images> images in <seconds> s'.
Usage: feature_reference.py fft|fft-per-image|skimage PROCESSES FILE...
"""
import math
import sys
import time
from multiprocessing import Pool

import cv2
import numpy as np
import scipy.fft

SCALES, ORIENTATIONS, UL, UH, SIDE = 4, 6, 0.05, 0.5, 81


def bank_parameters():
    a = (UH / UL) ** (1.0 / (SCALES - 1))
    su = (a - 1) * UH / ((a + 1) * math.sqrt(2 * math.log(2)))
    z = -2 * math.log(2) * su * su / UH
    sv = math.tan(math.pi / (2 * ORIENTATIONS)) * (UH + z) / math.sqrt(2 * math.log(2) - z * z / (su * su))
    return a, 1 / (2 * math.pi * su), 1 / (2 * math.pi * sv)


def kernel(scale, orientation):
    a, sx, sy = bank_parameters()
    half = SIDE // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float64)
    theta = orientation * math.pi / ORIENTATIONS
    shrink = a ** -scale
    xr = shrink * (x * math.cos(theta) + y * math.sin(theta))
    yr = shrink * (-x * math.sin(theta) + y * math.cos(theta))
    envelope = shrink / (2 * math.pi * sx * sy) * np.exp(-0.5 * (xr ** 2 / sx ** 2 + yr ** 2 / sy ** 2))
    return envelope * np.exp(2j * math.pi * UH * xr)


SPECTRA = {}


def spectra(shape):
    if shape not in SPECTRA:
        h, w = shape
        out = []
        for s in range(SCALES):
            for n in range(ORIENTATIONS):
                placed = np.zeros(shape, np.complex128)
                half = SIDE // 2
                k = kernel(s, n)
                for ky in range(SIDE):
                    np.add.at(placed[(ky - half) % h], (np.arange(SIDE) - half) % w, k[ky])
                out.append(scipy.fft.fft2(placed))
        SPECTRA.clear()
        SPECTRA[shape] = out
    return SPECTRA[shape]


def htd_fft_per_image(path):
    SPECTRA.clear()
    return htd_fft(path)


def htd_fft(path):
    grey = cv2.imread(path, cv2.IMREAD_GRAYSCALE).astype(np.float64)
    spectrum = scipy.fft.fft2(grey)
    values = []
    for g in spectra(grey.shape):
        r = np.abs(scipy.fft.ifft2(spectrum * g))
        values.append((r.mean(), r.std()))
    return [m for m, _ in values] + [d for _, d in values]


def htd_skimage(path):
    from skimage.filters import gabor
    grey = cv2.imread(path, cv2.IMREAD_GRAYSCALE).astype(np.float64)
    a, sx, sy = bank_parameters()
    values = []
    for s in range(SCALES):
        for n in range(ORIENTATIONS):
            real, imag = gabor(grey, frequency=UH * a ** -s, theta=n * math.pi / ORIENTATIONS,
                               sigma_x=sx * a ** s, sigma_y=sy * a ** s)
            r = np.hypot(real, imag)
            values.append((r.mean(), r.std()))
    return [m for m, _ in values] + [d for _, d in values]


def main():
    mode, processes, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    work = {"fft": htd_fft, "fft-per-image": htd_fft_per_image, "skimage": htd_skimage}[mode]
    start = time.monotonic()
    with Pool(processes) as pool:
        results = pool.map(work, files, chunksize=max(1, len(files) // (4 * processes)))
    elapsed = time.monotonic() - start
    assert all(len(r) == 48 for r in results)
    print("%d images in %.3f s" % (len(files), elapsed))


if __name__ == "__main__":
    main()
