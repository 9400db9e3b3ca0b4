"""Download every package of requirements.txt, as wheels, for the classroom's machines, into
one folder to carry on a USB stick: a wheelhouse. The class then installs from it with no
network (`make setup-offline WHEELHOUSE=...`, or pip's `--no-index --find-links`).

    python tools/wheelhouse.py [FOLDER] [--platforms linux-x86_64 ...] [--pythons 3.12 ...]

`make wheelhouse` runs it from .venv, after installing uv (tools/wheelhouse-requirements.txt).

Why two tools: `pip download --platform` picks wheels for another machine, but decides
which dependencies it needs by *this* machine's markers, so on Linux it leaves out what
only Windows needs (colorama for click and pytest, tzdata for psycopg). uv resolves
requirements.txt for each target machine as that machine would; pip then downloads
exactly that list. Last, uv resolves each machine's requirements again from the folder
alone (`--no-index`): the proof that nothing is missing.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"  # read at each run: the pins of today

# Each target machine: uv's name for it, and the wheel platform tags pip may take for it
# (pip takes older macOS versions by itself, but not older manylinux ones).
PLATFORMS = {
    "linux-x86_64": (
        "x86_64-manylinux_2_28",
        ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    ),
    "linux-aarch64": (
        "aarch64-manylinux_2_28",
        ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
    ),
    "macos-arm64": ("aarch64-apple-darwin", ["macosx_11_0_arm64"]),
    "macos-x86_64": ("x86_64-apple-darwin", ["macosx_14_0_x86_64"]),
    "windows-amd64": ("x86_64-pc-windows-msvc", ["win_amd64"]),
}
# The Pythons that every pin installs on (see requirements.txt).
PYTHONS = ["3.11", "3.12", "3.13", "3.14"]


def pinned_for(platform, python, *options):
    """Every package requirements.txt needs on that machine, each as name==version, as uv
    resolves it (from PyPI, or where OPTIONS say)."""
    uv_platform, tags = PLATFORMS[platform]
    uv = [sys.executable, "-m", "uv", "pip", "compile", str(REQUIREMENTS), "--quiet"]
    uv += ["--python-platform", uv_platform, "--python-version", python]
    uv += ["--only-binary", ":all:", "--no-header", "--no-annotate", "--no-python-downloads"]
    uv += options
    env = dict(os.environ)
    if platform.startswith("macos"):
        # uv reads the oldest macOS to serve from here: the one of pip's tag.
        _, major, minor, _ = tags[0].split("_", 3)
        env["MACOSX_DEPLOYMENT_TARGET"] = f"{major}.{minor}"
    result = subprocess.run(  # noqa: S603 (our own command line)
        uv, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def download(folder, platform, python):
    """Download the wheels of one machine into FOLDER (pip skips those already there)."""
    with tempfile.TemporaryDirectory() as scratch:
        pins = Path(scratch) / "pins.txt"
        pins.write_text(pinned_for(platform, python))
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        pip += ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
        for tag in PLATFORMS[platform][1]:
            pip += ["--platform", tag]
        subprocess.run(  # noqa: S603 (our own command line)
            [*pip, "--dest", str(folder), "-r", str(pins)], check=True
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="wheelhouse", type=Path)
    parser.add_argument("--platforms", nargs="+", choices=PLATFORMS, default=list(PLATFORMS))
    parser.add_argument("--pythons", nargs="+", choices=PYTHONS, default=PYTHONS)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for platform in args.platforms:
        for python in args.pythons:
            print(f"{platform}, Python {python}", flush=True)
            try:
                download(args.folder, platform, python)
                # The proof: that machine's requirements resolve from the folder alone.
                pinned_for(platform, python, "--no-index", "--find-links", str(args.folder))
            except subprocess.CalledProcessError as error:
                sys.exit(
                    f"The wheels for {platform}, Python {python} are not all there:"
                    f" {error.stderr or 'see above'}"
                )
    wheels = list(args.folder.glob("*.whl"))
    size = sum(wheel.stat().st_size for wheel in wheels) / 2**20
    print(
        f"{len(wheels)} wheels, {size:.0f} MiB, in {args.folder}; each machine above finds all"
        f" it needs there. Install with no network: make setup-offline WHEELHOUSE={args.folder}"
    )


if __name__ == "__main__":
    main()
