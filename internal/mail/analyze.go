package mail

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/mime"
	"github.com/vigie-project/vigie/internal/report"
	"golang.org/x/net/publicsuffix"
)

// IndicatorSet looks observed values up in the loaded indicators.
// *indicator.Matcher implements it.
type IndicatorSet interface {
	Domain(name string) (*indicator.Indicator, bool)
	URL(u string) (*indicator.Indicator, bool)
	Email(addr string) (*indicator.Indicator, bool)
	IP(a netip.Addr) (*indicator.Indicator, bool)
	Digest(d []byte) (*indicator.Indicator, bool)
}

var _ IndicatorSet = (*indicator.Matcher)(nil)

// AttachmentScanner scans the content of every part (YARA rules, an
// anti-virus). It must be safe for concurrent use and bound its own work.
type AttachmentScanner interface {
	ScanAttachment(ctx context.Context, name string, data []byte) ([]ScanMatch, error)
}

// ScanMatch is one hit of an AttachmentScanner.
type ScanMatch struct {
	Rule    string   // rule or signature name
	Source  string   // rule set, engine
	Tags    []string // rule tags
	Threats []string
	Detail  string
	// Description is the rule's description meta, shown in the reason.
	Description string
	// Score is the rule's score meta (0 to 100, Loki/THOR convention);
	// 0 means the rule has none. See RuleScorePolicy.
	Score int
}

// RuleMalwareScore is the rule score from which a scanner match makes the
// message malicious: a rule with a score of at least 70, or with no score
// at all, marks malware (as YARA rules mostly do); a rule with a lower
// score is a weaker sign and adds RuleWeakPoints to the message's score.
const (
	RuleMalwareScore = 70
	RuleWeakPoints   = 3.0
)

// Options configure an Analyzer.
type Options struct {
	// OwnDomains are the party's own domains: protected against
	// look-alikes, and the domains its IT department writes from.
	OwnDomains []string
	// OwnName names the party in reasons ("the party" when empty).
	OwnName string
	// Providers are the other protected owners; nil means
	// lookalike.Providers.
	Providers []lookalike.Owner
	// Partners are domains of organisations the party deals with — the
	// press, its bank, its donation platform, ministries: protected
	// against look-alikes like the party's own (a fake journalist writing
	// from a newspaper's look-alike, a bank's look-alike asking to change
	// payment details).
	Partners []string
	// Indicators, when set, are matched against senders, links, hashes and
	// sending IPs.
	Indicators IndicatorSet
	// Auth checks sender authentication; nil reads nothing (unknown).
	Auth Authenticator
	// Scanners are run on every part.
	Scanners []AttachmentScanner
	// KnownOAuthClients are OAuth client ids the party uses; a consent link
	// with any other client is flagged.
	KnownOAuthClients []string
	// ForwardTo is where volunteers forward suspicious mail; used in advice.
	ForwardTo string
	Limits    mime.Limits
	// Model is the learned content model (model.Default() for the one
	// built in, model.Load for a party's own); nil runs the rules alone.
	Model *model.Model
	// Timeout bounds the analysis of one message (default 10 s).
	Timeout time.Duration
}

// Analyzer checks messages. Build it once with New; Analyze is safe for
// concurrent use.
type Analyzer struct {
	opts       Options
	det        *lookalike.Detector
	owners     []lookalike.Owner
	brands     []brandSet
	byFullName map[string]string // lower-case owner name → owner, for display names that are exactly a brand ("Ledger")
	ownName    string
	// model is the learned model in force (nil: rules alone); SetModel
	// swaps it while messages are being analysed.
	model atomic.Pointer[model.Model]
}

// SetModel puts m in force for the messages analysed from now on (a model
// the hub hands out, swapped in by a running milter); nil runs the rules
// alone. A message being analysed keeps the model it started with.
func (a *Analyzer) SetModel(m *model.Model) { a.model.Store(m) }

// Model returns the learned model in force (nil when none).
func (a *Analyzer) Model() *model.Model { return a.model.Load() }

// brandSet matches the keywords of up to 64 owners (family i is owner
// names[i]).
type brandSet struct {
	names []string
	ps    *phraseSet
}

// New builds an Analyzer.
func New(opts Options) (*Analyzer, error) {
	a := &Analyzer{opts: opts, ownName: opts.OwnName}
	a.model.Store(opts.Model)
	if a.ownName == "" {
		a.ownName = "the party"
	}
	prov := opts.Providers
	if prov == nil {
		prov = lookalike.Providers
	}
	if len(opts.OwnDomains) > 0 {
		a.owners = append(a.owners, lookalike.Owner{Name: a.ownName, Domains: opts.OwnDomains, TLDSwap: true})
	}
	for _, d := range opts.Partners {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d == "" {
			continue
		}
		a.owners = append(a.owners, lookalike.Owner{Name: d, Domains: []string{d}, TLDSwap: true})
	}
	a.owners = append(a.owners, prov...)
	det, err := lookalike.New(a.owners)
	if err != nil {
		return nil, fmt.Errorf("protected domains: %w", err)
	}
	a.det = det
	var names, pats []string
	flush := func() {
		if len(names) > 0 {
			ps := &phraseSet{multi: map[string][]phrase{}, single: map[string]int{}, minLen: 1 << 30}
			for i, p := range pats {
				ps.addExact(p, i)
			}
			a.brands = append(a.brands, brandSet{names: names, ps: ps})
		}
		names, pats = nil, nil
	}
	a.byFullName = map[string]string{}
	for _, o := range a.owners {
		if (len(o.Name) >= 5 || strings.ContainsAny(o.Name, " .")) && o.Name != "Webmail" {
			a.byFullName[strings.ToLower(o.Name)] = o.Name
		}
		if len(o.Keywords) == 0 {
			continue
		}
		names = append(names, o.Name)
		pats = append(pats, strings.Join(o.Keywords, "|"))
		if len(names) == 64 {
			flush()
		}
	}
	flush()
	if a.opts.Timeout <= 0 {
		a.opts.Timeout = 10 * time.Second
	}
	return a, nil
}

