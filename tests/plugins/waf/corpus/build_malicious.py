#!/usr/bin/env python3
"""Build sqli.txt, xss.txt, traversal.txt and cmdi.txt from payload lists shipped in packages.

Run fetch_sources.sh first, then:

    python3 build_malicious.py --src /tmp/waf-research/src [--out DIR]

Deterministic: no randomness except sqlmap's [RANDNUM]/[RANDSTR] placeholders, filled from
random.Random(12). Every line is one payload, as a parameter value would arrive at the
application after the usual URL decoding. Payloads with line breaks or control characters are
written with those characters URL-encoded (%0a, %0d, %00, %0c), the way the wfuzz lists already
spell them; a tab stays a tab. Within a file the lines are grouped by source in the order of
SOURCES below; the README gives the line ranges that this script prints.
"""

from __future__ import annotations

import argparse
import configparser
import json
import random
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

CAP = 1000  # lines per category at most


TRIVIAL = re.compile(r"[A-Za-z0-9 _.,-]*")


def clean(payload: str) -> str | None:
    """One line per payload: control characters URL-encoded, surrounding blanks kept out.

    Fuzzing primitives that no detector could tell from ordinary input are left out: lines of
    fewer than 4 characters, and lines of only letters, digits, blanks and ``_.,-`` ("desc",
    "order by", "alert", "id", "1e100")."""
    p = (
        payload.replace("\r", "%0d")
        .replace("\n", "%0a")
        .replace("\x00", "%00")
        .replace("\x0c", "%0c")
    )
    p = re.sub(r"[\x01-\x08\x0b\x0e-\x1f\x7f]", lambda m: f"%{ord(m.group()):02x}", p)
    p = p.strip(" ")
    if len(p) < 4 or TRIVIAL.fullmatch(p):
        return None
    return p


