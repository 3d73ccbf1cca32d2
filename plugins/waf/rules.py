"""The WAF's rules: SQL injection, XSS, path traversal and OS command injection, per value.

Measured in docs/plans/waf-research.md on the corpus under tests/plugins/waf/corpus/
(payloads of sqlmap, wfuzz, wapiti, fray and brs-kb; benign record data in 35
locales). libinjection was the other candidate for SQL injection and XSS; its only
binding that installs on Python 3.11 is GPLv3, so these rules stand alone:
T1-T5 (traversal) and C1-C10 (commands) from the research, S1-S8 and X1-X6 as it
measured them beside libinjection, and S9-S14 added here for the classic SQL
injections libinjection would have caught (``' or '1'='1``, ``union select``).
tests/plugins/waf/test_corpus.py holds the rates.

Every value is decoded the way attackers encode (percent-encoding up to three
rounds, overlong UTF-8 and ``%u`` forms, HTML entities, NFKC), lower-cased, and
matched by one google-re2 set: linear time whatever the input, so no pattern can
be made to backtrack for seconds (with Python's ``re`` a 40 kB ``"< < <"`` took
4.8 s). The one back-reference (``and user=user``) stays in ``re`` and runs only on
values holding ``=``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote

import re2

_OVERLONG = [
    (re.compile(r"%c0%ae|%e0%80%ae|%c0%2e|%u002e|%uff0e|%u2024", re.I), "."),
    (re.compile(r"%c0%af|%e0%80%af|%c0%2f|%u002f|%u2215|%uff0f|%c1%9c|%c1%1c|%c0%5c|%u005c|"
        r"%u2216|%uff3c", re.I), "/"),
]


def _decode(value: str) -> tuple[str, str, bool]:
    """``value`` as the rules read it: (decoded, with its backslashes; normalised: NFKC,
    backslashes as slashes, lower case, NULs out; whether it held a NUL once decoded)."""
    decoded = value
    for _ in range(3):  # double and triple encoding, but no more
        step = decoded
        for pattern, replacement in _OVERLONG:
            step = pattern.sub(replacement, step)
        step = unquote(step, errors="replace")
        if step == decoded:
            break
        decoded = step
    decoded = html.unescape(decoded)
    normal = unicodedata.normalize("NFKC", decoded) if not decoded.isascii() else decoded
    nul = "\x00" in normal
    return decoded, normal.replace("\x00", "").replace("\\", "/").lower(), nul


# ---------------------------------------------------------------- path traversal
SENSITIVE = (
    r"etc/(?:passwd|shadow|group|hosts|issue|crontab|sudoers|hostname|services|resolv\.conf|"
    r"fstab|motd|profile|my\.cnf|apache2?/|httpd/|nginx/|mysql/|ssh/)"
    r"|proc/(?:self|version|cmdline|\d+/)|var/log/|var/www/|usr/local/|root/|"
    r"(?:var/)?run/secrets/|\.dockerenv|\.svn/|\.bash(?:rc|_profile)\b"
    r"|(?:windows|winnt)/(?:win\.ini|system\.ini|system32|repair|debug|php\.ini)|boot\.ini|inetpub/"
    r"|\.ssh/|\.htaccess|\.htpasswd|\.bash_history|\.git/|\.env\b|web\.config|wp-config\.php|id_rsa"
)
TRAVERSAL_RULES = {
    # a ".." (or "...") path segment: at the start, after a slash, "=" or ";" (not inside prose)
    "T1-dotdot-segment": re.compile(r"(?:^|[/=;:])\.{2,};?(?:/|$)"),
    # two dot-dot steps anywhere ("x ../../y")
    "T2-dotdot-twice": re.compile(r"\.\.+/+\.\.+(?:/|$)"),
    # a well-known system file or directory as a path component
    "T3-sensitive-file": re.compile(r"(?:^|[/=:@ ])(?:/?)(?:" + SENSITIVE + r")"),
    # stream wrappers used for file inclusion
    "T4-wrapper": re.compile(r"\b(?:file|php|phar|zip|expect|glob|jar|netdoc|data)://"),
}


# ---------------------------------------------------------------- OS command injection
# Commands that are not words of any language we store: flagged after a shell separator.
STRICT = (
    r"whoami|uname|ifconfig|ipconfig|netstat|nslookup|systeminfo|tasklist|certutil|bitsadmin|"
    r"wget|curl|ncat|netcat|socat|telnet|tftp|bash|zsh|ksh|csh|busybox|"
    r"python[23]?|perl|ruby|php|powershell|pwsh|cmd\.exe|wmic|mshta|rundll32|regsvr32|"
    r"chmod|chown|mkfifo|useradd|usermod|crontab|base64|xxd|printenv|getent|traceroute|tracert|dir|"
    r"/bin/\w+|/usr/bin/\w+"
)
# Short commands that are also abbreviations ("ID", "PS", "w/"): flagged after a separator only
# when nothing, another separator or an option follows.
SHORT = r"id|ls|ps|pwd|env|set|w|ver|host|net|sc|reg|dig|sh|nc|cmd|uptime|hostname|whoami|cat|dir"
# Commands that are also words ("cat", "find", "more"): flagged after a separator only with an
# argument that looks like shell: an option, a path, a variable, a quote, a glob, a redirect.
WORDISH = (
    r"cat|tac|more|less|head|tail|echo|printf|type|find|grep|awk|sed|sort|kill|"
    r"rm|cp|mv|touch|mkdir|sudo|su|exec|eval|ssh|scp|ftp|nohup|start|call|copy|del|"
    r"shutdown|reboot|systemctl|service|xargs|tee|od|strings|stat|wc|cut|tr|expr|nc|sh"
)
SEP = r"(?:[;&|\n]|\$\()"
_BIN = r"(?:/(?:usr/)?(?:local/)?s?bin/)?"
CMDI_RULES = {
    "C1-sep-command": re.compile(SEP + r"\s*(?:" + STRICT + r")(?:$|[\s;&|<>`)$]|\.exe\b)"),
    "C2-sep-short": re.compile(SEP + r"\s*" + _BIN + r"(?:" + SHORT + r")(?:\s*$|\s*[;&|<>`)#]|"
        r"\s+-{1,2}[a-z])"),
    "C3-sep-word-arg": re.compile(SEP + r"\s*" + _BIN + r"(?:" + WORDISH + r")(?:\s*[;&|<>`]|"
        r"\s+[-/$~\"'*`%]|\$\{?ifs)"),
    "C4-sleep-ping": re.compile(
        SEP + r"\s*(?:(?:sleep|timeout)\s+/?t?\s*\d+(?:\.\d+)?\s*(?:$|[;&|#`'\")]|--)"
        r"|ping\s+(?:-[nc]\s*\d|(?:\d{1,3}\.){3}\d{1,3}|[a-z0-9.-]+\.[a-z]{2,}\s*(?:$|[;&|]))|"
        r"sleep\(\d)"
    ),
    "C5-substitution": re.compile(r"\$\(\s*[a-z/_.]|\$\{?ifs\}?|\$\{[a-z_]+:[-\d]|\$\{path"),
    # backtick substitution glued to a value or opening it (markdown `code` follows a blank)
    "C6-backtick": re.compile(r"(?:^|[^\s`])`\s*" + _BIN + r"(?:" + STRICT + "|" + SHORT + "|"
        r"" + WORDISH + r"|sleep|ping|timeout)\b[^`]*`"),
    # admin commands whose first argument gives them away (net user, reg query, ps aux, ip addr)
    "C8-admin-command": re.compile(
        SEP + r"\s*(?:net1?\s+(?:user|localgroup|group|view|share|use|start|stop)\b|"
            r"reg\s+(?:query|add|delete|save)\b|"
        r"ps\s+(?:aux|-?ef)\b|ip\s+(?:a|addr|route|link)\b|ss\s+-\w|"
        r"dig\s+[a-z0-9.-]+\.[a-z]{2,}|waitfor\s+/t|choice\s+/t|"
        r"timeout\s+\d+\s+\w|xterm\b|(?:java|node)\s+-)"
    ),
    # code execution in an interpreter or template ({{7*7}}, __import__('os'), child_process)
    "C10-code-exec": re.compile(
        r"__import__\s*\(|require\s*\(\s*['\"]child_process|getruntime\s*\(\s*\)\s*\.\s*exec|"
        r"\bos\.(?:system|popen)\s*\(|"
        r"subprocess\.(?:call|popen|run|check_output)\s*\(|\{\{\s*\d+\s*[*+]\s*\d+\s*\}\}|"
        r"\$\{\s*\d+\s*[*+]\s*\d+\s*\}"
    ),
    "C7-shell": re.compile(
        r"/bin/(?:ba|z|k|c|da)?sh\b|/dev/(?:tcp|udp)/|\bnc(?:at)?(?:\.exe)?\s+-[a-z]*[ec]\b|"
        r"\bbash\s+-[ic]\b|\bcmd(?:\.exe)?\s*/[ck]\b|\bpowershell(?:\.exe)?\s+-|"
        r"\bsh\s+-c\b|>\s*/dev/null|2>&1|\bxp_cmdshell\b"
    ),
}


# Shell quoting tricks inside a command word (;i''d  ;i\\d  ;{id,}  ;$'\\x69\\x64'
# ;/???/??t); run on the decoded value with its backslashes kept.
CMDI_OBFUSCATION = re.compile(r"(?:[;&|\n]|\$\()\s*(?:[a-z]+(?:\"\"|''|\\)[a-z]|\{[a-z]+,|"
                              r"\$'\\[x0-7]|/\?+/)")


# ---------------------------------------------------------------- SQL injection
_SQL_COMMENT = re.compile(r"/\*.*?\*/")
SQLI_RULES = {
    # sub-select: "(SELECT *", "(SELECT 1", "(SELECT CASE", "(SELECT version()", "(SELECT (ELT("
    "S1-subselect": re.compile(r"\(\s*select\s+(?:\*|\d|null\b|case\b|count\s*\(|top\s+\d|"
        r"distinct\b|@@|\(|[a-z_][\w$.]*\s*\()"),
    # string concatenated with a sub-query or cast ('x'||(SELECT, 'x'||CAST(
    "S2-concat-subquery": re.compile(r"'\s*\|\|\s*(?:\(\s*select\b|cast\s*\(|chr\s*\(|char\s*\()"),
    # CASE WHEN 1=1 / CASE 1 WHEN 1
    "S3-case-tautology": re.compile(r"\bcase\s+(?:when\s*\(?\s*\d+\s*=\s*\d+|\d+\s+when\s+\d+)"),
    # time delays
    "S4-delay": re.compile(
        r"\bwaitfor\s+delay\s*'|\b(?:pg_)?sleep\s*\(\s*\d|\bbenchmark\s*\(\s*\d|"
        r"\bdbms_(?:pipe\.receive_message|lock\.sleep)\s*\(|\brandomblob\s*\(\s*\d"
    ),
    # stacked statements that only SQL writes
    "S5-stacked": re.compile(
        r";\s*(?:select\s+(?:\*|\d|null\b|case\b|@@|[a-z_]+\s*\()|(?:exec|"
        r"execute)\s+(?:master\.|xp_|sp_)|declare\s+@|"
        r"(?:drop|truncate|alter)\s+table\s+\w|copy\s*\(|shutdown\s*(?:--|;|$))"
    ),
    # AND/OR with a numeric comparison or a word equal to itself (and 2=2, or 0=0, and user=user)
    "S6-tautology": re.compile(r"\b(?:and|or|xor)\s+(?:not\s+)?\(?\s*(?:\d+\s*(?:=|<>|!=|<|"
        r">)\s*\(?\s*\d+\b|(\w+)\s*=\s*\1\b)"),
    # a value that is only a word, a quote and a comment (admin'--, admin'#)
    "S7-quote-comment": re.compile(r"^[\w@.-]*'\s*(?:--|#|/\*)[^\s]*$"),
    # SQL Server / Oracle procedure and catalogue names
    "S8-sql-objects": re.compile(
        r"\b(?:xp_cmdshell|xp_regread|sp_executesql|sp_password|information_schema\.|"
        r"sysobjects\b|sys\.\w+|pg_catalog\.|sqlite_master\b|"
        r"utl_(?:http|inaddr)\.|dbms_\w+\.|procedure\s+analyse\s*\()"
    ),
}


SQLI_RULES.update({
    "S9-union-select": re.compile(r"\bunion\s+(?:all\s+|distinct\s+)?\(*\s*select\b"),
    "S10-quote-boolean": re.compile(
        r"['\"]\s*\)*\s*(?:or|and|xor|&&|\|\|)\s*\(*\s*(?:'[^']*'|\"[^\"]*\"|\d+|"
        r"[a-z_]\w*(?:\(\))?)"
        r"\s*(?:=|==|<>|!=|<|>|\blike\b|\bregexp\b|\brlike\b)"),
    "S11-quote-comment": re.compile(r"['\"]\s*\)*\s*(?:--|#|/\*)(?:\s|$|[a-z]*$)"),
    "S12-quote-stacked": re.compile(
        r"['\"]\s*\)*\s*;\s*(?:update|delete|insert|create|drop|exec|execute|declare|alter|grant|"
        r"shutdown|select|truncate)\b"),
    "S13-sql-functions": re.compile(
        r"@@(?:version|variable|datadir|hostname)|\b(?:version|database|user|current_user|"
        r"schema)\s*\(\s*\)|"
        r"\bsys_eval\s*\(|\bload_file\s*\(|\binto\s+(?:out|dump)file\b|\b(?:elt|"
        r"make_set)\s*\(\s*\d+\s*=\s*\d+|"
        r"\bregexp_substring\s*\(|\b(?:extractvalue|updatexml)\s*\(|\bconvert\s*\(\s*int\b|"
        r"\bcast\s*\([^)]*\bas\s+(?:int|char|varchar|numeric)\b|\bchar\s*\(\s*\d+\s*\)|"
        r"\b0x[0-9a-f]{6,}\b|"
        r"\bbit_count\s*\(|\bcrypt_key\s*\(|\bsubstring\s*\(\s*(?:@@|version|user|database)"),
    "S14-quote-clause": re.compile(r"['\"]\s*\)*\s*(?:order|group)\s+by\s+\d|"
        r"['\"]\s*\)*\s*(?:having|limit)\s+\d"),
})


# ---------------------------------------------------------------- XSS
XSS_RULES = {
    # javascript:/vbscript: URL followed by code
    "X1-js-url": re.compile(r"(?:java|vb|"
        r"live)script:\s*(?:/\*.*?\*/\s*)?(?:[a-z_$][\w$.]*\s*[(`=\[]|void\b|\{|/\*|\[)"),
    # event handler attribute inside a tag or after a quote
    "X2-event-attr": re.compile(r"(?:<[^>]*[\s/\"'`]|[\"'`]\s*|^\s*)on[a-z]{3,25}\s*=\s*[^\s=]"),
    # tags that run script or load content
    "X3-tag": re.compile(r"<\s*/?\s*(?:script|svg|iframe|frame|object|embed|applet|math|base|"
        r"meta|link|style|form|isindex|marquee|xss)\b"),
    # breaking out of a JS string into a call
    "X4-js-breakout": re.compile(r"[\"'`]\s*[;,)+\-*]\s*(?:alert|prompt|confirm|eval|print|"
        r"fetch|document\.|window\.|top\[|location)\b"),
    # client-side template sandbox escapes ({{constructor.constructor(...)}})
    "X5-template": re.compile(r"\{\{[^}]*(?:constructor|\$eval|\$on\b|_c\.)"),
    # DOM sinks fed with code
    "X6-dom-sink": re.compile(
        r"\b(?:document\.(?:cookie|domain|write)|(?:document|window)\.location|"
        r"location\s*(?:\.href\s*)?=\s*[\"']?javascript|"
        r"set(?:timeout|interval)\s*\(\s*[\"'`]|eval\s*\(\s*(?:[\"'`]|location|url|atob|name)|"
        r"innerhtml\s*=)"
    ),
}
_CTRL = re.compile(r"[\t\r\n\x00\x0b\x0c]")


# ---------------------------------------------------------------- one pass over a value
# Letters, digits and blanks only: no rule can match such a value but a UNION SELECT
# or a hexadecimal literal, so the rest is skipped for it (most record fields).
_PLAIN = re.compile(r"[\w\s]*")


# ---------------------------------------------------------------- the same rules in one RE2 set
# google-re2 runs all the patterns in one linear-time pass (no backtracking, so no ReDoS on
# attacker-chosen input). RE2 has no back-references: S6's "word = same word" stays in `re`.
def _build_re2():
    rset = re2.Set.SearchSet(re2.Options())
    names = []
    for group in (TRAVERSAL_RULES, CMDI_RULES, SQLI_RULES, XSS_RULES):
        for name, rx in group.items():
            if name == "S6-tautology":
                rset.Add(r"\b(?:and|or|xor)\s+(?:not\s+)?\(?\s*\d+\s*(?:=|<>|!=|<|>)\s*\(?\s*\d+\b")
            else:
                rset.Add(rx.pattern)
            names.append(name)
    rset.Compile()
    return rset, names


_RE2_SET, _RE2_NAMES = _build_re2()
_S6_WORD = re.compile(r"\b(?:and|or|xor)\s+(?:not\s+)?\(?\s*(\w+)\s*=\s*\1\b")


def check(value: str) -> list[str]:
    """The names of the rules ``value`` matches (empty: none)."""
    if _PLAIN.fullmatch(value) and "union" not in value.lower() and "0x" not in value.lower():
        return []
    decoded, normal, nul = _decode(value)
    hits = ["T5-nul-byte"] if nul else []
    hits += [_RE2_NAMES[i] for i in (_RE2_SET.Match(normal) or [])]
    # Two variants as well: SQL comments out and blanks collapsed (as the SQL rules read
    # it), and control characters out ("jav\tascript:").
    sql_view = re.sub(r"\s+", " ", _SQL_COMMENT.sub(" ", normal))
    for variant in (sql_view, _CTRL.sub("", normal)):
        if variant != normal:
            hits += [_RE2_NAMES[i] for i in (_RE2_SET.Match(variant) or [])
                     if _RE2_NAMES[i] not in hits]
    if "=" in sql_view and _S6_WORD.search(sql_view):
        hits.append("S6-tautology")
    if CMDI_OBFUSCATION.search(decoded.lower()):
        hits.append("C9-obfuscation")
    return hits


# A rule that also matches some prose ("'fine' -- but") weighs less than the threshold:
# alone it never blocks, beside another hit it does.
WEIGHTS = {"S11-quote-comment": 3}
SERIOUS = 5


def weight(rule: str) -> int:
    return WEIGHTS.get(rule, SERIOUS)


CATEGORIES = {"S": "sql_injection", "X": "xss", "T": "path_traversal", "C": "command_injection"}


def category(rule: str) -> str:
    return CATEGORIES[rule[0]]
