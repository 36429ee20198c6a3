package dotnet

import "testing"

// FuzzParse: any input parses without panic and what it finds is bounded
// by the data (seeds in testdata/fuzz/FuzzParse: a synthetic assembly as
// a DLL, with 4-byte string indexes, as an EXE with and without its
// entry stub, without a COM directory, truncated in the streams and in
// the tables).
func FuzzParse(f *testing.F) {
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl := Parse(data)
		if fl == nil {
			return
		}
		if len(fl.Streams) > 255 || len(fl.GUIDs) > 16 {
			t.Fatalf("%d streams, %d guids", len(fl.Streams), len(fl.GUIDs))
		}
		n := len(fl.AssemblyRefs) + len(fl.Resources) + len(fl.ModuleRefs) + len(fl.Constants) + len(fl.FieldOffsets)
		if n > 5*maxRows {
			t.Fatalf("%d table rows", n)
		}
		for _, r := range fl.Resources {
			if r.Offset < 0 || r.Offset+int64(r.Length) > int64(len(data))+4 {
				t.Fatalf("resource %+v outside %d bytes", r, len(data))
			}
		}
	})
}

func TestParseNotDotnet(t *testing.T) {
	if f := Parse([]byte("not a PE")); f != nil {
		t.Errorf("Parse(text) = %+v, want nil", f)
	}
}
