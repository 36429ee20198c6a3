package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/mime"
)

// The learned content model (package model) weighs a message's words,
// link domains and structure against thousands of labelled messages; its
// judgement is one reason among the rules', "content-model", worth:
//
//	P ≥ ModelStrongP     3 points
//	P ≥ ModelHighP       2 points
//	P ≥ ModelSomeP       1 point
//	P ≤ ModelHamP        −1.5 points, only when no strong reason fired
//	                     and nothing marks malware: mail that reads like
//	                     ordinary correspondence, where a rule alone fired
//
// The model is never a strong reason and never makes a message phishing
// alone: it tips the balance of the rules. Its training sample's
// legitimate half is old mail and mailing lists; today's transactional
// mail (an account activation, a receipt) reads to it like phishing, so
// it must not decide alone. A party that trains it on its own mail
// (`vigie mail learn`) corrects that for the mail it really gets.
//
// The thresholds were set before measuring; the figures are on held-out
// folds of the training corpus grouped by campaign (tools/mailtrain) and
// on the final test set, never used to tune them.
const (
	ModelStrongP = 0.995
	ModelHighP   = 0.97
	ModelSomeP   = 0.85
	ModelHamP    = 0.02
)

// modelPoints maps the model's probability to points.
func modelPoints(p float64) float64 {
	switch {
	case p >= ModelStrongP:
		return 3
	case p >= ModelHighP:
		return 2
	case p >= ModelSomeP:
		return 1
	case p <= ModelHamP:
		return -1.5
	}
	return 0
}

// ModelInput builds what the learned model reads of an analyzed message.
func (x *msg) modelInput() model.Input {
	// web addresses written in the text are read as link domains, not
	// as words ("https", "com")
	in := model.Input{Subject: x.subject, FromName: x.from.Name, Text: withoutURLs(contentText(x.body.String()))}
	// the recipient's own address and name are not content (and the
	// training sample rewrote them)
	for _, f := range []string{"To", "Cc", "Delivered-To", "X-Original-To"} {
		for _, ad := range mime.ParseAddressList(x.m.Header.Get(f)) {
			for _, w := range strings.FieldsFunc(strings.ToLower(ad.Name+" "+ad.Addr), func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r > 0x7f)
			}) {
				if len(in.Drop) < 64 {
					in.Drop = append(in.Drop, w)
				}
			}
		}
	}
	links, foreign, own, short, ip := 0, 0, 0, false, false
	seen := map[string]bool{}
	for _, l := range x.doc.links {
		li, ok := x.link(l)
		if !ok || li.host == "" || listInfra(li.Href) {
			continue
		}
		links++
		if li.reg == x.fromReg && x.fromReg != "" {
			own++
		} else {
			foreign++
		}
		short = short || shorteners[li.host]
		ip = ip || li.ip
		if !seen[li.host] && !li.ip {
			seen[li.host] = true
			in.LinkHosts = append(in.LinkHosts, li.host)
		}
	}
	t := func(s string) { in.Traits = append(in.Traits, s) }
	switch {
	case x.hasHTML && !x.hasText:
		t("html-only")
	case x.hasText && !x.hasHTML:
		t("text-only")
	}
	switch n := len(strings.Fields(in.Text)); {
	case n < 8:
		t("no-text")
	case n < 60:
		t("short-text")
	}
	switch {
	case links == 0:
		t("links-none")
	case links == 1:
		t("links-one")
	case links <= 5:
		t("links-few")
	default:
		t("links-many")
	}
	if links > 0 && own == 0 {
		t("links-foreign")
	}
	if own > 0 {
		t("links-own")
	}
	switch n := len(x.doc.images); {
	case n > 5:
		t("images-many")
	case n > 0:
		t("images-some")
	}
	if x.doc.forms > 0 {
		t("form")
	}
	if x.doc.hiddenText > 40 {
		t("hidden-text")
	}
	if freemail[x.fromReg] {
		t("from-freemail")
	}
	for _, r := range mime.ParseAddressList(x.m.Header.Get("Reply-To")) {
		if d := registrable(r.Domain()); d != "" && d != x.fromReg {
			t("reply-elsewhere")
			break
		}
	}
	if strings.TrimSpace(x.from.Name) == "" {
		t("no-display-name")
	}
	if short {
		t("link-shortener")
	}
	if ip {
		t("link-ip")
	}
	for _, p := range x.atts {
		t("attachment")
		if e := extOf(strings.ToLower(p.Filename)); e != "" && len(e) <= 5 {
			in.Traits = append(in.Traits, "att-"+e)
		}
	}
	return in
}

