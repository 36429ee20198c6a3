#!/usr/bin/env python3
"""Run libyara's own test cases against `yara` and `vigie yara`, side by side.

Usage: libyara-tests.py YARA_REPO_GIT_DIR 'VIGIE CMD' [TAG] [-v]
  YARA_REPO_GIT_DIR  a git directory of VirusTotal/yara (a bare mirror is fine)
  VIGIE CMD          how to call the engine, e.g. '/tmp/vigie yara'
  TAG                the libyara release whose tests are read (default v4.2.3)

The assert_* macro calls of tests/test-rules.c, test-pe.c, test-elf.c,
test-math.c, test-dotnet.c and test-macho.c (tests/util.h) are extracted
from the C source: their rule text and data (C string literals, the TEXT_*
macros, the byte arrays of tests/blob.h, files under tests/data, and the
local char* / uint8_t[] variables a test function initialises with
those before the call). Each case
runs through the command line tools as the C test would through the
library: a rule that must match (any rule matches the data; "dummy" when the
data is NULL), must not match, must fail to compile, compiles with or
without warnings, a match count, or a regexp whose match must capture the
expected text (yara -s). The externals of tests/util.c (var_zero, var_one,
var_true, var_false) are defined with -d.

Prints, per source file, how many cases yara itself passes and how many of
those vigie passes, then the cases vigie fails (with -v, the rule text).
Cases the extractor cannot rebuild (C expressions, loops) are counted as
skipped. Needs python3 and git.
"""
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

FILES = ["test-rules.c", "test-pe.c", "test-elf.c", "test-math.c", "test-dotnet.c", "test-macho.c"]
DEFS = ["-d", "var_zero=0", "-d", "var_one=1", "-d", "var_true=true", "-d", "var_false=false"]


def git_show(repo, tag, path, binary=False):
    out = subprocess.run(["git", "--git-dir", repo, "show", f"{tag}:{path}"], capture_output=True, check=True).stdout
    return out if binary else out.decode("latin-1")


