#!/usr/bin/env python3
"""Write a synthetic catalog N times the size of a real one, to show how cost grows.

    synth_catalog.py CATALOG.json N OUT.json

The catalog's groups are repeated N times; in copy k (k >= 2) every id defined inside the
group (group, control, part and parameter ids) gets the prefix "k<k>-", and so does every
mention of such an id (prose parameter inserts, "#id" links, references), so the copies are
as valid against the OSCAL schema as the original and hold no duplicate ids.
"""

import json
import re
import sys

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def ids_in(node, out):
    if isinstance(node, dict):
        ident = node.get("id")
        if isinstance(ident, str):
            out.add(ident)
        for value in node.values():
            ids_in(value, out)
    elif isinstance(node, list):
        for value in node:
            ids_in(value, out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, times, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    catalog = doc["catalog"]
    groups = catalog.get("groups", [])
    ids = set()
    ids_in(groups, ids)
    text = json.dumps(groups, ensure_ascii=False)
    copies = list(groups)
    for k in range(2, times + 1):
        prefix = f"k{k}-"
        renamed = TOKEN.sub(lambda m: prefix + m.group(0) if m.group(0) in ids else m.group(0), text)
        copies.extend(json.loads(renamed))
    catalog["groups"] = copies
    catalog["metadata"]["title"] = f'{catalog["metadata"]["title"]} (synthetic, groups x{times})'
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