// listInfra tells links to a mailing list's own pages (its archive,
// subscription page), which the training sample's legitimate mail has in
// every footer: they say where the sample came from, not whether a
// message is honest.
func listInfra(href string) bool {
	h := strings.ToLower(href)
	return strings.Contains(h, "/mailman/") || strings.Contains(h, "listinfo") || strings.Contains(h, "/lists/") ||
		strings.Contains(h, "lists.") || strings.Contains(h, "unsubscribe") || strings.Contains(h, "lore.kernel.org") ||
		strings.Contains(h, "list-manage")
}

// contentText keeps the text the sender wrote: it leaves out quoted
// replies ("> ..." lines and everything below an "Original Message" or
// "On ... wrote:" line) and a mailing list's footer (below a rule line
// when what follows names the list). A hijacked thread quotes a real
// conversation: the quote must not make the new text look honest.
func contentText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	for rest := s; ; {
		l, next, more := strings.Cut(rest, "\n")
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, ">") {
			// the markers all start with "--" or end with ":", which
			// lower-casing keeps: other lines are not lower-cased
			if strings.HasPrefix(t, "--") || strings.HasSuffix(t, ":") {
				lt := strings.ToLower(t)
				if strings.Contains(lt, "original message") && strings.HasPrefix(lt, "--") ||
					strings.HasPrefix(lt, "on ") && strings.HasSuffix(lt, "wrote:") ||
					strings.HasSuffix(lt, "a écrit :") || strings.HasSuffix(lt, "a écrit:") {
					break
				}
			}
			if len(t) >= 10 && strings.Trim(t, "_-=") == "" && footerFollows(strings.SplitN(next, "\n", 7)) {
				break
			}
			b.WriteString(l)
			b.WriteByte('\n')
		}
		if !more {
			break
		}
		rest = next
	}
	return b.String()
}

// footerFollows tells a mailing-list footer in the next lines.
func footerFollows(lines []string) bool {
	for i, l := range lines {
		if i == 6 {
			break
		}
		l = strings.ToLower(l)
		if strings.Contains(l, "mailing list") || strings.Contains(l, "listinfo") || strings.Contains(l, "unsubscribe") ||
			strings.Contains(l, "mailman") || strings.Contains(l, "list archive") {
			return true
		}
	}
	return false
}

// checkModel adds the learned model's judgement.
func (a *Analyzer) checkModel(x *msg) {
	m := a.model.Load()
	if m == nil {
		return
	}
	s := m.Score(model.Features(x.modelInput()))
	verified := a.ownOrAuthenticated(x)
	if verified || a.identifiedBulkSender(x) {
		// a notification the party or a provider provably sent (Google's
		// security alert), or a mailing whose sender identifies itself
		// (its own signature, one-click unsubscribe and links): the
		// model, which never saw such mail, counts only when it is sure,
		// and never alone — a real service's share notification abused
		// with a lure in the shared item's title is still weighed
		r := x.res
		r.ModelP = s.P
		if s.P >= ModelStrongP {
			who := "a verified sender"
			if !verified {
				who = "a sender that signs it and offers one-click unsubscribe on its own domain"
			}
			r.add(Reason{Check: "content-model", Category: CatContent, Score: 1.5,
				Evidence: []evidence{ev("model", fmt.Sprintf("p=%.3f", s.P), fmt.Sprintf("%d features", s.Features))},
				Text:     fmt.Sprintf("Though it comes from %s, the message reads like the phishing and scams the content model was trained on (%.0f %% likely); what weighed most: %s.", who, s.P*100, topWords(s))})
		}
		return
	}
	x.res.addModel(s)
}

// topWords names the features that weighed most, for people.
func topWords(s model.Scored) string {
	// a character trigram of a link domain ("tal") means nothing to a
	// reader: they are told as one trait, "the look of its link domains"
	var names []string
	domains := false
	for _, c := range s.Top {
		if strings.HasPrefix(c.Feature, "d:") {
			domains = true
			continue
		}
		if len(names) < 5 {
			names = append(names, model.Describe(c.Feature))
		}
	}
	if domains {
		names = append(names, "the look of its link domains")
	}
	if len(names) == 0 {
		return "nothing in particular"
	}
	return strings.Join(names, ", ")
}

