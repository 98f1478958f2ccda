#!/usr/bin/env bash
# Installs every Debian package Vitrine needs to build, test and benchmark.
# Idempotent: packages already present are not downloaded again. Works as root on a bare
# machine; as another user it uses sudo when available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev          # Beast + Asio (HTTP server); 1.74's body_limit(none) is broken
  libsqlite3-dev            # embedded catalog (and its R*Tree for annotation bounding boxes)
  libgeos-dev               # annotation geometry: validation, repair, measures (GEOS C API)
  libvips-dev libvips-tools # every pixel operation; vipsthumbnail is a benchmark reference
  libtiff-dev libturbojpeg0-dev  # tiles read from tiled TIFFs, sent as stored or re-encoded alone
  libargon2-dev             # password hashing (argon2id)
  libssl-dev                # SHA-256, HMAC, random bytes
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libsimdjson-dev           # bulk annotation bodies: nlohmann's lexer was a sixth of a 10,000-shape request
  libcurl4-openssl-dev      # HTTP client used by tests (and later the remote client)
  libgtest-dev libgmock-dev libbenchmark-dev
  wrk                       # HTTP benchmark load generator
  nginx-light               # bench/tile_bench.sh ceiling; the local cluster's load balancer
  libarchive-dev            # analytic bundles (.tar.gz) unpacked by job workers
  libfftw3-dev libhdf5-dev  # feature descriptors: the Gabor bank's FFTs; BisQue's HDF5 feature tables
  libopencv-core-dev libopencv-imgproc-dev libopencv-features2d-dev  # descriptors: moments, keypoints, HOG
  python3-tables python3-h5py  # tests read feature tables as bqapi (PyTables) and h5py do
  python3-scipy python3-skimage  # feature references: scikit-image's HOG, LBP and Gabor bank, SciPy's FFT
  python3-celery redis-server python3-redis  # bench/job_bench.sh reference: Celery with a Redis broker
  # Cytomine's Python client (tests/compat): what it imports, and Shapely to read its WKT back
  python3-requests python3-requests-toolbelt python3-cachecontrol python3-shapely
  # Sticky Pi's RemoteClient (tests/compat/stickypi): what sticky_pi_api imports
  python3-pandas python3-joblib python3-sqlalchemy python3-passlib python3-itsdangerous python3-dotenv
  python3-boto3 python3-pil
  python3-opencv            # bench/dark_objects_reference.py and job_bench.sh: dark objects with OpenCV
  libpq-dev postgresql      # the PostgreSQL catalog (btree_gist, in this package, for box indexes), its test server
  curl procps time          # time: peak-RSS figures in bench/memory_bench.sh
  clang libclang-rt-14-dev  # make test-fuzz: clang 14 and its libFuzzer/sanitizer runtimes
  clang-format              # the layout check in make test (tools/check_format.sh)
  llvm                      # llvm-symbolizer: function names and lines in sanitizer reports
  chromium                  # the web application's end-to-end tests (driven by playwright-core from npm)
)
# The web application builds with the machine's Node.js and npm (Vite 8 wants Node.js 20.19 or
# later); Debian's nodejs (18) is installed only where there is none, and tools/build-web.sh says
# plainly when it is too old.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq

# Debian's scipy (and scikit-image through it) depends, via pythran, on libboost-dev: Boost 1.74,
# which conflicts with the libboost1.81-dev Vitrine builds with. A local placeholder package of
# that name, depending on libboost1.81-dev, satisfies the dependency with the Boost we have.
if ! dpkg-query -W -f='${Status}' libboost-dev 2>/dev/null | grep -q "install ok installed"; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends equivs libboost1.81-dev </dev/null
  placeholder=$(mktemp -d)
  cat >"$placeholder/libboost-dev.ctl" <<'CONTROL'
Section: libdevel
Priority: optional
Standards-Version: 3.9.2
Package: libboost-dev
Version: 1.81.0.99
Depends: libboost1.81-dev
Description: Boost headers, provided by libboost1.81-dev (a local placeholder)
 Satisfies libboost-dev for packages that need Boost headers (pythran, for scipy),
 with the Boost 1.81 Vitrine builds with instead of Debian's default 1.74.
CONTROL
  (cd "$placeholder" && equivs-build libboost-dev.ctl >/dev/null && "${sudo_cmd[@]}" dpkg -i libboost-dev_*.deb >/dev/null)
  rm -rf "$placeholder"
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