// msg is the state of one analysis.
type msg struct {
	name      string
	raw       []byte
	m         *mime.Message
	env       *Envelope
	res       *Result
	auth      AuthResults
	from      mime.Address
	fromDom   string // lower-case domain of From
	fromReg   string // its registrable domain
	fromSplit bool   // From was "Name, <addr>"
	subject   string
	body      strings.Builder // visible text of all text parts, lower-cased later
	text      string          // subject, sender name and body
	words     []string        // text split in lower-cased words
	cred      uint64          // credWords families found in words
	credAt    int
	doc       htmlDoc
	atts      []*mime.Part
	hasHTML   bool
	hasText   bool
	qrLinks   []Link       // web addresses read from QR codes
	calLinks  []Link       // links of calendar invitations
	docLinks  []Link       // links read from attached documents
	infos     []linkInfo   // parsed links (set by checkLinks)
	foreign   int          // clickable links to hosts unrelated to the sender and claimed brand
	foreignEx linkInfo     // the first of them
	fwdDone   bool         // fwd and fwdOK are set
	fwd       mime.Address // the forwarded message's sender (forwardedSender)
	fwdOK     bool
	hrefs     map[string]parsedHref // parsed links by address (link)
}

// Analyze checks one message. name identifies it in the result (a file
// name). env may be nil when the SMTP envelope is unknown. Analyze never
// fails: a message it cannot parse gets a result that says so.
func (a *Analyzer) Analyze(ctx context.Context, name string, raw []byte, env *Envelope) *Result {
	return a.analyze(ctx, name, raw, env, nil)
}