def spread(items: list[str], n: int) -> list[str]:
    """n items evenly spread over the list (all of them if it is short): deterministic."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def read_txt(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append(line)
    return out


# ---------------------------------------------------------------- wapiti .ini lists

WAPITI_TAGS = {
    "[TAB]": "\t",
    "[LF]": "\n",
    "[FF]": "\x0c",
    "[NULL]": "\x00",
    "[TIME]": "5",
    "[VALUE]": "1",
    "[EXTERNAL_ENDPOINT]": "http://attacker.example/",
    "[PROTO_ENDPOINT]": "attacker.example/",
    "[FILE_NAME]": "index.php",  # wapiti: the name of the script under test
    "__XSS__": "w4p1t1",
    "[ATTR_SEP]": " ",  # wapiti's xss_utils: a blank (or "/") between attributes
    "[VALUE_SEP]": '"',  # and a quote around attribute values
}


def read_wapiti(path: Path) -> list[str]:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(path, encoding="utf-8")
    out = []
    for section in cfg.sections():
        p = cfg[section].get("payload")
        if not p or p.lower() == "none":
            continue
        p = p.strip(" \n")
        for tag, value in WAPITI_TAGS.items():
            p = p.replace(tag, value)
        out.append(p)
    return out


# ---------------------------------------------------------------- fray JSON/txt lists


def read_fray(folder: Path, only: tuple[str, ...] = ()) -> list[str]:
    out = []
    for f in sorted(folder.glob("*.json")):
        if only and f.name not in only:
            continue
        data = json.loads(f.read_text(encoding="utf-8"))
        for entry in data.get("payloads", []):
            if isinstance(entry.get("payload"), str):
                out.append(entry["payload"])
    for f in sorted(folder.glob("*.txt")):
        out.extend(read_txt(f))
    return out


# fray's other xss/*.json files hold scraped Python source and CVE HTTP requests, not payloads
FRAY_XSS_FILES = (
    "advanced.json",
    "cloudflare_akamai_bypass.json",
    "dom_and_modern.json",
    "event_handlers.json",
    "threat_intel.json",
    "waf_bypass_advanced.json",
)


# ------------------------------------------------------------ brs-kb (MIT): XSS lists it re-ships

BRS_KB_LISTS = [
    ("brs_kb.payloads.external_sources.brs_kb_seclists", "SECLISTS_XSS_PAYLOADS"),
    ("brs_kb.payloads.external_sources.brs_kb_payloadsallthethings", "PAYLOADSALLTHETHINGS_XSS"),
    ("brs_kb.payloads.external_sources.brs_kb_payloadbox", "PAYLOADBOX_XSS"),
    ("brs_kb.payloads.external_sources.brs_kb_0xsobky", "SOBKY_PAYLOADS"),
    ("brs_kb.payloads.external_sources.brs_kb_terjanq_tiny", "TERJANQ_TINY_PAYLOADS"),
    ("brs_kb.payloads.external_sources.brs_kb_hakluke_weaponised", "HAKLUKE_WEAPONISED_PAYLOADS"),
    ("brs_kb.payloads", "BRS_KB_BRUTELOGIC_2020_DATABASE"),
    ("brs_kb.payloads", "BRS_KB_KINUGAWA_FILTERBYPASS_DATABASE"),
]


def read_brs_kb(root: Path) -> list[str]:
    import importlib

    sys.path.insert(0, str(root))
    out = []
    for module, name in BRS_KB_LISTS:
        entries = getattr(importlib.import_module(module), name)
        for key in sorted(entries):  # dict order is the source order; sort for stability
            out.append(entries[key].payload)
    return out


# ---------------------------------------------------------------- sqlmap XML payloads


def sqlmap_render(xml_dir: Path) -> list[str]:
    """sqlmap's detection requests: <boundary> prefix + <test> payload + comment + suffix.

    As sqlmap's checks.py forms them at --level 3 --risk 3: a test's <where> 1 appends to the
    original value ("1"), 2 replaces it by a negative number, 3 replaces it. [INFERENCE] becomes
    [RANDNUM]=[RANDNUM] (the "true" request), [GENERIC_SQL_COMMENT] "-- -". UNION tests carry no
    payload in the XML (sqlmap builds them in code); they are written here in sqlmap's own
    shape, "UNION ALL SELECT NULL,...,CONCAT(0x71..,..)-- -", for 1 to 6 columns.
    """
    rnd = random.Random(12)  # noqa: S311 - fills placeholders, no secret

    def fill(s: str) -> str:
        s = s.replace("[INFERENCE]", "[RANDNUM]=[RANDNUM]")
        s = s.replace("[GENERIC_SQL_COMMENT]", "-- -")
        s = s.replace("[SLEEPTIME]", "5").replace("[DELAYED]", "5")
        s = s.replace("[ORIGVALUE]", "1").replace("[ORIGINAL]", "1")
        s = s.replace("[DELIMITER_START]", "qvkzq").replace("[DELIMITER_STOP]", "qjxpq")
        s = s.replace("[QUERY]", "SELECT 'qvkzq'")
        s = s.replace("[SPACE_REPLACE]", " ").replace("[HASH_REPLACE]", "#")
        s = s.replace("[DOLLAR_REPLACE]", "$").replace("[AT_REPLACE]", "@")
        for tag in (
            "[RANDNUM]",
            "[RANDNUM1]",
            "[RANDNUM2]",
            "[RANDNUM3]",
            "[RANDNUM4]",
            "[RANDNUM5]",
        ):
            if tag in s:
                s = s.replace(tag, str(rnd.randint(1000, 9999)))
        for tag in ("[RANDSTR]", "[RANDSTR1]", "[RANDSTR2]"):
            if tag in s:
                s = s.replace(
                    tag, "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4))
                )
        return s

    def ints(text: str | None) -> set[int]:
        return {int(x) for x in (text or "").split(",") if x.strip().isdigit()}

    boundaries = []
    # sqlmap's own XML from the pinned package: trusted input
    for b in ET.parse(xml_dir / "boundaries.xml").getroot().findall("boundary"):  # noqa: S314
        if int(b.findtext("level")) <= 3:
            boundaries.append(
                (
                    ints(b.findtext("clause")),
                    ints(b.findtext("where")),
                    b.findtext("prefix") or "",
                    b.findtext("suffix") or "",
                )
            )

    out: list[str] = []
    for xml in sorted((xml_dir / "payloads").glob("*.xml")):
        for test in ET.parse(xml).getroot().findall("test"):  # noqa: S314
            req = test.find("request")
            payload = (req.findtext("payload") or "").strip()
            comment = (req.findtext("comment") or "").strip()
            where = ints(test.findtext("where"))
            clause = ints(test.findtext("clause"))
            if not payload:
                continue  # UNION tests: below
            for bclause, bwhere, prefix, suffix in boundaries:
                if not (where & bwhere) or not (clause & bclause or 0 in bclause or 0 in clause):
                    continue
                w = min(where & bwhere)
                origin = {1: "1", 2: f"-{rnd.randint(1000, 9999)}", 3: ""}[w]
                body = f"{prefix} {payload}" if (prefix or origin) else payload
                tail = (
                    f" {comment}" if comment else (f" {suffix.strip()}" if suffix.strip() else "")
                )
                out.append(fill(origin + body + tail))
    # UNION queries as sqlmap forms them
    for prefix, suffix in (("", ""), ("'", ""), (")", ""), ("')", ""), ('"', "")):
        for cols in range(1, 7):
            for char in ("NULL", "[RANDNUM]"):
                parts = [char] * cols
                parts[cols // 2] = "CONCAT(0x71766b7a71,0x4d6a4b7a6f51,0x716a787071)"
                out.append(fill(f"1{prefix} UNION ALL SELECT {','.join(parts)}-- -{suffix}"))
    return out


# ---------------------------------------------------------------- categories


def sources(src: Path) -> dict[str, list[tuple[str, list[str], int]]]:
    wf = src / "wfuzz/usr/share/wfuzz/wordlist"
    wa = src / "wapiti3/wapitiCore/data/attacks"
    fr = src / "fray/fray/payloads"
    sq = src / "sqlmap/sqlmap/data/xml"
    exec_payloads = [
        p
        for p in read_wapiti(wa / "execPayloads.ini")
        if "md5(" not in p and not p.startswith("data:")
    ]
    return {
        # (label, payloads, at most n of them)
        "sqli": [
            ("wfuzz 3.1.0 wordlist/Injections/SQL.txt", read_txt(wf / "Injections/SQL.txt"), 200),
            ("wfuzz 3.1.0 wordlist/vulns/sql_inj.txt", read_txt(wf / "vulns/sql_inj.txt"), 100),
            (
                "wapiti3 3.2.3 data/attacks/blindSQLPayloads.ini",
                read_wapiti(wa / "blindSQLPayloads.ini"),
                150,
            ),
            ("fray 3.5.249 payloads/sqli/*", read_fray(fr / "sqli"), 200),
            (
                "sqlmap 1.10.10 data/xml/payloads/*.xml + boundaries.xml (rendered)",
                sqlmap_render(sq),
                350,
            ),
        ],
        "xss": [
            ("wfuzz 3.1.0 wordlist/Injections/XSS.txt", read_txt(wf / "Injections/XSS.txt"), 100),
            (
                "wapiti3 3.2.3 data/attacks/xssPayloads.ini",
                read_wapiti(wa / "xssPayloads.ini"),
                100,
            ),
            (
                "brs-kb 4.0.2 payloads/external_sources (SecLists, PayloadsAllTheThings, "
                "payloadbox, 0xsobky, terjanq, hakluke) + BruteLogic 2020 + Kinugawa",
                read_brs_kb(src / "brs-kb"),
                500,
            ),
            (
                "fray 3.5.249 payloads/xss/{" + ",".join(FRAY_XSS_FILES) + "} + *.txt",
                read_fray(fr / "xss", FRAY_XSS_FILES),
                400,
            ),
        ],
        "traversal": [
            (
                "wfuzz 3.1.0 wordlist/Injections/Traversal.txt",
                read_txt(wf / "Injections/Traversal.txt"),
                100,
            ),
            (
                "wapiti3 3.2.3 data/attacks/fileHandlingPayloads.ini",
                read_wapiti(wa / "fileHandlingPayloads.ini"),
                100,
            ),
            ("fray 3.5.249 payloads/path_traversal/*", read_fray(fr / "path_traversal"), 400),
            (
                "wfuzz 3.1.0 wordlist/vulns/dirTraversal-nix.txt",
                read_txt(wf / "vulns/dirTraversal-nix.txt"),
                150,
            ),
            (
                "wfuzz 3.1.0 wordlist/vulns/dirTraversal-win.txt",
                read_txt(wf / "vulns/dirTraversal-win.txt"),
                150,
            ),
        ],
        "cmdi": [
            ("wapiti3 3.2.3 data/attacks/execPayloads.ini (OS commands only)", exec_payloads, 100),
            ("fray 3.5.249 payloads/command_injection/*", read_fray(fr / "command_injection"), 900),
        ],
    }


# wfuzz's All_attack.txt mixes every kind of attack; these lines (1-based) are OS command injection,
# picked by hand. Used only for the held-out set.
ALL_ATTACK_CMDI_LINES = [
    34,
    35,
    36,
    37,
    38,
    39,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    50,
    51,
    52,
    53,
    58,
    89,
    90,
    106,
    107,
    135,
    136,
    424,
]


def heldout_sources(src: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """Payloads the corpus files do not use, to check rules tuned on the corpus (not in git)."""
    import importlib

    wf = src / "wfuzz/usr/share/wfuzz/wordlist"
    sys.path.insert(0, str(src / "brs-kb"))
    core = importlib.import_module("brs_kb.payloads").CORE_PAYLOAD_DATABASE
    all_attack = (wf / "Injections/All_attack.txt").read_text(encoding="utf-8").splitlines()
    return {
        "xss": [("brs-kb 4.0.2 CORE_PAYLOAD_DATABASE", [core[k].payload for k in sorted(core)])],
        "cmdi": [
            (
                "wfuzz 3.1.0 Injections/All_attack.txt, command lines",
                [all_attack[i - 1] for i in ALL_ATTACK_CMDI_LINES],
            )
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", type=Path, default=Path("/tmp/waf-research/src"))
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument(
        "--heldout", type=Path, help="also write the unused payloads here, as <category>.txt"
    )
    args = ap.parse_args()
    leftovers: dict[str, list[str]] = {}
    for category, srcs in sources(args.src).items():
        seen: set[str] = set()
        lines: list[str] = []
        report = []
        for label, payloads, n in srcs:
            fresh = []
            for p in payloads:
                c = clean(p)
                if c and c not in seen and c not in fresh:
                    fresh.append(c)
            chosen = spread(fresh, min(n, CAP - len(lines)))
            seen.update(chosen)
            chosen_set = set(chosen)
            leftovers.setdefault(category, []).extend(x for x in fresh if x not in chosen_set)
            start = len(lines) + 1
            lines.extend(chosen)
            report.append(
                f"  {start:>4}-{len(lines):<4} {len(chosen):>4} of {len(fresh):>5} unique  {label}"
            )
        (args.out / f"{category}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{category}.txt: {len(lines)} lines")
        print("\n".join(report))
    if args.heldout:
        args.heldout.mkdir(parents=True, exist_ok=True)
        corpus = {
            c: set((args.out / f"{c}.txt").read_text(encoding="utf-8").splitlines())
            for c in leftovers
        }
        for category, srcs in heldout_sources(args.src).items():
            for _label, payloads in srcs:
                leftovers[category].extend(c for c in map(clean, payloads) if c)
        for category, items in leftovers.items():
            unique = [x for x in dict.fromkeys(items) if x not in corpus[category]]
            unique = spread(unique, 1500)
            (args.heldout / f"{category}.txt").write_text(
                "\n".join(unique) + "\n", encoding="utf-8"
            )
            print(f"held-out {category}.txt: {len(unique)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
