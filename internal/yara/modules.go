package yara

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

// The modules bound in this package beyond those compile.go lists: import
// accepts them (dex, magic and cuckoo stay unknown modules).
func init() {
	knownModules["macho"] = true
	knownModules["dotnet"] = true
}

// moduleBuilds counts module objects built (tests check laziness).
var moduleBuilds atomic.Int64

// module returns the module object for name, building it on first use
// for this file (lazy, once per file).
func (sc *scanCtx) module(name string) value {
	if v, ok := sc.mods[name]; ok {
		return v
	}
	if sc.mods == nil {
		sc.mods = map[string]value{}
	}
	moduleBuilds.Add(1)
	var v value
	switch name {
	case "math":
		v = structVal(mathModule())
	case "hash":
		v = structVal(hashModule())
	case "time":
		m := newStruct()
		m.set("now", funcVal(func(e *evaluator, args []value) value { return intVal(time.Now().Unix()) }))
		v = structVal(m)
	case "console":
		v = structVal(consoleModule())
	case "pe":
		v = structVal(peModule(sc.data))
	case "elf":
		v = structVal(elfModule(sc.data))
	case "macho":
		v = structVal(machoModule(sc.data))
	case "dotnet":
		v = structVal(dotnetModule(sc.data))
	case "tests":
		v = structVal(testsModule(sc.modData["tests"]))
	default:
		v = undef
	}
	sc.mods[name] = v
	return v
}

// entrypoint is the deprecated "entrypoint" keyword: the file offset of
// the entry point of a PE or ELF file, computed as libyara 4.2.3 does
// (entrypoint.go), not through the pe and elf modules.
func (sc *scanCtx) entrypoint() value {
	ep, ok := legacyEntryPoint(sc.data)
	if !ok {
		return undef
	}
	return intVal(int64(ep))
}

// dataRange resolves the (offset, size) or (string) argument forms of the
// math and hash functions. ok=false means undefined.
func dataRange(e *evaluator, args []value, nfixed int) ([]byte, []value, bool) {
	if len(args) >= 1 && args[0].k == vStr && args[0].o == nil {
		return []byte(args[0].s), args[1:], true
	}
	if len(args) < 2 || args[0].k != vInt || args[1].k != vInt {
		return nil, nil, false
	}
	off, size := args[0].i, args[1].i
	d := e.sc.data
	// libyara needs the offset inside the data (a range starting at or past
	// the end, or any range of an empty file, is undefined); a length of 0
	// at a valid offset is an empty, defined range
	if off < 0 || size < 0 || off >= int64(len(d)) {
		return nil, nil, false
	}
	end := off + size
	if end > int64(len(d)) || end < off {
		end = int64(len(d))
	}
	return d[off:end], args[2:], true
}

func byteHistogram(b []byte) *[256]int64 {
	var h [256]int64
	for _, c := range b {
		h[c]++
	}
	return &h
}

func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	h := byteHistogram(b)
	n := float64(len(b))
	var ent float64
	for _, c := range h {
		if c > 0 {
			p := float64(c) / n
			ent -= p * math.Log2(p)
		}
	}
	return ent
}

func mean(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var s float64
	for _, c := range b {
		s += float64(c)
	}
	return s / float64(len(b))
}

