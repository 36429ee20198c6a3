rule text_modifiers {
  strings:
    $a = "hello"
    $b = "Hello" nocase
    $c = "wide" wide
    $d = "both" ascii wide
    $e = "word" fullword
    $f = "priv" private
    $g = "xorme" xor
    $h = "xorme" xor(1)
    $i = "xorme" xor(2-40)
    $j = "xw" xor wide ascii
    $k = "esc\"\\\x00\xff\n\t"
    $l = "nocw" nocase wide fullword
  condition:
    any of them
}

rule base64s {
  strings:
    $a = "base64 text" base64
    $b = "wide base64" base64wide
    $c = "custom" base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu")
    $d = "both b64" base64 base64wide
  condition:
    any of them
}

rule hexes {
  strings:
    $a = { 4D 5A 90 00 }
    $b = { 4D ?? 90 }
    $c = { 4? 5A ?0 }
    $d = { 4D 5A [1-3] 00 }
    $e = { 4D 5A [2] 00 }
    $f = { 4D ( 5A | 5B 5C | 5D [1-2] 5E ) 90 }
    $g = { 4D ( 5A ( 90 | 91 ) | 5B ) }
    $h = { 01 02 03 04 [0-300] 05 06 07 08 }
    $i = { 01 02 03 04 [300-] 05 06 07 08 [-] 09 0A }
    $j = { AA BB [4-8] CC ( DD | EE ) [201-250] FF 11 }
    $k = { 4D 5A [1] 90 } private
  condition:
    any of them
}

rule regexes {
  strings:
    $a = /abc/
    $b = /ab+c*d?e/
    $c = /a[b-d]{2,5}e/
    $d = /x(yz|w)+?q/
    $e = /\bword\b/ nocase
    $f = /\w+\s\d{1,3}\S\W\D/
    $g = /^MZ/
    $h = /end$/
    $i = /a.{0,10}b/
    $j = /a.{2,}?b/s
    $k = /[^a-z0-9]{3}z/ wide
    $l = /(a|b|c|d)(e|f)/ fullword
    $m = /a{3}b{1,}c{0,2}d{2,4}/
    $m2 = /a{3}?b{1,}?d{2,4}?/
    $n = /x.y/is
    $o = /\x00\xff\.\//
    $p = /ab.{300,400}?cd/s
    $q = /(ab)*c/
    $r = /a(b(c(d)?)?)?e/
    $s = /[\w\-]+@[a-z]+\.com/
    $t = /\B\x41/
    $u = /a{1}b{0,1}c{2,2}/
    $v = /q(r|s)?t/
  condition:
    any of them
}
