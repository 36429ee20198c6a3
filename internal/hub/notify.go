package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/vigie-project/vigie/internal/notify"
	"github.com/vigie-project/vigie/internal/store"
)

// Notifications: events are put in the outbox of every channel that wants
// them (store.Recipients) when they happen; RunNotifier delivers them. Each
// channel gets at most one message per NotifyInterval, holding every event
// that waited (batching), sent NotifyDelay after the first one so that a
// burst goes out as one message. A failed delivery is retried with
// growing delays and, after notifyMaxAttempts, shown to the admin as
// failed (Deliveries page), where it can be retried by hand.

// NotifyOptions configure notifications (Options.Notify).
type NotifyOptions struct {
	// Mailer is the SMTP relay; nil means no e-mail channel can be used.
	Mailer *notify.SMTP
	// Guard keeps webhooks off the hub and private addresses.
	Guard *notify.Guard
	// Delay is how long the first event of a message waits for others
	// (default 30 s); Interval the least time between two messages to one
	// channel (default 5 min).
	Delay, Interval time.Duration
	// SilentAfter is when a sensor that stopped reporting is said silent
	// (default 24 h).
	SilentAfter time.Duration
	// Tick is how often the outbox is looked at (default 5 s).
	Tick time.Duration
}

const notifyMaxAttempts = 8

func (o *NotifyOptions) defaults() {
	if o.Guard == nil {
		o.Guard = &notify.Guard{}
	}
	if o.Delay <= 0 {
		o.Delay = 30 * time.Second
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Minute
	}
	if o.SilentAfter <= 0 {
		o.SilentAfter = 24 * time.Hour
	}
	if o.Tick <= 0 {
		o.Tick = 5 * time.Second
	}
}

// agencyAlso says which kinds of party events the agency's users may also
// receive (they see every party's sightings, look-alikes and sensors).
// Advisories and reminders are addressed to the parties only.
var agencyAlso = map[string]bool{
	notify.KindAlert: true, notify.KindSighting: true, notify.KindLookalike: true, notify.KindSensorSilent: true,
}

// Notify queues ev for every channel that wants it. It never fails the
// caller's work: a storage error is logged.
func (s *Server) Notify(ctx context.Context, ev notify.Event) {
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	chans, err := s.st.Recipients(ctx, ev.Kind, ev.OrgID, agencyAlso[ev.Kind])
	if err != nil {
		s.log.Error("notify: recipients", "kind", ev.Kind, "err", err)
		return
	}
	if len(chans) == 0 {
		return
	}
	body, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("notify: event", "err", err)
		return
	}
	ids := make([]int64, len(chans))
	for i, c := range chans {
		ids[i] = c.ID
	}
	if err := s.st.Enqueue(ctx, ids, body, s.now().Add(s.opts.Notify.Delay)); err != nil {
		s.log.Error("notify: enqueue", "kind", ev.Kind, "err", err)
	}
}

// notifySightings tells a party (and the agency) that its sensors saw
// known indicators, and the agency that a campaign alert was raised. The
// content stays on the hub (a sighting says what hit the party).
func (s *Server) notifySightings(ctx context.Context, p *Principal, res store.SightingResult) {
	if res.Matched > 0 {
		s.Notify(ctx, notify.Event{Kind: notify.KindSighting, OrgID: p.OrgID, OrgName: p.OrgName, TLP: "amber",
			Title: fmt.Sprintf("%d sightings of known indicators", res.Matched), Link: "/sightings"})
	}
	if res.Alerts > 0 {
		s.Notify(ctx, notify.Event{Kind: notify.KindAlert, TLP: "amber", Title: "Campaign alert", Link: "/"})
	}
}

// notifyFindings tells a party (and the agency) that its sensors reported
// serious findings (high or critical: malware found by a sweep, phishing
// held by the milter). Lesser ones (a file that could not be read, a
// posture warning) are for the Sightings page, not for waking someone.
func (s *Server) notifyFindings(ctx context.Context, p *Principal, stored int, batch []store.Finding) {
	if stored == 0 {
		return
	}
	serious := 0
	for _, f := range batch {
		if f.Severity == "high" || f.Severity == "critical" {
			serious++
		}
	}
	if serious == 0 {
		return
	}
	s.Notify(ctx, notify.Event{Kind: notify.KindSighting, OrgID: p.OrgID, OrgName: p.OrgName, TLP: "amber",
		Title: fmt.Sprintf("%d serious findings reported by the sensors", serious), Link: "/sightings"})
}

