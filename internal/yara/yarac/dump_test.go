package yarac

import (
	"os"
	"testing"
)

func TestDumpEnv(t *testing.T) {
	p := os.Getenv("YARAC_DUMP")
	if p == "" {
		t.Skip()
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + d.Text())
}
