rule R1 : tagA tagB {
  meta:
    author = "me"
    n = 3
    b = true
    q = "say \"hi\""
  strings:
    $a = "hello"
    $h = { 00 01 }
    $r = /wor.d/
  condition:
    any of them
}
private rule P { condition: filesize > 0 }
rule R2 { condition: P and uint16(0) == 0x5A4D }
rule R3 : tagB { strings: $x = "hello" wide ascii $y = "nothing" condition: #x >= 2 or $y }