// addModel adds the reason of a model judgement (see modelPoints).
func (r *Result) addModel(s model.Scored) {
	pts := modelPoints(s.P)
	r.ModelP = s.P
	if pts == 0 {
		return
	}
	if pts < 0 {
		for _, x := range r.Reasons {
			if x.Strong || x.Malware {
				return
			}
		}
	}
	what := topWords(s)
	text := fmt.Sprintf("The message reads like the phishing and scams the content model was trained on (%.0f %% likely); what weighed most: %s.", s.P*100, what)
	if pts < 0 {
		text = fmt.Sprintf("The message reads like ordinary legitimate mail to the content model (%.0f %% likely phishing), which lowers the weight of the other signs; what weighed most: %s.", s.P*100, what)
	}
	r.add(Reason{Check: "content-model", Category: CatContent, Score: pts,
		Evidence: []evidence{ev("model", fmt.Sprintf("p=%.3f", s.P), fmt.Sprintf("%d features", s.Features))}, Text: text})
}

// ModelFeatures analyzes a message with the rules only and returns the
// result with the learned model's features for it (for training and
// evaluation: tools/mailtrain, vigie mail learn).
func (a *Analyzer) ModelFeatures(name string, raw []byte) (*Result, []string) {
	var feats []string
	r := a.analyze(nil, name, raw, nil, func(x *msg) { feats = model.Features(x.modelInput()) })
	return r, feats
}

// WithModel returns a copy of a rules-only result (from ModelFeatures)
// with the model's judgement added and the verdict worked out again.
func (r *Result) WithModel(s model.Scored, forwardTo string) *Result {
	c := *r
	c.Reasons = append([]Reason(nil), r.Reasons...)
	c.addModel(s)
	c.finish(forwardTo)
	return &c
}

// ModelFile is the name of a party's model in the state directory: where
// `vigie mail learn` writes by default and where a model handed out by
// the hub is put; check and milter use it when it exists.
//
// How an agency hands out a model it trained: it pools the phishing its
// parties forward and legitimate mail they agree to share, trains with
// `tools/mailtrain -corpus DIR -out agency.bin` (or updates the built-in
// model with `vigie mail learn --model agency.bin`), and uploads the file
// to the hub (`vigie mail model upload`). Sensors run with --hub pull it
// (ModelFollower) into HubModelFile beside the indicator cache; the file
// format (model.Decode) and the hub's SHA-256 are checked, and a damaged
// file is an error, not a silent fallback. A party's own `vigie mail
// learn` then starts from the agency's model and adds its own mail.
const ModelFile = "mail-model.bin"

// ResolveModel picks the learned model to run: the file at path when
// given, else ModelFile in stateDir (the party's own) when it exists, else
// HubModelFile there (the agency's, from the hub), else the model built
// into the binary. It says which in from.
func ResolveModel(path, stateDir string) (m *model.Model, from string, err error) {
	if path != "" {
		m, err := model.Load(path)
		return m, path, err
	}
	if stateDir != "" {
		for _, name := range []string{ModelFile, HubModelFile} {
			p := filepath.Join(stateDir, name)
			if _, err := os.Stat(p); err == nil {
				m, err := model.Load(p)
				return m, p, err
			}
		}
	}
	m, err = model.Default()
	return m, "built-in", err
}

// LearnStats counts what Learn read.
type LearnStats struct {
	Ham, Phish int
	// Unreadable lists the messages that could not be read, with why.
	Unreadable []string
}

// Learn updates m with the messages under the ham and phish paths (files,
// mailboxes, Maildirs, directories, as for `vigie mail check`): the
// party's own mail, legitimate and phishing. At least one message is
// needed; a message that cannot be read is listed, not learned.
func (a *Analyzer) Learn(ctx context.Context, m *model.Model, ham, phish []string, ro ReadOptions) (LearnStats, error) {
	var st LearnStats
	var ex []model.Example
	for _, set := range []struct {
		paths []string
		phish bool
	}{{ham, false}, {phish, true}} {
		for _, p := range set.paths {
			err := Walk(p, nil, ro, func(it Item) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if it.Err != nil {
					st.Unreadable = append(st.Unreadable, fmt.Sprintf("%s: %v", it.Name, it.Err))
					return nil
				}
				_, f := a.ModelFeatures(it.Name, it.Raw)
				ex = append(ex, model.Example{Features: f, Phish: set.phish})
				if set.phish {
					st.Phish++
				} else {
					st.Ham++
				}
				return nil
			})
			if err != nil {
				return st, fmt.Errorf("learn %s: %w", p, err)
			}
		}
	}
	if len(ex) == 0 {
		return st, errors.New("learn: no message to learn from")
	}
	if err := m.Update(ex, model.TrainOptions{Epochs: 4}); err != nil {
		return st, err
	}
	return st, nil
}
