package yara

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// schemaNode is one declaration of moduleSchema.
type schemaNode struct {
	name    string
	kind    string // i f s ai af as di df ds { [ <
	members []*schemaNode
	// funcs are a structure's functions by name, each with its overloads
	// (only for modules whose functions moduleSchema declares)
	funcs map[string][]funcSig
}

// funcSig is one overload of a module function: libyara's argument
// format ("i" integer, "f" float, "s" string, "r" regexp, "b" boolean;
// "" for none) and return type ("i", "f" or "s").
type funcSig struct{ args, ret string }

// member returns sch's member called name, or nil.
func (sch *schemaNode) member(name string) *schemaNode {
	for _, m := range sch.members {
		if m.name == name {
			return m
		}
	}
	return nil
}

var (
	schemaOnce sync.Once
	schemas    map[string]*schemaNode
)

// moduleSchemas parses moduleSchema once.
func moduleSchemas() map[string]*schemaNode {
	schemaOnce.Do(func() {
		schemas = map[string]*schemaNode{}
		var stack []*schemaNode
		for _, line := range strings.Split(moduleSchema, "\n") {
			kind, name, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch kind {
			case "":
			case "module":
				n := &schemaNode{name: name, kind: "{"}
				schemas[name] = n
				stack = []*schemaNode{n}
			case "end", "}":
				stack = stack[:len(stack)-1]
			case "fn":
				// fn NAME ARGS RET, ARGS "-" for none
				f := strings.Fields(name)
				args := strings.TrimPrefix(f[1], "-")
				top := stack[len(stack)-1]
				if top.funcs == nil {
					top.funcs = map[string][]funcSig{}
				}
				top.funcs[f[0]] = append(top.funcs[f[0]], funcSig{args: args, ret: f[2]})
			default:
				n := &schemaNode{name: name, kind: kind}
				top := stack[len(stack)-1]
				top.members = append(top.members, n)
				if kind == "{" || kind == "[" || kind == "<" {
					stack = append(stack, n)
				}
			}
		}
	})
	return schemas
}

// ImportedModules lists the modules the rules import, each once: in the
// order of the import statements of the sources (libyara loads, and
// yara -D prints, modules in that order), then any other module a rule
// imports (rules loaded from a compiled file have no sources), by name.
func (r *Rules) ImportedModules() []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if !seen[n] && knownModules[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, n := range r.imports {
		add(n)
	}
	for _, ru := range r.rules {
		if ru.def == nil {
			continue
		}
		names := make([]string, 0, len(ru.def.imports))
		for n := range ru.def.imports {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			add(n)
		}
	}
	return out
}

// DumpModules writes the data of the named modules for data as yara -D
// prints it (libyara's yr_object_print_data): the module name, then one
// line per declared identifier (last declared first), indented with tabs, "= YR_UNDEFINED" for
// values the file does not set, array items as [N] and dictionary items by
// key; every module ends with a newline. Functions are not printed.
func (r *Rules) DumpModules(w io.Writer, data []byte, mods []string) error {
	return r.DumpModulesData(w, data, mods, nil)
}

// DumpModulesData is DumpModules with the data handed to modules by name
// (yara -x, ScanOptions.ModuleData).
func (r *Rules) DumpModulesData(w io.Writer, data []byte, mods []string, moduleData map[string][]byte) error {
	sc := &scanCtx{rules: r, data: data, ctx: context.Background(), modData: moduleData}
	bw := bufio.NewWriter(w)
	for _, name := range mods {
		sch := moduleSchemas()[name]
		if sch == nil {
			continue
		}
		v := sc.module(name)
		bw.WriteString(name)
		dumpMembers(bw, sch, v, 0, false)
		bw.WriteString("\n")
	}
	return bw.Flush()
}

// field returns the value of a structure member (a constant on a miss),
// computing a lazy value once.
func field(v value, name string) (value, bool) {
	if v.k != vStruct {
		return undef, false
	}
	ms := v.o.(*mstruct)
	f, ok := ms.fields[name]
	if !ok {
		if c, ok := ms.consts[name]; ok {
			return intVal(c), true
		}
		return undef, false
	}
	if f.k == vLazy {
		f = f.o.(func() value)()
		ms.fields[name] = f
	}
	return f, true
}

// dumpMembers prints the members of a structure. libyara prepends each
// member to a structure's list, so a declared structure prints its
// members last declared first; an item of an array or a dictionary is a
// copy of the declared item and yr_object_copy prepends again, so each
// level of arrays flips the order (copied tells the current order).
func dumpMembers(w *bufio.Writer, sch *schemaNode, v value, indent int, copied bool) {
	for k := range sch.members {
		m := sch.members[len(sch.members)-1-k]
		if copied {
			m = sch.members[k]
		}
		f, _ := field(v, m.name)
		w.WriteByte('\n')
		writeTabs(w, indent+1)
		w.WriteString(m.name)
		dumpValue(w, m, m.kind, f, indent+1, copied)
	}
}

func writeTabs(w *bufio.Writer, n int) {
	for i := 0; i < n; i++ {
		w.WriteByte('\t')
	}
}

// dumpValue prints v (declared as kind) after its identifier or index.
func dumpValue(w *bufio.Writer, sch *schemaNode, kind string, v value, indent int, copied bool) {
	switch kind {
	case "i":
		switch v.k {
		case vInt:
			fmt.Fprintf(w, " = %d", v.i)
		case vFloat:
			fmt.Fprintf(w, " = %d", int64(v.f))
		default:
			w.WriteString(" = YR_UNDEFINED")
		}
	case "f":
		switch v.k {
		case vFloat:
			fmt.Fprintf(w, " = %f", v.f)
		case vInt:
			fmt.Fprintf(w, " = %f", float64(v.i))
		default:
			// libyara stores an undefined float as NaN and prints it
			w.WriteString(" = nan")
		}
	case "s":
		if v.k != vStr {
			w.WriteString(" = YR_UNDEFINED")
			return
		}
		w.WriteString(` = "`)
		for i := 0; i < len(v.s); i++ {
			c := v.s[i]
			if c >= 32 && c <= 126 {
				w.WriteByte(c)
			} else {
				fmt.Fprintf(w, "\\x%02x", c)
			}
		}
		w.WriteByte('"')
	case "{":
		dumpMembers(w, sch, v, indent, copied)
	case "ai", "af", "as", "[":
		if v.k != vArray {
			return
		}
		elem := "{"
		if kind != "[" {
			elem = kind[1:]
		}
		for i, it := range v.o.(*marray).items {
			if it.k == vLazy {
				it = it.o.(func() value)()
			}
			if it.k == vUndef {
				continue
			}
			w.WriteByte('\n')
			writeTabs(w, indent)
			fmt.Fprintf(w, "\t[%d]", i)
			dumpValue(w, sch, elem, it, indent+1, !copied)
		}
	case "di", "df", "ds", "<":
		if v.k != vDict {
			return
		}
		elem := "{"
		if kind != "<" {
			elem = kind[1:]
		}
		d := v.o.(*mdict)
		for _, k := range d.keys {
			w.WriteByte('\n')
			writeTabs(w, indent)
			w.WriteByte('\t')
			w.WriteString(k)
			dumpValue(w, sch, elem, d.m[k], indent+1, !copied)
		}
	}
}