func mathModule() *mstruct {
	m := newStruct()
	m.set("MEAN_BYTES", floatVal(127.5))
	rangeFn := func(f func(b []byte, rest []value) value) value {
		return funcVal(func(e *evaluator, args []value) value {
			b, rest, ok := dataRange(e, args, 0)
			if !ok {
				return undef
			}
			return f(b, rest)
		})
	}
	// On empty input (a "" string, or a range of length 0 at an offset
	// inside the file) libyara 4.2.3 gives: entropy 0.0,
	// serial_correlation -100000, count 0, mode 0; mean, deviation,
	// percentage and monte_carlo_pi are undefined.
	m.set("entropy", rangeFn(func(b []byte, _ []value) value {
		return floatVal(entropy(b))
	}))
	m.set("mean", funcVal(func(e *evaluator, args []value) value {
		b, _, ok := dataRange(e, args, 0)
		if !ok {
			return undef
		}
		if len(b) == 0 {
			return undef
		}
		return floatVal(mean(b))
	}))
	m.set("deviation", funcVal(func(e *evaluator, args []value) value {
		b, rest, ok := dataRange(e, args, 0)
		if !ok || len(rest) != 1 {
			return undef
		}
		if len(b) == 0 {
			return undef
		}
		mv := toFloat(rest[0])
		var s float64
		for _, c := range b {
			s += math.Abs(float64(c) - mv)
		}
		return floatVal(s / float64(len(b)))
	}))
	m.set("serial_correlation", rangeFn(func(b []byte, _ []value) value {
		// the wrap-around term uses the first byte, as the ent program and
		// libyara after 4.2.3 do (4.2.3 multiplies the last byte by itself)
		var sccun, scclast, scct1, scct2, scct3 float64
		n := float64(len(b))
		for i, c := range b {
			v := float64(c)
			if i == 0 {
				sccun = v
			} else {
				scct1 += scclast * v
			}
			scct2 += v
			scct3 += v * v
			scclast = v
		}
		scct1 += scclast * sccun
		scct2 *= scct2
		scc := n*scct3 - scct2
		if scc == 0 {
			return floatVal(-100000)
		}
		return floatVal((n*scct1 - scct2) / scc)
	}))
	m.set("monte_carlo_pi", rangeFn(func(b []byte, _ []value) value {
		const monteN = 6
		inmont, mcount := 0, 0
		incirc := math.Pow(math.Pow(256.0, monteN/2)-1, 2)
		for i := 0; i+monteN <= len(b); i += monteN {
			var x, y float64
			for j := 0; j < monteN/2; j++ {
				x = x*256 + float64(b[i+j])
				y = y*256 + float64(b[i+monteN/2+j])
			}
			mcount++
			if x*x+y*y <= incirc {
				inmont++
			}
		}
		if mcount == 0 {
			return undef
		}
		pi := 4 * float64(inmont) / float64(mcount)
		return floatVal(math.Abs((pi - math.Pi) / math.Pi))
	}))
	m.set("in_range", funcVal(func(e *evaluator, args []value) value {
		if len(args) != 3 {
			return undef
		}
		for _, a := range args {
			if a.k != vFloat && a.k != vInt {
				return undef
			}
		}
		t, lo, hi := toFloat(args[0]), toFloat(args[1]), toFloat(args[2])
		return boolVal(lo <= t && t <= hi)
	}))
	m.set("max", funcVal(func(e *evaluator, args []value) value {
		if len(args) != 2 || args[0].k != vInt || args[1].k != vInt {
			return undef
		}
		return intVal(max(args[0].i, args[1].i))
	}))
	m.set("min", funcVal(func(e *evaluator, args []value) value {
		if len(args) != 2 || args[0].k != vInt || args[1].k != vInt {
			return undef
		}
		return intVal(min(args[0].i, args[1].i))
	}))
	m.set("abs", funcVal(func(e *evaluator, args []value) value {
		if len(args) != 1 || args[0].k != vInt {
			return undef
		}
		if args[0].i < 0 {
			return intVal(-args[0].i)
		}
		return args[0]
	}))
	m.set("to_number", funcVal(func(e *evaluator, args []value) value {
		if len(args) != 1 || args[0].k == vUndef {
			return undef
		}
		return boolVal(args[0].truthy())
	}))
	// A byte outside 0..255 makes count and percentage undefined, as in
	// libyara since 4.5; libyara 4.2.3 truncates it to 8 bits (count(300)
	// counts byte 44), a bug Vigie does not copy.
	byteArg := func(e *evaluator, args []value) (byte, []byte, bool) {
		if len(args) < 1 || args[0].k != vInt || args[0].i < 0 || args[0].i > 255 {
			return 0, nil, false
		}
		if len(args) == 1 {
			return byte(args[0].i), e.sc.data, true
		}
		b, _, ok := dataRange(e, args[1:], 0)
		return byte(args[0].i), b, ok
	}
	m.set("count", funcVal(func(e *evaluator, args []value) value {
		c, b, ok := byteArg(e, args)
		if !ok {
			return undef
		}
		return intVal(byteHistogram(b)[c])
	}))
	m.set("percentage", funcVal(func(e *evaluator, args []value) value {
		c, b, ok := byteArg(e, args)
		if !ok || len(b) == 0 {
			return undef
		}
		return floatVal(float64(byteHistogram(b)[c]) / float64(len(b)))
	}))
	m.set("mode", funcVal(func(e *evaluator, args []value) value {
		b := e.sc.data
		if len(args) > 0 {
			var ok bool
			b, _, ok = dataRange(e, args, 0)
			if !ok {
				return undef
			}
		} else if len(b) == 0 {
			return undef // no data at all
		}
		h := byteHistogram(b) // an empty range: libyara's mode is 0
		best := 0
		for i := 1; i < 256; i++ {
			if h[i] > h[best] {
				best = i
			}
		}
		return intVal(int64(best))
	}))
	return m
}

