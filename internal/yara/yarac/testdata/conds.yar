import "pe"
import "math"
import "hash"

rule arith {
  strings:
    $a = "abc"
    $b = "ab"
  condition:
    #a == 4 and #b > 4 and @a[1] == 0x30b and @a[2] > @a[1] and !a[1] == 3 and
    $a at 0x30b and $a in (0..0x400) and #a in (0..0x400) >= 1 and
    filesize > 100 and filesize \ 3 > 10 and filesize % 7 != 100 and
    (filesize & 0xFF) | 1 != 0 and (filesize ^ 5) << 2 >> 1 > 0 and ~filesize < 0 and
    -filesize < 0 and 2 * 3 - 1 + 4 == 9 and uint8(0) == 0x4D and uint16be(0) == 0x4D5A and
    int32(0) != 0 and uint32be(1) > 0 and int8(2) < 0 and int16be(0) > 0
}

rule floats {
  condition:
    math.entropy(0, filesize) > 2.5 and math.mean(0, 100) >= 1.0 and 1.5 * 2 == 3.0 and
    -0.5 < 0 and math.deviation(0, filesize, math.MEAN_BYTES) > 10.25 and
    math.in_range(math.serial_correlation(0, filesize), -1.0, 1.0)
}

rule strops {
  condition:
    hash.md5(0, 2) == "ac6ad5d9b99757c3a878f2d275ace198" and
    hash.md5(0, 2) contains "6ad" and not (hash.md5(0, 2) startswith "AC6") and
    hash.md5(0, 2) istartswith "AC6" and hash.md5(0, 2) endswith "e198" and
    hash.md5(0, 2) iendswith "E198" and hash.md5(0, 2) icontains "AD5" and
    hash.md5(0, 2) iequals "AC6AD5D9B99757C3A878F2D275ACE198" and
    hash.md5(0, 2) matches /^ac6/ and hash.md5(0, 2) != "x" and hash.md5(0, 2) > "a"
}

rule ofs {
  strings:
    $a1 = "abc"
    $a2 = "abde"
    $b1 = "zzzzzz"
    $ = "end"
  condition:
    2 of ($a*) and none of ($b*) and any of them and 1 of ($a1, $b1) and
    50% of them and all of ($a*) in (0..filesize) and not all of them and
    #a2 of ($a1, $a2) and 0 of ($b1) and all of ($a1, $) and for any of ($b1, $) : ($)
}

rule loops {
  strings:
    $a = "abc"
    $b = "ab"
  condition:
    for all i in (1..#a) : (@a[i] > 0) and
    for any i in (1, 2, 3) : (i == 2) and
    for none i in (1..3) : (i > 5) and
    for 2 i in (1..#b) : (@b[i] < 0x400 and for any j in (1..2) : (j == i)) and
    for all of ($a, $b) : ($ and # > 1 and @[1] > 0 and ![1] > 0) and
    for any of them : ($ at 0x30b) and
    not (for any s in pe.sections : (s.name == ".text")) and
    not (for any k, v in pe.version_info : (k != "")) and
    for any x in (0..2) : (for all y in (x..x) : (y == x))
}

private rule priv { condition: filesize > 0 }
global rule glob : t1 { meta: m = "x" condition: priv }
rule ref_a { condition: true }
rule ref_b { condition: not false }
rule refs : t2 t3 { condition: priv and glob and any of (priv, glob) and all of (ref_*) }

rule modules {
  condition:
    not defined pe.number_of_sections and pe.number_of_sections != 1 and
    not pe.is_dll() and not pe.exports("x") and
    pe.sections[0].name != "x" or pe.version_info["CompanyName"] == "x" or
    ext_int == 5 and ext_str == "v" and ext_bool and ext_float > 1.0 and
    ext_str matches /^v$/
}
