import "math"
rule arith { condition: math.max(1, 2) == 2 and filesize > 0 }
rule other { condition: arith and math.to_number(true) == 1 }
