"""sigma-cli (`sigma check …`, `sigma convert …`) from the vendored pySigma and sigma-cli, offline.

pySigma downloads the MITRE ATT&CK and D3FEND data its tag checks need from GitHub on first use; this runner gives it
pySigma's own last shipped copies of that data (data/, see README.md) in a cache directory of its own, which it removes
when done. Usage: python3 tools/sigma-check/sigma_cli.py check --fail-on-issues DIR
"""

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "site"))

from sigma.data import mitre_attack, mitre_d3fend  # noqa: E402


def shipped(name):
    spec = importlib.util.spec_from_file_location(name, HERE / "data" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    cache = tempfile.mkdtemp(prefix="capwatch-pysigma-")
    try:
        for loader, name in ((mitre_attack, "mitre_attack"), (mitre_d3fend, "mitre_d3fend")):
            data = shipped(name)
            loader.set_cache_dir(str(Path(cache) / name))
            # The key and shape pySigma's own loader stores after a download (sigma/data/mitre_*.py).
            loader._get_cache().set(f"{name}_data", {k: getattr(data, k) for k in dir(data) if k.startswith(f"{name}_")})
        from sigma.cli.main import main as sigma_cli

        sys.argv = ["sigma", *sys.argv[1:]]
        sigma_cli()
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