def tokens(src):
    """C tokens: ('s', bytes) string literals, ('i', name), ('n', text), ('p', char)."""
    src = src.replace("\\\r\n", "").replace("\\\n", "")
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == '"':
            j, out = i + 1, bytearray()
            while j < n and src[j] != '"':
                if src[j] == "\\":
                    j += 1
                    e = src[j]
                    if e == "x":
                        k = j + 1
                        while k < n and src[k] in "0123456789abcdefABCDEF":
                            k += 1
                        out.append(int(src[j + 1:k], 16) & 0xFF)
                        j = k
                        continue
                    if e in "01234567":
                        k = j
                        while k < j + 3 and k < n and src[k] in "01234567":
                            k += 1
                        out.append(int(src[j:k], 8) & 0xFF)
                        j = k
                        continue
                    out.append({"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "0": 0}.get(e, ord(e)))
                    j += 1
                else:
                    out.append(ord(src[j]) & 0xFF)
                    j += 1
            yield ("s", bytes(out))
            i = j + 1
        elif c == "'":
            j = src.find("'", i + 1)
            yield ("n", src[i:j + 1])
            i = j + 1
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            yield ("i", src[i:j])
            i = j
        elif c.isdigit():
            j = i
            while j < n and (src[j].isalnum() or src[j] in "._"):
                j += 1
            yield ("n", src[i:j])
            i = j
        else:
            yield ("p", c)
            i += 1


def macros(util_h):
    """The TEXT_* string macros of util.h."""
    out = {}
    for line in util_h.replace("\\\n", " ").splitlines():
        m = re.match(r"#define\s+(TEXT_\w+)\s+(.*)", line)
        if m:
            val = b""
            for k, v in tokens(m.group(2)):
                val += v if k == "s" else out[v]
            out[m.group(1)] = val
    return out


def blobs(blob_h):
    """The uint8_t (or unsigned char) NAME[] = {...} arrays of blob.h."""
    out = {}
    for m in re.finditer(r"(?:uint8_t|unsigned\s+char)\s+(\w+)\[\]\s*=\s*\{([^}]*)\}", blob_h):
        out[m.group(1)] = bytes(int(x, 0) for x in re.findall(r"0x[0-9a-fA-F]+|\d+", m.group(2)))
    return out


class Unsupported(Exception):
    pass


def local_value(toks, j, env):
    """The value of a local initialiser starting at toks[j] (after '='):
    string literals and TEXT_* macros, or a {...} byte list; None if it is
    anything else. Returns (bytes, is_array_of_literal, index after ';')."""
    out, literal = b"", False
    if toks[j] == ("p", "{"):
        k = j + 1
        vals = []
        while k < len(toks) and toks[k] != ("p", "}"):
            if toks[k][0] == "n":
                t = toks[k][1]
                vals.append(ord(t[1]) if t.startswith("'") else int(t, 0))
            k += 1
        return bytes(x & 0xFF for x in vals), False, k + 1
    k = j
    while k < len(toks) and toks[k] != ("p", ";"):
        kind, v = toks[k]
        if kind == "s":
            out += v
        elif kind == "i" and v in env["macros"]:
            out += env["macros"][v]
        else:
            return None, False, k
        literal = True
        k += 1
    return out, literal, k + 1


def calls(src, env=None):
    """(macro name, [args as token lists], locals) for each assert_* call;
    locals are the char* and uint8_t[] variables initialised before it
    with literals (the latest definition of each name)."""
    toks = list(tokens(src))
    local = {}
    i = 0
    while i < len(toks):
        k, v = toks[i]
        if env is not None and k == "i" and v in ("char", "uint8_t") and i + 3 < len(toks):
            # char* NAME = ...;  or  uint8_t NAME[] = ...;
            if v == "char" and toks[i + 1] == ("p", "*") and toks[i + 2][0] == "i" and toks[i + 3] == ("p", "="):
                val, _, nxt = local_value(toks, i + 4, env)
                if val is not None:
                    local[toks[i + 2][1]] = ("str", val)
                    i = nxt
                    continue
            if v == "uint8_t" and toks[i + 1][0] == "i" and toks[i + 2] == ("p", "[") and i + 5 < len(toks) \
                    and toks[i + 3] == ("p", "]") and toks[i + 4] == ("p", "="):
                val, literal, nxt = local_value(toks, i + 5, env)
                if val is not None:
                    # sizeof() of an array initialised by a literal counts its NUL
                    local[toks[i + 1][1]] = ("arr", val + (b"\0" if literal else b""))
                    i = nxt
                    continue
        if k == "i" and v.startswith("assert_") and i + 1 < len(toks) and toks[i + 1] == ("p", "("):
            depth, args, cur, j = 0, [], [], i + 1
            while j < len(toks):
                t = toks[j]
                if t == ("p", "("):
                    depth += 1
                    if depth == 1:
                        j += 1
                        continue
                elif t == ("p", ")"):
                    depth -= 1
                    if depth == 0:
                        args.append(cur)
                        break
                elif t == ("p", ",") and depth == 1:
                    args.append(cur)
                    cur = []
                    j += 1
                    continue
                cur.append(t)
                j += 1
            yield v, args, dict(local)
            i = j
        i += 1


def value(arg, env, as_blob=False):
    """Bytes of a C argument; for a blob, sizeof() of a literal counts its NUL."""
    if len(arg) == 1 and arg[0] == ("i", "NULL"):
        return None
    if len(arg) >= 3 and arg[0] == ("p", "(") and arg[1][0] == "i" and arg[1][1] in ("uint8_t", "char"):
        # a cast: (uint8_t*) X
        k = 2
        while k < len(arg) and arg[k] != ("p", ")"):
            k += 1
        arg = arg[k + 1:]
    out, literal = b"", False
    if len(arg) == 1 and arg[0][0] == "i" and arg[0][1] in env.get("locals", {}):
        kind, val = env["locals"][arg[0][1]]
        return val
    for k, v in arg:
        if k == "s":
            out += v
            literal = True
        elif k == "i" and v in env["macros"]:
            out += env["macros"][v]
            literal = True
        elif k == "i" and v in env["blobs"] and len(arg) == 1:
            return env["blobs"][v]
        else:
            raise Unsupported(f"argument {k}:{v}")
    if as_blob and literal:
        out += b"\0"
    return out


def build(name, args, env):
    """A case: dict(kind, rule, data, expect...) or raises Unsupported."""
    s = lambda a: value(a, env)
    if name in ("assert_true_rule", "assert_false_rule"):
        return {"kind": "match", "want": name == "assert_true_rule", "rule": s(args[0]), "data": s(args[1])}
    if name in ("assert_true_rule_blob", "assert_false_rule_blob"):
        return {"kind": "match", "want": name == "assert_true_rule_blob", "rule": s(args[0]), "data": value(args[1], env, True)}
    if name in ("assert_true_rule_file", "assert_false_rule_file"):
        path = s(args[1]).decode()
        return {"kind": "match", "want": name == "assert_true_rule_file", "rule": s(args[0]), "data": env["file"](path)}
    if name == "assert_match_count":
        return {"kind": "count", "want": int(args[2][0][1], 0), "rule": s(args[0]), "data": s(args[1])}
    if name == "assert_error":
        err = args[1][0][1] if args[1] else ""
        return {"kind": "compile", "want": err == "ERROR_SUCCESS", "rule": s(args[0])}
    if name in ("assert_warning", "assert_no_warnings"):
        return {"kind": "warn", "want": name == "assert_warning", "rule": s(args[0])}
    if name in ("assert_true_regexp", "assert_false_regexp", "assert_regexp_syntax_error"):
        rule = b"rule test { strings: $a = /" + s(args[0]) + b"/ condition: $a }"
        if name == "assert_regexp_syntax_error":
            return {"kind": "compile", "want": False, "rule": rule}
        if name == "assert_false_regexp":
            return {"kind": "match", "want": False, "rule": rule, "data": s(args[1])}
        return {"kind": "capture", "rule": rule, "data": s(args[1]), "expected": s(args[2])}
    raise Unsupported(name)


def shown(b):
    """yara -s's rendering of a non-hex string's match data."""
    return "".join(chr(x) if 32 <= x <= 126 else "\\x%02X" % x for x in b)


def run_case(tool, c, tmp):
    rule = os.path.join(tmp, "r.yar")
    data = os.path.join(tmp, "d.bin")
    with open(rule, "wb") as f:
        f.write(c["rule"])
    d = c.get("data")
    with open(data, "wb") as f:
        f.write(b"dummy" if d is None else d)
    argv = tool + DEFS
    if c["kind"] == "capture":
        argv = argv + ["-s"]
    if c["kind"] != "warn":
        argv = argv + ["-w"]
    try:
        p = subprocess.run(argv + [rule, data], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False
    out, err, rc = p.stdout.decode("latin-1"), p.stderr.decode("latin-1"), p.returncode
    lines = [l for l in out.splitlines() if l and not l.startswith("0x")]
    if c["kind"] == "compile":
        return (rc == 0) == c["want"]
    if c["kind"] == "warn":
        return rc == 0 and (("warning" in err.lower()) == c["want"])
    if rc != 0:
        return False
    if c["kind"] == "match":
        return bool(lines) == c["want"]
    if c["kind"] == "count":
        return len(lines) == c["want"]
    want = shown(c["expected"])
    for l in out.splitlines():
        m = re.match(r"0x[0-9a-f]+:\$\w*: (.*)$", l)
        if m and (m.group(1) == want or m.group(1).lower() == want.lower()):
            return True
    return False


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    repo, vigie = args[0], args[1].split()
    tag = args[2] if len(args) > 2 else "v4.2.3"
    env = {"macros": macros(git_show(repo, tag, "tests/util.h")), "blobs": blobs(git_show(repo, tag, "tests/blob.h")),
           "file": lambda p: git_show(repo, tag, p, binary=True)}
    cases, skipped = [], {}
    for fn in FILES:
        for name, a, local in calls(git_show(repo, tag, "tests/" + fn), env):
            if name in ("assert_true_expr", "assert_re_atoms", "assert_hex_atoms"):
                continue
            try:
                c = build(name, a, dict(env, locals=local))
            except (Unsupported, IndexError, subprocess.CalledProcessError, ValueError) as e:
                skipped[fn] = skipped.get(fn, 0) + 1
                continue
            c["file"] = fn
            cases.append(c)

    def both(c):
        with tempfile.TemporaryDirectory() as tmp:
            y = run_case(["yara"], c, tmp)
            v = run_case(vigie, c, tmp) if y else None
            return c, y, v

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(both, cases))
    total_y = total_v = 0
    for fn in FILES:
        rs = [r for r in results if r[0]["file"] == fn]
        y = sum(1 for r in rs if r[1])
        v = sum(1 for r in rs if r[1] and r[2])
        total_y += y
        total_v += v
        print(f"{fn}: {len(rs)} cases ({skipped.get(fn, 0)} not extractable), yara passes {y}, vigie passes {v} of those")
    print(f"total: yara passes {total_y}, vigie passes {total_v} ({100.0 * total_v / max(total_y, 1):.1f} %)")
    for c, y, v in results:
        if y and not v:
            print(f"FAIL {c['file']} {c['kind']} want={c.get('want', c.get('expected'))!r}: " +
                  (c["rule"].decode("latin-1") if verbose else c["rule"][:160].decode("latin-1")))


if __name__ == "__main__":
    main()
