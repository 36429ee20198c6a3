package cfbtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/cfb"
)

// pattern returns n bytes that differ from one sector to the next, so a
// wrongly chained sector shows.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i/64) + byte(i)
	}
	return b
}

// tree returns the streams of f by path ("Storage/Stream") and the
// storages, walking it from the root.
func tree(t *testing.T, f *cfb.File) (map[string][]byte, []string) {
	t.Helper()
	streams := map[string][]byte{}
	var storages []string
	var walk func(i int, prefix string)
	walk = func(i int, prefix string) {
		for _, k := range f.Children(i) {
			e := f.Entry(k)
			switch e.Type {
			case cfb.TypeStorage:
				storages = append(storages, prefix+e.Name)
				walk(k, prefix+e.Name+"/")
			case cfb.TypeStream:
				b, err := f.Stream(k, -1)
				if err != nil {
					t.Fatalf("stream %s%s: %v", prefix, e.Name, err)
				}
				streams[prefix+e.Name] = b
			default:
				t.Errorf("entry %q has type %d", e.Name, e.Type)
			}
		}
	}
	walk(0, "")
	sort.Strings(storages)
	return streams, storages
}

func TestBuildReadBack(t *testing.T) {
	many := make([]*Node, 40)
	for i := range many {
		many[i] = &Node{Name: fmt.Sprintf("s%d", i), Data: pattern(byte(i), 10+i)}
	}
	tests := []struct {
		name string
		top  []*Node
	}{
		{"empty", nil},
		{"small, large and nested", []*Node{
			{Name: "Small", Data: pattern(1, 100)},
			{Name: "Large", Data: pattern(2, 5000)},
			{Name: "Exactly4096", Data: pattern(3, 4096)},
			{Name: "Just under", Data: pattern(4, 4095)},
			{Name: "Empty", Data: nil},
			{Name: "Folder", Storage: true, Children: []*Node{
				{Name: "Inner small", Data: []byte("inner")},
				{Name: "Deeper", Storage: true, Children: []*Node{{Name: "Big", Data: pattern(5, 9000)}}},
			}},
			{Name: "\x05SummaryInformation", Data: pattern(6, 300)},
		}},
		{"many siblings", many},
		// 7.2 MB needs more FAT sectors than the 109 the header lists:
		// the others are listed by a DIFAT sector.
		{"FAT past the header", []*Node{{Name: "Huge", Data: pattern(7, 111*128*512-20000)}, {Name: "tiny", Data: []byte{1}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := Build(tc.top)
			if len(data)%512 != 0 {
				t.Errorf("file of %d bytes is not whole sectors", len(data))
			}
			f, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			wantStreams := map[string][]byte{}
			var wantStorages []string
			var collect func(prefix string, ns []*Node)
			collect = func(prefix string, ns []*Node) {
				for _, n := range ns {
					if n.Storage {
						wantStorages = append(wantStorages, prefix+n.Name)
						collect(prefix+n.Name+"/", n.Children)
					} else {
						wantStreams[prefix+n.Name] = n.Data
					}
				}
			}
			collect("", tc.top)
			sort.Strings(wantStorages)
			gotStreams, gotStorages := tree(t, f)
			if strings.Join(gotStorages, "|") != strings.Join(wantStorages, "|") {
				t.Errorf("storages %q, want %q", gotStorages, wantStorages)
			}
			if len(gotStreams) != len(wantStreams) {
				t.Errorf("%d streams, want %d", len(gotStreams), len(wantStreams))
			}
			for p, want := range wantStreams {
				got, ok := gotStreams[p]
				if !ok {
					t.Errorf("stream %q missing", p)
				} else if !bytes.Equal(got, want) {
					t.Errorf("stream %q: %d bytes read back differ from the %d written", p, len(got), len(want))
				}
			}
			for _, n := range tc.top {
				if i := f.Find(n.Name); i < 0 {
					t.Errorf("Find(%q) = -1", n.Name)
				}
			}
		})
	}
}

// TestBuildLayout checks what the reader does not: small streams are in
// the mini stream and large ones are not, the DIFAT is used when needed,
// and the siblings are a search tree in [MS-CFB] order.
func TestBuildLayout(t *testing.T) {
	data := Build([]*Node{{Name: "bb", Data: pattern(1, 4095)}, {Name: "a", Data: pattern(2, 4096)}, {Name: "C", Data: []byte("x")}})
	le := binary.LittleEndian
	if n := le.Uint32(data[64:]); n != 1 { // mini FAT sectors: 64+1 mini sectors
		t.Errorf("%d mini FAT sectors, want 1", n)
	}
	dir := int(le.Uint32(data[48:])+1) * 512
	name := func(i int) string {
		e := data[dir+128*i:]
		n := int(le.Uint16(e[64:]))/2 - 1
		u := make([]rune, n)
		for k := range u {
			u[k] = rune(le.Uint16(e[2*k:]))
		}
		return string(u)
	}
	root := data[dir:]
	if got := le.Uint64(root[120:]); got != 64*64+64 {
		t.Errorf("mini stream of %d bytes, want %d", got, 64*64+64)
	}
	// Sorted by length, then upper case: "a" < "C" < "bb"; the middle
	// one, "C", is the root of the tree.
	mid := le.Uint32(root[76:])
	if got := name(int(mid)); got != "C" {
		t.Errorf("root of the sibling tree is %q, want C", got)
	}
	e := data[dir+128*int(mid):]
	if l, r := name(int(le.Uint32(e[68:]))), name(int(le.Uint32(e[72:]))); l != "a" || r != "bb" {
		t.Errorf("children of C: %q and %q, want a and bb", l, r)
	}
	big := Build([]*Node{{Name: "Huge", Data: make([]byte, 111*128*512-20000)}})
	if n, d := le.Uint32(big[44:]), le.Uint32(big[72:]); n <= 109 || d != 1 {
		t.Errorf("%d FAT sectors and %d DIFAT sectors, want over 109 and 1", n, d)
	}
}

func TestBuildFiles(t *testing.T) {
	data := BuildFiles(File{"VBA/dir", []byte("dir")}, File{"Workbook", pattern(1, 5000)}, File{"VBA/Module1", []byte("mod")}, File{"_VBA_PROJECT_CUR/VBA/x", []byte("deep")})
	f, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	streams, storages := tree(t, f)
	if got := strings.Join(storages, "|"); got != "VBA|_VBA_PROJECT_CUR|_VBA_PROJECT_CUR/VBA" {
		t.Errorf("storages %q", got)
	}
	for p, want := range map[string]string{"VBA/dir": "dir", "VBA/Module1": "mod", "_VBA_PROJECT_CUR/VBA/x": "deep"} {
		if string(streams[p]) != want {
			t.Errorf("%s = %q, want %q", p, streams[p], want)
		}
	}
	if len(streams["Workbook"]) != 5000 {
		t.Errorf("Workbook of %d bytes, want 5000", len(streams["Workbook"]))
	}
}
