package yara

import "strings"

// The "tests" module is libyara 4.2.3's internal test module
// (libyara/modules/tests/tests.c), which Debian's yara is built with and
// libyara's own test suite imports. Vigie has it only so that it passes
// that suite: the same declarations (modschema.go), the same values and
// the same functions, none of which say anything about the scanned file.

func init() { knownModules["tests"] = true }

// testsModule builds the tests module's object as tests.c's module_load
// sets it: what it does not set (undefined.i, struct_array[0],
// integer_array[3..255], module_data without module data) is undefined.
// moduleData is what yara -x tests=FILE hands the module.
func testsModule(moduleData []byte) *mstruct {
	m := newStruct()
	if len(moduleData) > 0 {
		m.set("module_data", strVal(string(moduleData)))
	}
	consts := newStruct()
	consts.set("one", intVal(1))
	consts.set("two", intVal(2))
	consts.set("foo", strVal("foo"))
	consts.set("empty", strVal(""))
	m.set("constants", structVal(consts))
	m.set("undefined", structVal(newStruct()))

	ints := make([]value, 257)
	for _, i := range []int{0, 1, 2, 256} {
		ints[i] = intVal(int64(i))
	}
	m.set("integer_array", arrayVal(ints))
	m.set("string_array", arrayVal([]value{strVal("foo"), strVal("bar"), strVal("baz"), strVal("foo\x00bar")}))
	m.set("integer_dict", dictVal(&mdict{m: map[string]value{}}))
	m.set("string_dict", dictVal(&mdict{keys: []string{"foo", "bar"}, m: map[string]value{"foo": strVal("foo"), "bar": strVal("bar")}}))

	item := newStruct()
	item.set("i", intVal(1))
	m.set("struct_array", arrayVal([]value{undef, structVal(item)}))
	foo := newStruct()
	foo.set("s", strVal("foo"))
	foo.set("i", intVal(1))
	m.set("struct_dict", dictVal(&mdict{keys: []string{"foo"}, m: map[string]value{"foo": structVal(foo)}}))
	m.set("empty_struct_dict", dictVal(&mdict{m: map[string]value{}}))
	m.set("empty_struct_array", arrayVal(nil))

	// a function called with an undefined argument is undefined (libyara
	// does not call it)
	fn := func(f func(e *evaluator, args []value) value) value {
		return funcVal(func(e *evaluator, args []value) value {
			for _, a := range args {
				if a.k == vUndef {
					return undef
				}
			}
			return f(e, args)
		})
	}
	// C strings: libyara's string_argument stops at the first NUL
	cstr := func(s string) string {
		if i := strings.IndexByte(s, 0); i >= 0 {
			return s[:i]
		}
		return s
	}
	m.set("isum", fn(func(e *evaluator, args []value) value {
		var s int64
		for _, a := range args {
			s += a.i
		}
		return intVal(s)
	}))
	m.set("fsum", fn(func(e *evaluator, args []value) value {
		var s float64
		for _, a := range args {
			s += toFloat(a)
		}
		return floatVal(s)
	}))
	m.set("length", fn(func(e *evaluator, args []value) value {
		if len(args) != 1 || args[0].k != vStr {
			return undef
		}
		return intVal(int64(len(cstr(args[0].s))))
	}))
	m.set("empty", fn(func(e *evaluator, args []value) value { return strVal("") }))
	m.set("foobar", fn(func(e *evaluator, args []value) value {
		if len(args) != 1 {
			return undef
		}
		switch args[0].i {
		case 1:
			return strVal("foo")
		case 2:
			return strVal("bar")
		}
		return strVal("oops")
	}))
	// match(regexp, string): yr_re_match, the end offset of the first
	// match found scanning the string from its start, or -1
	m.set("match", fn(func(e *evaluator, args []value) value {
		if len(args) != 2 || args[1].k != vStr {
			return undef
		}
		re, ok := args[0].o.(*regexProg)
		if !ok {
			return undef
		}
		return intVal(int64(e.sc.vm.matchAt(re, []byte(cstr(args[1].s)), 0, -1)))
	}))
	return m
}
