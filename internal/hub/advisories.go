package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/warninglist"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/yara"
)

// AdvisoryEventKind says what happened to an advisory.
type AdvisoryEventKind string

// The advisory events a notifier receives.
const (
	AdvisoryPublished AdvisoryEventKind = "published" // a draft went out (version 1)
	AdvisoryRevised   AdvisoryEventKind = "revised"   // a published advisory changed (Summary says how)
	AdvisoryWithdrawn AdvisoryEventKind = "withdrawn" // Summary is the reason
	AdvisoryReminder  AdvisoryEventKind = "reminder"  // the agency reminded Recipients
)

// AdvisoryEvent is what a notifier is told when an advisory is published,
// revised or withdrawn, or when the agency sends a reminder. The advisory
// is the agency's view of it. A notifier must not put the content of an
// advisory above TLP:GREEN in a mail body or webhook, only a link to the
// hub (Link).
type AdvisoryEvent struct {
	Kind     AdvisoryEventKind
	Advisory store.AdvisoryRecord
	// Recipients are the parties concerned: every party the advisory goes
	// to, or, for a reminder, the parties reminded.
	Recipients []store.Org
	// Summary is the revision's summary or the withdrawal's reason.
	Summary string
	// Actor is who did it ("user:alice").
	Actor string
	At    time.Time
	// Link is the advisory's page on the hub ("" when the hub has no
	// --public-url).
	Link string
}

// AdvisoryNotifier is told of advisory events, after they are stored. It
// runs in the request that caused the event: it should queue the delivery
// and return at once. An error is logged; the event stays stored.
type AdvisoryNotifier interface {
	NotifyAdvisory(ctx context.Context, e AdvisoryEvent) error
}

// SetAdvisoryNotifier sets who is told of advisory events (the
// notifications); nil tells no one.
func (s *Server) SetAdvisoryNotifier(n AdvisoryNotifier) {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	s.advisoryNotifier = n
}

func (s *Server) notifyAdvisory(ctx context.Context, p *Principal, kind AdvisoryEventKind, rec store.AdvisoryRecord, recipients []store.Org, summary string) {
	s.notifyMu.Lock()
	n := s.advisoryNotifier
	s.notifyMu.Unlock()
	if n == nil {
		return
	}
	if recipients == nil {
		var err error
		if recipients, err = s.st.AdvisoryRecipients(ctx, p.Viewer(), rec.ID); err != nil {
			s.log.Error("advisory notification: recipients", "advisory", rec.ID, "err", err)
			return
		}
	}
	e := AdvisoryEvent{Kind: kind, Advisory: rec, Recipients: recipients, Summary: summary, Actor: p.Actor, At: s.now()}
	if s.opts.PublicURL != "" {
		e.Link = fmt.Sprintf("%s/advisories/%d", strings.TrimRight(s.opts.PublicURL, "/"), rec.ID)
	}
	if err := n.NotifyAdvisory(ctx, e); err != nil {
		s.log.Error("advisory notification", "advisory", rec.ID, "kind", kind, "err", err)
	}
}

// AdvisoryIn is an advisory as the agency writes it (web form, API, CLI).
type AdvisoryIn struct {
	Title    string   `json:"title"`
	Severity string   `json:"severity"`
	TLP      string   `json:"tlp"`
	Body     string   `json:"body"`
	Actions  []string `json:"actions"`
	// Distribution is "all" or "listed"; Parties names the listed parties
	// (names or ids).
	Distribution string   `json:"distribution"`
	Parties      []string `json:"parties,omitempty"`
	// Indicators are indicators to import and attach, in any format the
	// import reads (a list of values, CSV, STIX, MISP).
	Indicators string `json:"indicators,omitempty"`
	// YARA is the source of YARA rules to attach, as one indicator named
	// after its first rule.
	YARA string `json:"yara,omitempty"`
	// Attach and Detach are ids of existing indicators of the agency.
	Attach []string `json:"attach,omitempty"`
	Detach []string `json:"detach,omitempty"`
	// Summary says what a revision of a published advisory changed.
	Summary string `json:"summary,omitempty"`
	// Publish publishes a new draft at once.
	Publish bool `json:"publish,omitempty"`
}

