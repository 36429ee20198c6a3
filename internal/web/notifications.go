package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/store"
)

// The Notifications page: each user's channels (mail, webhooks) and what
// they want on each; for admins, the deliveries waiting or failed, with a
// button to try again.

type notifyData struct {
	Channels   []store.Channel
	Deliveries []store.Outgoing
	Mail       bool   // the hub has a mail relay
	PublicURL  string // "" warns that links in messages are relative
	// Secret is the signing secret of a generic webhook just made, shown
	// once; SecretFor its channel id.
	Secret    string
	SecretFor int64
}

func (u *UI) notifications(w http.ResponseWriter, r *http.Request, q *req) {
	u.showNotifications(w, r, q, 200, nil, "", "")
}

func (u *UI) showNotifications(w http.ResponseWriter, r *http.Request, q *req, code int, made *store.Channel, flash, errMsg string) {
	d := notifyData{Mail: u.hub.MailEnabled(), PublicURL: u.hub.PublicURL()}
	if made != nil && made.Secret != "" {
		d.Secret, d.SecretFor = made.Secret, made.ID
	}
	var err error
	if d.Channels, err = u.st.ListChannels(r.Context(), q.p.UserID); err != nil {
		u.fail(w, q, err)
		return
	}
	if q.p.Can("admin") {
		if d.Deliveries, err = u.st.ListDeliveries(r.Context(), q.p.Viewer(), "failed", 50); err != nil {
			u.fail(w, q, err)
			return
		}
		pending, err := u.st.ListDeliveries(r.Context(), q.p.Viewer(), "pending", 50)
		if err != nil {
			u.fail(w, q, err)
			return
		}
		d.Deliveries = append(d.Deliveries, pending...)
	}
	pg := q.page("Notifications", "notifications", d)
	pg.Flash, pg.Error = flash, errMsg
	u.render(w, code, "notifications", pg)
}

func (u *UI) createChannel(w http.ResponseWriter, r *http.Request, q *req) {
	r.ParseForm()
	c := store.Channel{UserID: q.p.UserID, Kind: r.PostFormValue("kind"), Target: strings.TrimSpace(r.PostFormValue("target")),
		Format: r.PostFormValue("format"), Events: r.PostForm["events"]}
	if err := u.hub.CheckChannel(r.Context(), &c); err != nil {
		u.showNotifications(w, r, q, http.StatusUnprocessableEntity, nil, "", "Could not add the channel: "+err.Error())
		return
	}
	c, err := u.st.CreateChannel(r.Context(), q.p.ActorFor(), c)
	if err != nil {
		u.showNotifications(w, r, q, http.StatusUnprocessableEntity, nil, "", "Could not add the channel: "+err.Error())
		return
	}
	u.showNotifications(w, r, q, 200, &c, "Channel added.", "")
}

func (u *UI) deleteChannel(w http.ResponseWriter, r *http.Request, q *req) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := u.st.DeleteChannel(r.Context(), q.p.ActorFor(), q.p.UserID, id); err != nil {
		u.fail(w, q, err)
		return
	}
	u.showNotifications(w, r, q, 200, nil, "Channel removed.", "")
}

func (u *UI) testChannel(w http.ResponseWriter, r *http.Request, q *req) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := u.st.GetChannel(r.Context(), q.p.UserID, id)
	if err != nil {
		u.fail(w, q, err)
		return
	}
	if err := u.hub.SendTest(r.Context(), c); err != nil {
		u.showNotifications(w, r, q, http.StatusBadGateway, nil, "", "The test message could not be delivered: "+err.Error())
		return
	}
	u.showNotifications(w, r, q, 200, nil, fmt.Sprintf("Test message sent to %s.", c.Target), "")
}

func (u *UI) retryDelivery(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.p.Can("admin") {
		u.httpError(w, r, "Not found.", http.StatusNotFound)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := u.st.RetryDelivery(r.Context(), q.p.Viewer(), q.p.ActorFor(), id); err != nil {
		u.fail(w, q, err)
		return
	}
	u.showNotifications(w, r, q, 200, nil, "The delivery will be tried again within a minute.", "")
}
