// Package hubtest starts a real Vigie hub for other packages' tests: an
// embedded SQLite store in a temporary directory, an agency and a party,
// an analyst token for the agency and a sensor token for the party, served
// on a loopback httptest server. Sensors (the sweep, the mail analyzer)
// test their hub round trips against it instead of a fake.
package hubtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/vigie-project/vigie/internal/hub"
	"github.com/vigie-project/vigie/internal/store"
)

// Hub is a running hub with one agency and one party.
type Hub struct {
	URL string
	// AnalystToken is an analyst token of the agency; SensorToken a
	// sensor token of the party.
	AnalystToken, SensorToken string
	Store                     *store.Store
	// CAFile is the hub's self-signed certificate (StartTLS only): what
	// a sensor is given with --hub-ca.
	CAFile string

	t        testing.TB
	sensorID int64
}

// Start starts a hub that stops when the test ends.
func Start(t testing.TB) *Hub { return start(t, nil) }

// StartTLS starts a hub over HTTPS with the self-signed certificate that
// vigie serve --self-signed --tls-names makes, valid for 127.0.0.1 and
// names; CAFile is that certificate.
func StartTLS(t testing.TB, names ...string) *Hub { return start(t, names) }

func start(t testing.TB, tlsNames []string) *Hub {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	actor := store.Actor{Name: "test"}
	agency, err := st.CreateOrg(ctx, actor, "Agency", store.KindAgency)
	if err != nil {
		t.Fatal(err)
	}
	party, err := st.CreateOrg(ctx, actor, "Party A", store.KindParty)
	if err != nil {
		t.Fatal(err)
	}
	analyst, err := hub.CreateToken(ctx, st, actor, agency.ID, "analyst", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	sensor, err := hub.CreateToken(ctx, st, actor, party.ID, "sensor", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(hub.New(hub.Options{Store: st, BodyLimit: 1 << 20, ImportLimit: 256 << 10}))
	h := &Hub{AnalystToken: analyst.Secret, SensorToken: sensor.Secret, Store: st, t: t, sensorID: sensor.ID}
	if tlsNames != nil {
		dir := t.TempDir()
		cert, key, err := hub.SelfSignedCertFor(dir, ts.Listener.Addr().String(), tlsNames)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			t.Fatal(err)
		}
		ts.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
		ts.StartTLS()
		h.CAFile = cert
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	h.URL = ts.URL
	return h
}

// client is an HTTP client that trusts the hub's certificate.
func (h *Hub) client() *http.Client {
	if h.CAFile == "" {
		return http.DefaultClient
	}
	pem, err := os.ReadFile(h.CAFile)
	if err != nil {
		h.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// RevokeSensor revokes the party's sensor token, as its administrator
// would.
func (h *Hub) RevokeSensor() {
	h.t.Helper()
	if err := h.Store.RevokeToken(context.Background(), store.Viewer{Agency: true}, store.Actor{Name: "test"}, h.sensorID); err != nil {
		h.t.Fatal(err)
	}
}

// Call sends a JSON request with the analyst token and returns the body;
// a status other than 200 fails the test.
func (h *Hub) Call(method, path string, body any) []byte {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.AnalystToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, out)
	}
	return out
}

// Publish publishes indicators of one type to every party.
func (h *Hub) Publish(typ string, values ...string) {
	h.t.Helper()
	items := make([]map[string]any, len(values))
	for i, v := range values {
		items[i] = map[string]any{"type": typ, "value": v}
	}
	h.Call("POST", "/api/v1/indicators", map[string]any{"items": items, "distribution": "all"})
}

// PublishOne publishes one indicator to every party and returns its id.
func (h *Hub) PublishOne(typ, value string) string {
	h.t.Helper()
	h.Call("POST", "/api/v1/indicators", map[string]any{"items": []map[string]any{{"type": typ, "value": value}}, "distribution": "all"})
	var page struct {
		Items []struct {
			ID    string `json:"id"`
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"items"`
	}
	if err := json.Unmarshal(h.Call("GET", "/api/v1/indicators?q="+url.QueryEscape(value), nil), &page); err != nil {
		h.t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.Type == typ && it.Value == value {
			return it.ID
		}
	}
	h.t.Fatalf("published %s %s but cannot find it", typ, value)
	return ""
}

// Expire ends the validity of an indicator now.
func (h *Hub) Expire(id string) {
	h.t.Helper()
	h.Call("POST", "/api/v1/indicators/"+url.PathEscape(id)+"/expire", nil)
}

// Withdraw narrows an indicator's distribution to the agency, so that the
// party's feed withdraws it.
func (h *Hub) Withdraw(id string) {
	h.t.Helper()
	h.Call("PATCH", "/api/v1/indicators/"+url.PathEscape(id), map[string]any{"distribution": "agency"})
}