// maxAdvisoryIndicatorBytes bounds the indicators pasted into an
// advisory (bigger sets go through the import, then Attach).
const maxAdvisoryIndicatorBytes = 4 << 20

// advisoryInput checks what the agency wrote and finds the parties.
func (s *Server) advisoryInput(ctx context.Context, in AdvisoryIn) (advisory.Content, store.AdvisoryTarget, error) {
	c, err := advisory.Input{Title: in.Title, Severity: in.Severity, TLP: in.TLP, Body: in.Body, Actions: in.Actions}.Check()
	if err != nil {
		return c, store.AdvisoryTarget{}, err
	}
	t := store.AdvisoryTarget{Distribution: in.Distribution}
	if t.Distribution == "" {
		t.Distribution = store.DistAll
		if len(in.Parties) > 0 {
			t.Distribution = store.DistListed
		}
	}
	if t.Distribution == store.DistListed {
		po, err := s.putOptions(ctx, ImportOptions{Distribution: store.DistListed, Parties: in.Parties})
		if err != nil {
			return c, t, fmt.Errorf("%w: %s", advisory.ErrInput, err.Error())
		}
		t.Parties = po.Parties
	}
	return c, t, nil
}

// importForAdvisory checks and stores indicators pasted into an advisory,
// with the agency only until the advisory is published, and returns their
// ids. Anything that cannot become an indicator refuses the whole change.
func (s *Server) importForAdvisory(ctx context.Context, p *Principal, in AdvisoryIn, tlp indicator.TLP) ([]string, error) {
	if len(in.Indicators)+len(in.YARA) > maxAdvisoryIndicatorBytes {
		return nil, fmt.Errorf("%w: more than %d MiB of indicators: import them first, then attach their ids", advisory.ErrInput, maxAdvisoryIndicatorBytes>>20)
	}
	c := &indicator.Collection{}
	if strings.TrimSpace(in.Indicators) != "" {
		got, err := formats.Decode(strings.NewReader(in.Indicators), "advisory indicators", "", "", indicator.ReadOptions{Name: "advisory indicators", MaxBytes: maxAdvisoryIndicatorBytes})
		if err != nil {
			return nil, fmt.Errorf("%w: indicators: %s", advisory.ErrInput, err.Error())
		}
		if len(got.Problems) > 0 {
			return nil, fmt.Errorf("%w: indicators: %s", advisory.ErrInput, got.Problems[0].String())
		}
		c.Indicators = got.Indicators
	}
	if strings.TrimSpace(in.YARA) != "" {
		name, err := firstRuleName(in.YARA)
		if err != nil {
			return nil, fmt.Errorf("%w: YARA rule: %s", advisory.ErrInput, err.Error())
		}
		c.Indicators = append(c.Indicators, indicator.Indicator{Type: indicator.YARA, Value: name, Rule: in.YARA})
	}
	if len(c.Indicators) == 0 {
		return nil, nil
	}
	if len(c.Indicators) > store.MaxAdvisoryIndicators {
		return nil, fmt.Errorf("%w: %d indicators, at most %d in one advisory", advisory.ErrInput, len(c.Indicators), store.MaxAdvisoryIndicators)
	}
	if err := s.vet(c, "advisory indicators", false); err != nil {
		return nil, fmt.Errorf("%w: %s", advisory.ErrInput, err.Error())
	}
	warninglist.Apply(c, s.opts.Warninglists)
	c.Dedupe()
	_, recs, err := s.st.PutIndicators(ctx, p.Viewer(), p.ActorFor(), c.Indicators, store.PutOptions{Distribution: store.DistAgency, TLP: tlp})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids, nil
}