// RunNotifier delivers the outbox until ctx ends, and watches for sensors
// that went silent.
func (s *Server) RunNotifier(ctx context.Context) {
	o := s.opts.Notify
	tick := time.NewTicker(o.Tick)
	defer tick.Stop()
	var lastSilent, lastPrune time.Time
	for {
		now := s.now()
		if now.Sub(lastSilent) >= 10*time.Minute {
			lastSilent = now
			if err := s.checkSilentSensors(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("notify: silent sensors", "err", err)
			}
		}
		if now.Sub(lastPrune) >= 24*time.Hour {
			lastPrune = now
			if err := s.st.PruneDeliveries(ctx, now.Add(-30*24*time.Hour)); err != nil && ctx.Err() == nil {
				s.log.Error("notify: prune", "err", err)
			}
		}
		if err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("notify: deliver", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// DeliverDue sends every channel's due events now (one message a channel).
func (s *Server) DeliverDue(ctx context.Context) error {
	now := s.now()
	chans, err := s.st.DueChannels(ctx, now, s.opts.Notify.Interval)
	if err != nil {
		return err
	}
	for _, c := range chans {
		if ok, err := s.st.ClaimChannel(ctx, c, now); err != nil || !ok {
			if err != nil {
				return err
			}
			continue // another hub instance has it
		}
		out, err := s.st.PendingFor(ctx, c.ID, now, 500)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			continue
		}
		evs := make([]notify.Event, 0, len(out))
		ids := make([]int64, 0, len(out))
		attempts := 0
		for _, o := range out {
			var ev notify.Event
			if err := json.Unmarshal([]byte(o.Event), &ev); err != nil {
				// a row that cannot be read is given up at once (and shown
				// to the admin), never left to block the channel's others
				s.log.Error("notify: unreadable outbox row", "id", o.ID, "channel", c.ID, "err", err)
				if err := s.st.MarkFailed(ctx, []int64{o.ID}, "unreadable event: "+err.Error(), now, 0); err != nil {
					return err
				}
				continue
			}
			ids = append(ids, o.ID)
			attempts = max(attempts, o.Attempts)
			evs = append(evs, ev)
		}
		if len(evs) == 0 {
			continue
		}
		msg := notify.Compose(s.opts.PublicURL, c.Language, evs)
		if err := s.deliver(ctx, c, msg); err != nil {
			next := now.Add(backoff(attempts))
			s.log.Warn("notify: delivery failed", "channel", c.ID, "kind", c.Kind, "user", c.Username, "attempt", attempts+1, "retry_at", next, "err", err)
			s.metrics.notifyFailed.Add(1)
			if err := s.st.MarkFailed(ctx, ids, err.Error(), next, notifyMaxAttempts); err != nil {
				return err
			}
			continue
		}
		s.metrics.notifySent.Add(1)
		if err := s.st.MarkSent(ctx, c.ID, ids, now); err != nil {
			return err
		}
	}
	return nil
}

// backoff is the wait before retry n+1: 1, 2, 4 … minutes, at most 6 h.
func backoff(attempts int) time.Duration {
	d := time.Minute << min(attempts, 10)
	return min(d, 6*time.Hour)
}

var errNoMailer = errors.New("notify: the hub has no mail relay (vigie serve --smtp)")

func (s *Server) deliver(ctx context.Context, c store.Channel, m notify.Message) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	switch c.Kind {
	case "email":
		if s.opts.Notify.Mailer == nil {
			return errNoMailer
		}
		return s.opts.Notify.Mailer.Send(ctx, c.Target, m)
	case "webhook":
		return notify.Post(ctx, s.hookClient, c.Target, c.Format, []byte(c.Secret), m, s.now())
	}
	return fmt.Errorf("notify: channel %d: unknown kind %q", c.ID, c.Kind)
}

// SendTest sends a test message to one channel now, outside the outbox,
// and says what happened.
func (s *Server) SendTest(ctx context.Context, c store.Channel) error {
	ev := notify.Event{Kind: notify.KindAdvisory, TLP: "clear", Title: "Test message from the Vigie hub",
		Text: "If you read this, notifications reach you here.", Link: "/notifications", At: s.now()}
	return s.deliver(ctx, c, notify.Compose(s.opts.PublicURL, c.Language, []notify.Event{ev}))
}

// CheckChannel validates a channel a user is about to save: a single
// e-mail address (and a relay to send through), or a webhook URL the
// guard accepts, a known format and known event kinds. A generic webhook
// gets a fresh signing secret.
func (s *Server) CheckChannel(ctx context.Context, c *store.Channel) error {
	if len(c.Events) == 0 {
		return errors.New("choose at least one event")
	}
	for _, k := range c.Events {
		if !notify.ValidKind(k) {
			return fmt.Errorf("unknown event %q", k)
		}
	}
	switch c.Kind {
	case "email":
		if s.opts.Notify.Mailer == nil {
			return errors.New("this hub sends no mail: its admin must start it with --smtp")
		}
		addr, err := notify.ValidAddress(c.Target)
		if err != nil {
			return err
		}
		c.Target, c.Format = addr, ""
	case "webhook":
		if !notify.ValidFormat(c.Format) {
			return fmt.Errorf("unknown webhook format %q", c.Format)
		}
		if err := s.opts.Notify.Guard.CheckURL(ctx, c.Target); err != nil {
			return fmt.Errorf("webhook URL: %w", err)
		}
		if c.Format == notify.FormatGeneric {
			b := make([]byte, 32)
			rand.Read(b)
			c.Secret = hex.EncodeToString(b)
		}
	default:
		return fmt.Errorf("unknown channel kind %q", c.Kind)
	}
	return nil
}

// MailEnabled reports whether the hub can send mail.
func (s *Server) MailEnabled() bool { return s.opts.Notify.Mailer != nil }

// PublicURL is the hub's configured public address ("" if none).
func (s *Server) PublicURL() string { return s.opts.PublicURL }

// checkSilentSensors notifies, once per silence, each sensor token that
// reported before but not for SilentAfter.
func (s *Server) checkSilentSensors(ctx context.Context) error {
	toks, err := s.st.SilentSensors(ctx, s.now().Add(-s.opts.Notify.SilentAfter))
	if err != nil {
		return err
	}
	for _, t := range toks {
		first, err := s.st.MarkOnce(ctx, fmt.Sprintf("silent:%d:%d", t.ID, t.LastUsedAt.UnixMicro()))
		if err != nil {
			return err
		}
		if !first {
			continue
		}
		name := t.Name
		if name == "" {
			name = t.Prefix
		}
		s.Notify(ctx, notify.Event{Kind: notify.KindSensorSilent, OrgID: t.OrgID, OrgName: t.OrgName, TLP: "amber",
			Title: fmt.Sprintf("Sensor %q has not reported since %s", name, t.LastUsedAt.UTC().Format("2006-01-02 15:04 UTC")),
			Link:  "/tokens"})
	}
	return nil
}

// hookClientFor builds the webhook client of the guard.
func hookClientFor(g *notify.Guard) *http.Client { return g.Client(30 * time.Second) }

// advisoryNotifications turns advisory events into notifications, one
// per party concerned: published, revised (with what changed), withdrawn,
// and the agency's reminders.
type advisoryNotifications struct{ s *Server }

func (n advisoryNotifications) NotifyAdvisory(ctx context.Context, e AdvisoryEvent) error {
	kind, title := notify.KindAdvisory, e.Advisory.Title
	switch e.Kind {
	case AdvisoryRevised:
		title = "Updated: " + title
	case AdvisoryWithdrawn:
		title = "Withdrawn: " + title
	case AdvisoryReminder:
		kind = notify.KindReminder
	}
	for _, o := range e.Recipients {
		n.s.Notify(ctx, notify.Event{Kind: kind, OrgID: o.ID, OrgName: o.Name, TLP: string(e.Advisory.TLP),
			Title: title, Text: e.Summary, Link: fmt.Sprintf("/advisories/%d", e.Advisory.ID), At: e.At})
	}
	return nil
}

// notifyLookalike tells a party (and the agency) that its watch found a
// new look-alike of one of its domains. Domain registrations are public
// (certificate logs, zone files), so the names may be in the message.
func (s *Server) notifyLookalike(ctx context.Context, p *Principal, pr store.LookalikeProposal) {
	s.Notify(ctx, notify.Event{Kind: notify.KindLookalike, OrgID: p.OrgID, OrgName: p.OrgName, TLP: "green",
		Title: fmt.Sprintf("Look-alike domain %s imitates %s", pr.Name, pr.Imitates), Text: pr.Reason, Link: "/lookalikes"})
}
