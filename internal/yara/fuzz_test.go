package yara

import (
	"context"
	"errors"
	"testing"
	"time"
)

// FuzzCompile feeds arbitrary rule text to the compiler: it must return a
// rules set or a *CompileError, never panic or hang.
func FuzzCompile(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.rule)
	}
	f.Add(`rule a { strings: $a = { 4D 5A [2-] ( 00 | ?1 ) } condition: $a }`)
	f.Add(`rule a { condition: for all i in (1..3) : ( i > 0 ) }`)
	f.Add("rule a { strings: $a = /(((a)))/ condition: $a }")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<14 {
			return
		}
		_, _, err := Compile([]Source{{Name: "f.yar", Data: []byte(src)}}, CompileOptions{Externals: map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}, DisableIncludes: true})
		var ce *CompileError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error is not a CompileError: %v", err)
		}
	})
}

// FuzzScan compiles a rule (when valid) and scans arbitrary data with it in
// bounded time.
func FuzzScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.rule, []byte(c.data))
	}
	f.Fuzz(func(t *testing.T, src string, data []byte) {
		if len(src) > 1<<12 || len(data) > 1<<16 {
			return
		}
		r, _, err := Compile([]Source{{Name: "f.yar", Data: []byte(src)}}, CompileOptions{Externals: map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}, DisableIncludes: true})
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = r.ScanBytes(ctx, data, ScanOptions{Timeout: 5 * time.Second})
	})
}