// analyze is Analyze; when features is set, it is called with the
// message instead of running the learned model.
func (a *Analyzer) analyze(ctx context.Context, name string, raw []byte, env *Envelope, features func(*msg)) *Result {
	if ctx == nil {
		ctx = context.Background()
	}
	res := &Result{File: name, Auth: unknownAuth()}
	m, err := mime.Parse(raw, a.opts.Limits)
	if err != nil {
		res.Error = fmt.Sprintf("%s: cannot be parsed as a mail message: %v", name, err)
		res.add(Reason{Check: "unparsable", Category: CatStructure, Score: SuspiciousScore, Text: "The message cannot be read as e-mail, so it could not be checked."})
		res.finish(a.opts.ForwardTo)
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	x := &msg{name: name, raw: raw, m: m, env: env, res: res}
	a.collect(x)
	if a.opts.Auth != nil {
		r, err := a.opts.Auth.Authenticate(ctx, raw, m, env)
		if err != nil {
			r = unknownAuth()
			r.Source = "error: " + err.Error()
		}
		x.auth = r
		res.Auth = r
	}
	a.checkStructure(x)
	a.checkAuth(x)
	a.checkLookalikes(x)
	a.checkSender(x)
	a.checkImpersonation(x)
	a.checkGovernment(x)
	a.checkLinks(x)
	a.checkTargeted(x)
	a.checkContent(x)
	a.checkHeaders(x)
	a.checkScamTraits(x)
	a.checkReplyElsewhere(x)
	a.checkForwarded(x)
	a.checkBulk(x)
	a.checkCombined(x)
	a.checkAttachments(ctx, x)
	a.checkIndicators(x)
	if features != nil {
		features(x)
	} else {
		a.checkModel(x) // last: it reads what the rules found
	}
	x.res.senderDomain = strings.TrimSuffix(strings.ToLower(x.fromDom), ".")
	seen := map[string]bool{}
	for _, l := range x.doc.links {
		if li, ok := x.link(l); ok && li.host != "" && !seen[li.host] && len(seen) < maxSightingHosts {
			seen[li.host] = true
			x.res.linkHosts = append(x.res.linkHosts, strings.ToLower(li.host))
		}
	}
	if ctx.Err() != nil {
		res.add(Reason{Check: "timeout", Category: CatStructure, Score: 1, Text: "The analysis took too long and was cut short; some checks did not run."})
	}
	res.finish(a.opts.ForwardTo)
	return res
}

// collect gathers what the checks read: addresses, text, links and
// attachments.
func (a *Analyzer) collect(x *msg) {
	h := x.m.Header
	x.subject = h.Get("Subject")
	x.res.Subject = x.subject
	x.res.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-ID")), "<>")
	if fl := mime.ParseAddressList(h.Get("From")); len(fl) > 0 {
		x.from = fl[0]
		// "Name, <addr>": a stray comma splits the name from the address;
		// clients show them together, and so do we (checkHeaders flags it)
		if x.from.Addr == "" {
			for _, f := range fl[1:] {
				if f.Addr != "" {
					if strings.Trim(f.Name, " _-,.()\"'") == "" {
						x.from = mime.Address{Name: fl[0].Name, Addr: f.Addr}
						x.fromSplit = true
					}
					break
				}
			}
		}
		// "a@brand.example, <b@sender.example>": several mailboxes in
		// From, which RFC 5322 allows only with a Sender field; clients
		// show the first, the mail comes from the last. Read it as a name
		// and an address (checkHeaders flags it).
		if x.from.Addr != "" && len(fl) > 1 && h.Get("Sender") == "" && len(fl) <= 5 {
			last := fl[len(fl)-1]
			if last.Addr != "" && !strings.EqualFold(last.Addr, x.from.Addr) && registrable(last.Domain()) != registrable(x.from.Domain()) {
				x.from = mime.Address{Name: strings.TrimSpace(x.from.Name + " " + x.from.Addr), Addr: last.Addr}
				x.fromSplit = true
			}
		}
		x.fromDom = x.from.Domain()
		x.fromReg = registrable(x.fromDom)
	}
	x.res.From = strings.TrimSpace(h.Get("From"))
	for _, d := range x.m.Defects {
		if len(x.res.Defects) < 50 {
			x.res.Defects = append(x.res.Defects, d.String())
		}
	}
	x.m.Walk(func(p *mime.Part) {
		x.res.Parts++
		if p.IsMultipart() {
			return
		}
		if p.IsAttachment() || (p.Disposition == "attachment") {
			x.atts = append(x.atts, p)
			if p.MediaType == "text/html" || p.MediaType == "text/plain" {
				return // scanned as attachments
			}
		}
		switch {
		case p.MediaType == "text/html":
			x.hasHTML = true
			parseHTML(p.Text, p.Path, &x.doc)
		case p.MediaType == "text/calendar":
			// an invitation's links (its description, its meeting URL)
			// are links; its text is not the message's
			var cd htmlDoc
			textLinks(p.Text, p.Path, &cd)
			x.calLinks = append(x.calLinks, cd.links...)
			x.doc.links = append(x.doc.links, cd.links...)
		case strings.HasPrefix(p.MediaType, "text/"):
			x.hasText = true
			if x.body.Len() < 1<<20 {
				x.body.WriteString(p.Text)
				x.body.WriteByte('\n')
			}
			textLinks(p.Text, p.Path, &x.doc)
		}
	})
	if x.doc.text.Len() > 0 {
		ht := x.doc.text.String()
		if x.body.Len() < 1<<20 {
			x.body.WriteString(ht)
		}
		if !x.hasText {
			textLinks(ht, "", &x.doc) // URLs written as text in HTML-only mail
		}
	}
	a.collectHiddenLinks(x)
	x.text = x.subject + "\n" + x.from.Name + "\n" + x.body.String()
	x.words = tokenize(x.text, 200000)
	x.cred, x.credAt = credWords.match(x.words)
	x.res.Links = len(x.doc.links)
}

// brandsIn returns the owners whose keywords occur in words.
func (a *Analyzer) brandsIn(words []string) []string {
	var out []string
	for _, b := range a.brands {
		f, _ := b.ps.match(words)
		for i := range b.names {
			if f&(1<<uint(i)) != 0 {
				out = append(out, b.names[i])
			}
		}
	}
	return out
}

// registrable returns the registrable domain ("evil.co.uk" for
// "a.b.evil.co.uk"), or the host itself when it has none.
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return ""
	}
	r, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return r
}

func ev(name, data, detail string) report.Evidence {
	return report.Evidence{Name: name, Data: shorten(data, 200), Detail: detail}
}

func (a *Analyzer) checkStructure(x *msg) {
	kinds := map[string]int{}
	for _, d := range x.m.Defects {
		kinds[d.Kind]++
	}
	if kinds["header-injection"] > 0 {
		x.res.add(Reason{Check: "header-injection", Category: CatStructure, Score: 2,
			Text: "The message headers contain hidden line breaks, a trick to smuggle extra headers past filters."})
	}
	if kinds["limit"] > 0 {
		x.res.add(Reason{Check: "limits", Category: CatStructure, Score: 3,
			Text: "The message is built to be too big or too deep to examine fully (size, nesting or parts beyond the limits); parts were not checked."})
	}
	if x.doc.linksOver {
		x.res.add(Reason{Check: "too-many-links", Category: CatStructure, Score: 3,
			Text: fmt.Sprintf("The message has more than %d links; only the first were checked.", maxLinks)})
	}
	if x.m.Truncated {
		x.res.add(Reason{Check: "too-large", Category: CatStructure, Score: 1,
			Text: "The message is larger than the limit; only its start was checked."})
	}
}
