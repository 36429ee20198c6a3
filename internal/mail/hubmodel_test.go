package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/hubclient"
	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/mail/model/modeltest"
)

// agencyModel is a small trained model; note tells two apart.
func agencyModel(t *testing.T, note string) *model.Model { return modeltest.Trained(t, note) }

// TestModelFollowerFromHub: the agency uploads a model to a real hub; a
// party's sensor pulls it, keeps it in its state directory, swaps it into
// the running analyzer, does not download it again while unchanged (nor
// after a restart), and takes the next version.
func TestModelFollowerFromHub(t *testing.T) {
	h := hubtest.Start(t)
	ctx := context.Background()
	agency, err := hubclient.New(h.URL, h.AnalystToken)
	if err != nil {
		t.Fatal(err)
	}
	sensor, err := hubclient.New(h.URL, h.SensorToken)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	a := testAnalyzer(t, Options{})
	f := &ModelFollower{Client: sensor, StateDir: state, Apply: a.SetModel}
	if m, err := f.Sync(ctx); err != hubclient.ErrNoMailModel || m != nil {
		t.Fatalf("no model on the hub: %v %v", m, err)
	}
	if _, err := agency.PushMailModel(ctx, agencyModel(t, "v1").Encode()); err != nil {
		t.Fatal(err)
	}
	m, err := f.Sync(ctx)
	if err != nil || m == nil || m.Note != "v1" || a.Model() != m || f.Version() != 1 {
		t.Fatalf("first pull: model %v, err %v, in force %v, version %d", m, err, a.Model(), f.Version())
	}
	kept, err := model.Load(filepath.Join(state, HubModelFile))
	if err != nil || kept.Note != "v1" {
		t.Fatalf("model kept on disk: %v %v", kept, err)
	}
	if got, from, err := ResolveModel("", state); err != nil || got.Note != "v1" || filepath.Base(from) != HubModelFile {
		t.Errorf("ResolveModel after the pull: %v from %s, %v", got, from, err)
	}
	if m, err := f.Sync(ctx); m != nil || err != nil {
		t.Errorf("unchanged model pulled again: %v %v", m, err)
	}
	restarted := &ModelFollower{Client: sensor, StateDir: state}
	if m, err := restarted.Sync(ctx); m != nil || err != nil || restarted.Version() != 1 {
		t.Errorf("after a restart the unchanged model was downloaded again: %v %v", m, err)
	}
	if _, err := agency.PushMailModel(ctx, agencyModel(t, "v2").Encode()); err != nil {
		t.Fatal(err)
	}
	if m, err := f.Sync(ctx); err != nil || m == nil || a.Model().Note != "v2" || f.Version() != 2 {
		t.Errorf("second version: %v %v", m, err)
	}
}

// TestModelFollowerRefusesBadModel: a file that does not match the hub's
// digest, or that is not a usable model, is refused with the reason; the
// model in force and the file kept stay.
func TestModelFollowerRefusesBadModel(t *testing.T) {
	good := agencyModel(t, "good")
	untrained, _ := model.New(8)
	cases := map[string]struct {
		body   []byte
		digest func([]byte) string
		want   string
	}{
		"damaged":     {body: good.Encode()[:100], digest: func([]byte) string { return hex.EncodeToString(make([]byte, 32)) }, want: "does not match its digest"},
		"not a model": {body: []byte("<html>proxy error</html>"), want: "not a Vigie mail model"},
		"untrained":   {body: untrained.Encode(), want: "needs both"},
		"no digest":   {body: good.Encode(), digest: func([]byte) string { return "" }, want: "without its SHA-256"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				d := sha256.Sum256(c.body)
				dg := hex.EncodeToString(d[:])
				if c.digest != nil {
					dg = c.digest(c.body)
				}
				w.Header().Set("X-Vigie-Model-Version", "7")
				w.Header().Set("X-Vigie-Model-SHA256", dg)
				w.Header().Set("ETag", `"`+dg+`"`)
				w.Write(c.body)
			}))
			defer srv.Close()
			cl, _ := hubclient.New(srv.URL, "vgt_test")
			state := t.TempDir()
			kept := good.Encode()
			os.WriteFile(filepath.Join(state, HubModelFile), kept, 0o600)
			a := testAnalyzer(t, Options{Model: good})
			f := &ModelFollower{Client: cl, StateDir: state, Apply: a.SetModel}
			m, err := f.Sync(context.Background())
			if err == nil || m != nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got model %v, error %v; want a refusal saying %q", m, err, c.want)
			}
			if a.Model() != good {
				t.Error("the model in force was replaced")
			}
			if b, _ := os.ReadFile(filepath.Join(state, HubModelFile)); !bytes.Equal(b, kept) {
				t.Error("the model kept on disk was overwritten")
			}
		})
	}
}
