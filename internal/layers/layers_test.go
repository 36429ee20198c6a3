// Package layers checks the architecture of the module: the shared readers
// (MIME, archives, compound files, mail authentication, rule loading, the
// look-alike detector) sit below the parts that use them, and no part
// reaches into another part's internals. A new import that breaks a layer
// fails this test rather than slowly turning the tree into one package.
package layers

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/vigie-project/vigie/"

// forbidden lists, for a package (and everything below it in the tree),
// the packages it must not depend on, directly or transitively.
var forbidden = []struct {
	pkg, mustNotImport, why string
}{
	{"internal/mail", "internal/sweep", "mail loads YARA rules through internal/yararules, not the file sweep"},
	{"internal/leak", "internal/mail", "the leak authenticator reads MIME through internal/mime, not the mail analyzer"},
	{"internal/mime", "internal/mail", "the MIME reader is below every mail user"},
	{"internal/yararules", "internal/sweep", "rule loading is below the sweep and mail"},
	{"internal/lookalike", "internal/mail", "the look-alike detector is shared by mail, DNS and the domain watch"},
	{"internal/archive", "internal/sweep", "the archive reader is shared by the sweep, mail and leak"},
	{"internal/cfb", "internal/docmeta", "the compound-file reader is below its users"},
	{"internal/mailauth", "internal/mail", "DKIM/SPF/DMARC are below mail and leak"},
	{"internal/indicator", "internal/hub", "the indicator model is below the hub and the sensors"},
	{"internal/report", "internal/sweep", "the finding model is below every sensor"},
}

func root(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the source tree")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// deps returns the module-internal packages that pkg imports (non-test
// files, every build context we ship), transitively, with the chain that
// led to each.
func deps(t *testing.T, top, pkg string) map[string][]string {
	seen := map[string][]string{}
	var walk func(p string, chain []string)
	walk = func(p string, chain []string) {
		for _, goos := range []string{"linux", "windows", "darwin"} {
			ctx := build.Default
			ctx.GOOS, ctx.CgoEnabled = goos, false
			bp, err := ctx.ImportDir(filepath.Join(top, p), 0)
			if err != nil {
				if _, ok := err.(*build.NoGoError); ok {
					return
				}
				t.Fatalf("%s: %v", p, err)
			}
			for _, imp := range bp.Imports {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				q := strings.TrimPrefix(imp, module)
				if _, ok := seen[q]; ok {
					continue
				}
				c := append(append([]string(nil), chain...), q)
				seen[q] = c
				walk(q, c)
			}
		}
	}
	walk(pkg, []string{pkg})
	return seen
}

func TestLayers(t *testing.T) {
	top := root(t)
	for _, f := range forbidden {
		// The package and its sub-packages.
		var pkgs []string
		err := filepath.WalkDir(filepath.Join(top, f.pkg), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() != "testdata" {
				rel, _ := filepath.Rel(top, path)
				pkgs = append(pkgs, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", f.pkg, err)
		}
		sort.Strings(pkgs)
		for _, p := range pkgs {
			for q, chain := range deps(t, top, p) {
				if q == f.mustNotImport || strings.HasPrefix(q, f.mustNotImport+"/") {
					t.Errorf("%s depends on %s (%s): %s", p, q, strings.Join(chain, " → "), f.why)
				}
			}
		}
	}
}