func toFloat(v value) float64 {
	if v.k == vInt {
		return float64(v.i)
	}
	return v.f
}

func hashModule() *mstruct {
	m := newStruct()
	hf := func(f func([]byte) value) value {
		return funcVal(func(e *evaluator, args []value) value {
			b, rest, ok := dataRange(e, args, 0)
			if !ok || len(rest) != 0 {
				return undef
			}
			return f(b)
		})
	}
	m.set("md5", hf(func(b []byte) value { s := md5.Sum(b); return strVal(hex.EncodeToString(s[:])) }))
	m.set("sha1", hf(func(b []byte) value { s := sha1.Sum(b); return strVal(hex.EncodeToString(s[:])) }))
	m.set("sha256", hf(func(b []byte) value { s := sha256.Sum256(b); return strVal(hex.EncodeToString(s[:])) }))
	m.set("checksum32", hf(func(b []byte) value {
		var s uint32
		for _, c := range b {
			s += uint32(c)
		}
		return intVal(int64(s))
	}))
	m.set("crc32", hf(func(b []byte) value { return intVal(int64(crc32.ChecksumIEEE(b))) }))
	return m
}

// consoleModule is libyara's console module: log and hex hand a message
// to ScanOptions.OnConsoleLog and are true (undefined, with nothing
// logged, when an argument is undefined). A logged string shows its
// non-printable bytes as \xNN; a message prefix ends at its first NUL (a
// C string), as in libyara.
func consoleModule() *mstruct {
	m := newStruct()
	cstr := func(s string) string {
		if i := strings.IndexByte(s, 0); i >= 0 {
			return s[:i]
		}
		return s
	}
	escaped := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= 0x20 && c < 0x7F {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		}
		return b.String()
	}
	logFn := func(hex bool) value {
		return funcVal(func(e *evaluator, args []value) value {
			if len(args) == 0 || len(args) > 2 {
				return undef
			}
			for _, a := range args {
				if a.k == vUndef {
					return undef
				}
			}
			prefix, x := "", args[0]
			if len(args) == 2 {
				prefix, x = cstr(args[0].s), args[1]
			}
			var msg string
			switch {
			case x.k == vStr && !hex:
				msg = prefix + escaped(x.s)
			case x.k == vInt && hex:
				msg = prefix + fmt.Sprintf("0x%x", uint64(x.i))
			case x.k == vInt:
				msg = prefix + fmt.Sprintf("%d", x.i)
			case x.k == vFloat && !hex:
				msg = prefix + fmt.Sprintf("%f", x.f)
			default:
				return undef
			}
			if e.sc.onConsole != nil {
				e.sc.onConsole(msg)
			}
			return intVal(1)
		})
	}
	m.set("log", logFn(false))
	m.set("hex", logFn(true))
	return m
}
