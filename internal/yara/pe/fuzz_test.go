package pe

import (
	"math/big"
	"testing"
)

// FuzzParse checks that Parse and every lazy accessor terminate without
// panicking on arbitrary input, and that a File comes back exactly when no
// error does.
func FuzzParse(f *testing.F) {
	f.Add(buildPE(f, peSpec{}))
	f.Add(buildPE(f, peSpec{is64: true, rich: true, imports: []testImport{{"a.dll", []string{"x", "#1"}}}}))
	_, p7 := testSignature(f, big.NewInt(7), "fuzz")
	f.Add(buildPE(f, peSpec{dll: true, exports: []string{"A", "B"}, forwarder: "X.Y", pdb: "p.pdb",
		version: map[string]string{"CompanyName": "c"}, cert: p7, delayed: []testImport{{"d.dll", []string{"f", "#2"}}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Parse(data)
		if (pf == nil) == (err == nil) {
			t.Fatalf("Parse returned %v, %v", pf, err)
		}
		if pf == nil {
			return
		}
		pf.Imphash()
		pf.Signatures()
		pf.CalculateChecksum()
		pf.RVAToOffset(uint64(len(data)))
		pf.Imports("a.dll", "x")
		pf.Exports("A")
		pf.Locale(0x409)
		if r := pf.RichSignature; r != nil {
			r.Version(1, -1)
		}
		if len(pf.Sections) > MaxSections || len(pf.ExportDetails) > MaxExports || len(pf.Resources) > MaxResources+1 {
			t.Fatalf("limits exceeded: %d sections, %d exports, %d resources", len(pf.Sections), len(pf.ExportDetails), len(pf.Resources))
		}
	})
}
