import "pe"

rule not_bytes {
  strings:
    $a = { 4D 5A ~00 }
    $b = { 4D ~4? 90 00 }
    $c = { 4D ~?B ?? 00 }
    $d = { 4D 5A ~91 [0-4] 00 }
    $e = { 4D ( ~5A | 5B ) }
    $f = { 01 02 ~03 04 }
  condition:
    #a >= 1 and #b >= 1 and $c and $d and $e and not $f
}

rule of_at {
  strings:
    $a = "MZ"
    $b = "hello"
    $c = "abc"
  condition:
    any of ($a, $b) at 0 and 1 of them at 5 and none of ($b, $c) at 0 and
    all of ($a) at 0 and not any of ($b*) at 1
}

rule text_sets {
  strings:
    $a = "abc"
  condition:
    for any s in ("hello", "word", "x") : (s == "word") and
    for all s in ("a", "b") : (s != "c") and
    for none s in ("MZ") : (s == "ZM") and
    for any i in (1, 3, 5) : (i == 3) and $a
}

rule for_of {
  strings:
    $a = "abc"
    $b = "abde"
    $c = "zzzzzz"
    $d = "end"
  condition:
    for all of ($a, $b) : ($ and # >= 1 and @[1] > 0 and ![1] > 2) and
    for any of them : ($ at 0x30b) and
    for 2 of ($a, $b, $c) : (# > 0) and
    for none of ($c) : ($) and
    for any of ($a, $b) : (for any i in (1..#) : (@[i] > 0x300)) and
    for all i in (1..2) : (for any of ($a*) : ($ in (0..filesize)))
}

rule pct_and_in {
  strings:
    $a = "abc"
    $b = "hello"
    $c = "nope"
  condition:
    50% of them and 2 of ($a, $b) in (0..filesize) and #a in (0..0x400) > 0 and
    not 3 of them and any of ($a, $b, $c) in (0..10)
}

rule chained_jumps {
  strings:
    $a = { 01 02 [-] [8-] [-] 07 08 }
    $b = { 4D 5A [0-300] [2-] [-] 00 }
  condition:
    $a and $b
}
