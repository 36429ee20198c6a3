package hubclient

import (
	"context"
	"testing"

	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/store"
)

var (
	storeActor = store.Actor{Name: "test"}
	storePut   = store.PutOptions{Distribution: store.DistAll}
)

// agencyViewer is the hub's agency, as the store sees it.
func agencyViewer(t *testing.T, h *hubtest.Hub) store.Viewer {
	t.Helper()
	o, err := h.Store.OrgByName(context.Background(), "Agency")
	if err != nil {
		t.Fatal(err)
	}
	return store.Viewer{OrgID: o.ID, Agency: true}
}
