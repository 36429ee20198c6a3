package assess

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// caseInput is a stored assessment input, as the hub would keep it.
type caseInput struct {
	Comment string    `json:"comment"`
	Now     time.Time `json:"now"`
	Answers Answers   `json:"answers"`
	Facts   Facts     `json:"facts"`
}

func loadCase(t testing.TB, name string) caseInput {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in caseInput
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return in
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestGolden checks one complete assessment of a realistic small party run
// by volunteers on personal Gmail accounts. Run with -update to rewrite the
// golden file, then read the diff.
func TestGolden(t *testing.T) {
	in := loadCase(t, "volunteer-party")
	got := marshal(t, Assess(Current(), in.Answers, in.Facts, in.Now))
	path := filepath.Join("testdata", "volunteer-party.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("assessment differs from %s (run go test -update and read the diff):\n%s", path, firstDiff(want, got))
	}
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// What a reader of the golden assessment checks by eye, asserted.
func TestGoldenReadsRight(t *testing.T) {
	in := loadCase(t, "volunteer-party")
	a := Assess(Current(), in.Answers, in.Facts, in.Now)

	// The party said its mail domain is protected; DMARC and SPF fail.
	e := evidence(t, a, "mail-antispoof")
	if e.Credit != 0 || !e.Overridden || !strings.Contains(e.Note.EN, "mail.dmarc=fail") {
		t.Errorf("mail-antispoof: %+v", e)
	}
	// The retired question is reported, not fatal.
	if len(a.Ignored) != 1 || a.Ignored[0].Value != "acc-social-2fa" {
		t.Errorf("ignored %+v", a.Ignored)
	}
	if a.Overall.Level != LevelPoor && a.Overall.Level != LevelWeak {
		t.Errorf("a volunteer party on personal Gmail rated %s (%d)", a.Overall.Level, a.Overall.Score)
	}
	var top []string
	for _, x := range a.Plan {
		if x.Top {
			top = append(top, x.Item)
		}
	}
	if len(top) != TopActions {
		t.Fatalf("top actions %v", top)
	}
	// The party is targeted (look-alikes, sightings): the first three are
	// quick wins (minutes, free) against the threats it faces, and mail
	// login protection comes within the first ten.
	for _, x := range a.Plan[:TopActions] {
		if x.Cost != 1 || len(x.Heightened) == 0 {
			t.Errorf("top action %s: cost %d, heightened %v", x.Item, x.Cost, x.Heightened)
		}
	}
	if x, _ := action(a, "acc-mfa-mail"); x.Rank == 0 || x.Rank > 10 {
		t.Errorf("two-factor on mail ranked %d", x.Rank)
	}
	for i := 1; i < len(a.Plan); i++ {
		if a.Plan[i].Priority > a.Plan[i-1].Priority {
			t.Errorf("plan not ordered at %d", i)
		}
	}
}

// TestRecomputeFromStored recomputes the assessment from the inputs after a
// JSON round trip (as the hub stores them) and from the stored golden
// assessment, and gets the same figures.
func TestRecomputeFromStored(t *testing.T) {
	in := loadCase(t, "volunteer-party")
	first := Assess(Current(), in.Answers, in.Facts, in.Now)

	var stored caseInput
	if err := json.Unmarshal(marshal(t, in), &stored); err != nil {
		t.Fatal(err)
	}
	second := Assess(Current(), stored.Answers, stored.Facts, stored.Now)
	if !bytes.Equal(marshal(t, first), marshal(t, second)) {
		t.Fatal("recomputing from the stored inputs changed the assessment")
	}

	var back Assessment
	if err := json.Unmarshal(marshal(t, first), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, first) {
		t.Fatal("the assessment does not survive a JSON round trip")
	}
	for i := range 20 {
		if again := Assess(Current(), in.Answers, in.Facts, in.Now); !reflect.DeepEqual(again, first) {
			t.Fatalf("run %d differs", i)
		}
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "volunteer-party.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var fromGolden Assessment
	if err := json.Unmarshal(golden, &fromGolden); err != nil {
		t.Fatal(err)
	}
	if fromGolden.Overall.Score != first.Overall.Score || len(fromGolden.Plan) != len(first.Plan) {
		t.Fatalf("stored %d/%d actions, recomputed %d/%d", fromGolden.Overall.Score, len(fromGolden.Plan), first.Overall.Score, len(first.Plan))
	}
	for i, g := range fromGolden.Groups {
		if g.Score != first.Groups[i].Score {
			t.Errorf("group %s: stored %d, recomputed %d", g.Group, g.Score, first.Groups[i].Score)
		}
	}
}

// BenchmarkAssess scores the golden party (41 answers, posture, sensors,
// findings, advisories): what the hub does each time it recomputes.
func BenchmarkAssess(b *testing.B) {
	in := loadCase(b, "volunteer-party")
	q := Current()
	b.ReportAllocs()
	for b.Loop() {
		Assess(q, in.Answers, in.Facts, in.Now)
	}
}
