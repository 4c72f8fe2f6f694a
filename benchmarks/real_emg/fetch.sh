#!/bin/sh
# Re-create the real-EMG validation set under benchmarks/real_emg/data (not committed: 17 MB).
# UCI "EMG dataset in Lower Limb" (CC BY 4.0, doi:10.24432/C5ZW3P), from the UCI repository, or
# from a GitHub mirror of it; musclesyneRgies example data (MIT) converted with rdata.
set -e
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/data/uci" "$here/data/uci_a" "$here/data/santuz"
tmp=$(mktemp -d)
if curl -fsSL -o "$tmp/uci.zip" "https://archive.ics.uci.edu/static/public/278/emg+dataset+in+lower+limb.zip"; then
  (cd "$tmp" && unzip -q uci.zip && find . -path '*N_TXT*' -name '*N*.txt' -exec cp {} "$here/data/uci/" \; \
     && find . -path '*A_TXT*' -name '*A*.txt' -exec cp {} "$here/data/uci_a/" \;)
else
  git clone -q --depth 1 https://github.com/sudharsanbaskars/Action-Classification-From-Lower-Limb-EMG-Signal "$tmp/m"
  cp "$tmp"/m/N_TXT/*.txt "$here/data/uci/"
  cp "$tmp"/m/A_TXT/*.txt "$here/data/uci_a/"
fi
git clone -q --depth 1 https://github.com/alesantuz/musclesyneRgies "$tmp/ms"
python3 -m pip install -q rdata pandas
python3 - "$tmp/ms/data/RAW_DATA.RData" "$here/data/santuz" <<'PY'
import sys, rdata
d = rdata.conversion.convert(rdata.parser.parse_file(sys.argv[1]))["RAW_DATA"]["ID0012_TW_01"]
d["emg"].to_csv(f"{sys.argv[2]}/ID0012_TW_01_emg.csv", index=False)
d["cycles"].to_csv(f"{sys.argv[2]}/ID0012_TW_01_cycles.csv", index=False)
PY
rm -rf "$tmp"
echo "data in $here/data"