// firstRuleName compiles a YARA source and returns its first rule's name.
func firstRuleName(src string) (string, error) {
	rs, _, err := yara.Compile([]yara.Source{{Name: "advisory", Data: []byte(src)}}, yara.CompileOptions{DisableIncludes: true})
	if err != nil {
		return "", err
	}
	infos := rs.RuleInfos()
	if len(infos) == 0 {
		return "", errors.New("the source defines no rule")
	}
	return infos[0].Name, nil
}

// CreateAdvisory stores a new draft written by an agency analyst, and
// publishes it at once when in.Publish is set.
func (s *Server) CreateAdvisory(ctx context.Context, p *Principal, in AdvisoryIn) (store.AdvisoryRecord, error) {
	if !p.Can("publish") {
		return store.AdvisoryRecord{}, errForbidden
	}
	c, t, err := s.advisoryInput(ctx, in)
	if err != nil {
		return store.AdvisoryRecord{}, err
	}
	ids, err := s.importForAdvisory(ctx, p, in, c.TLP)
	if err != nil {
		return store.AdvisoryRecord{}, err
	}
	rec, err := s.st.CreateAdvisory(ctx, p.Viewer(), p.ActorFor(), c, t, append(ids, in.Attach...))
	if err != nil || !in.Publish {
		return rec, err
	}
	return s.PublishAdvisory(ctx, p, rec.ID)
}

// UpdateAdvisory changes an advisory: a draft is overwritten, a published
// advisory gets a new version whose summary says what changed, and the
// parties are told.
func (s *Server) UpdateAdvisory(ctx context.Context, p *Principal, id int64, in AdvisoryIn) (store.AdvisoryRecord, error) {
	if !p.Can("publish") {
		return store.AdvisoryRecord{}, errForbidden
	}
	c, t, err := s.advisoryInput(ctx, in)
	if err != nil {
		return store.AdvisoryRecord{}, err
	}
	before, err := s.st.GetAdvisory(ctx, p.Viewer(), id)
	if err != nil {
		return store.AdvisoryRecord{}, err
	}
	ids, err := s.importForAdvisory(ctx, p, in, c.TLP)
	if err != nil {
		return store.AdvisoryRecord{}, err
	}
	rec, err := s.st.UpdateAdvisory(ctx, p.Viewer(), p.ActorFor(), id, store.AdvisoryChange{Content: c, Target: t, Attach: append(ids, in.Attach...), Detach: in.Detach, Summary: in.Summary})
	if err != nil {
		return rec, err
	}
	if before.Status == advisory.Published {
		s.notifyAdvisory(ctx, p, AdvisoryRevised, rec, nil, in.Summary)
	}
	return rec, nil
}

// PublishAdvisory publishes a draft and tells its parties.
func (s *Server) PublishAdvisory(ctx context.Context, p *Principal, id int64) (store.AdvisoryRecord, error) {
	if !p.Can("publish") {
		return store.AdvisoryRecord{}, errForbidden
	}
	rec, err := s.st.PublishAdvisory(ctx, p.Viewer(), p.ActorFor(), id)
	if err != nil {
		return rec, err
	}
	s.notifyAdvisory(ctx, p, AdvisoryPublished, rec, nil, "")
	return rec, nil
}

// WithdrawAdvisory withdraws a published advisory (and its indicators) and
// tells its parties why.
func (s *Server) WithdrawAdvisory(ctx context.Context, p *Principal, id int64, reason string) (store.AdvisoryRecord, error) {
	if !p.Can("publish") {
		return store.AdvisoryRecord{}, errForbidden
	}
	rec, err := s.st.WithdrawAdvisory(ctx, p.Viewer(), p.ActorFor(), id, reason)
	if err != nil {
		return rec, err
	}
	s.notifyAdvisory(ctx, p, AdvisoryWithdrawn, rec, nil, strings.TrimSpace(reason))
	return rec, nil
}

// RemindAdvisory records a reminder to the named parties (names or ids;
// none: every party late with the advisory) and hands it to the notifier.
func (s *Server) RemindAdvisory(ctx context.Context, p *Principal, id int64, parties []string) ([]store.AdvisoryReceipt, error) {
	if !p.Can("publish") {
		return nil, errForbidden
	}
	var ids []int64
	if len(parties) > 0 {
		po, err := s.putOptions(ctx, ImportOptions{Distribution: store.DistListed, Parties: parties})
		if err != nil {
			return nil, fmt.Errorf("%w: %s", advisory.ErrInput, err.Error())
		}
		ids = po.Parties
	}
	sent, err := s.st.RemindAdvisory(ctx, p.Viewer(), p.ActorFor(), id, ids)
	if err != nil || len(sent) == 0 {
		return sent, err
	}
	rec, err := s.st.GetAdvisory(ctx, p.Viewer(), id)
	if err != nil {
		return sent, err
	}
	var to []store.Org
	for _, r := range sent {
		to = append(to, store.Org{ID: r.OrgID, Name: r.OrgName, Kind: store.KindParty})
	}
	s.notifyAdvisory(ctx, p, AdvisoryReminder, rec, to, "")
	return sent, nil
}

// BaseURL is the hub's address as the client of r reaches it: the
// --public-url when set, else the request's scheme and host.
func (s *Server) BaseURL(r *http.Request) string { return s.baseURL(r) }

// AdvisoryCSAF exports an advisory the principal may see as a CSAF 2.0
// document. base is the hub's address (for the publisher namespace and
// the link).
func (s *Server) AdvisoryCSAF(ctx context.Context, p *Principal, id int64, base string) (*advisory.CSAF, error) {
	rec, err := s.st.GetAdvisory(ctx, p.Viewer(), id)
	if err != nil {
		return nil, err
	}
	agency := "Vigie hub"
	if orgs, err := s.st.ListOrgs(ctx, store.Viewer{Agency: true}); err == nil {
		for _, o := range orgs {
			if o.ID == rec.OrgID {
				agency = o.Name
			}
		}
	}
	inds, err := s.advisoryIndicatorLines(ctx, p, rec)
	if err != nil {
		return nil, err
	}
	return advisory.ExportCSAF(&rec.Advisory, advisory.Publisher{Name: agency, Namespace: base}, inds, base+"/advisories/"+strconv.FormatInt(rec.ID, 10), "")
}

// AdvisoryIndicators returns the attached indicators the principal may
// see (a party: those distributed to it, so none once withdrawn).
func (s *Server) AdvisoryIndicators(ctx context.Context, p *Principal, rec store.AdvisoryRecord) ([]store.Record, error) {
	if len(rec.Indicators) == 0 {
		return nil, nil
	}
	return s.st.ListIndicators(ctx, p.Viewer(), store.IndicatorQuery{IDs: rec.Indicators, Limit: len(rec.Indicators)})
}

func (s *Server) advisoryIndicatorLines(ctx context.Context, p *Principal, rec store.AdvisoryRecord) ([]string, error) {
	inds, err := s.AdvisoryIndicators(ctx, p, rec)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range inds {
		out = append(out, string(r.Type)+" "+r.Value)
	}
	return out, nil
}

// AdvisoryErrorMessage turns an error of the advisory calls into a
// sentence for people, and tells whether it is the user's input.
func AdvisoryErrorMessage(err error) (string, bool) {
	switch {
	case errors.Is(err, advisory.ErrInput):
		return strings.TrimPrefix(err.Error(), advisory.ErrInput.Error()+": "), true
	case errors.Is(err, errForbidden):
		return "Only agency analysts and administrators write advisories.", true
	case errors.Is(err, store.ErrNotFound):
		return "No such advisory.", true
	}
	return ErrorMessage(err)
}
