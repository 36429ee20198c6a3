package mail

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/mime"
	"github.com/vigie-project/vigie/internal/report"
	"golang.org/x/net/publicsuffix"
)

type evidence = report.Evidence

// weakLookalikeScore is what a look-alike below lookalike.StrongScore
// adds: a sign that counts only beside others.
const weakLookalikeScore = 2.0

// authenticatedAs reports whether the message is proven to come from
// owner: DMARC pass for a From domain of the owner, or a valid DKIM
// signature by one of its domains aligned with From.
func (a *Analyzer) authenticatedAs(x *msg, owner string) bool {
	if o, ok := a.det.Owned(x.fromDom); ok && o == owner {
		if x.auth.DMARC == "pass" {
			return true
		}
		for _, d := range x.auth.DKIMDomains {
			if o2, ok := a.det.Owned(d); ok && o2 == owner && registrable(d) == x.fromReg {
				return true
			}
		}
	}
	return false
}

// ownOrAuthenticated reports whether the sender is the party itself (a
// From domain of OwnDomains: forging it is DMARC's job, and internal mail
// is often unsigned) or a protected provider proven by DMARC or DKIM
// (Google's notifications from google.com). A webmail address is neither,
// though Google or Microsoft own its domain.
func (a *Analyzer) ownOrAuthenticated(x *msg) bool {
	for _, d := range a.opts.OwnDomains {
		if x.fromReg != "" && x.fromReg == registrable(d) {
			return true
		}
	}
	o, ok := a.det.Owned(x.fromDom)
	return ok && !freemail[x.fromReg] && a.authenticatedAs(x, o)
}

func (a *Analyzer) checkAuth(x *msg) {
	r := x.auth
	if r.Source == "" {
		return
	}
	src := ev("Authentication", fmt.Sprintf("spf=%s dkim=%s dmarc=%s arc=%s", r.SPF, r.DKIM, r.DMARC, r.ARC), r.Source)
	switch r.DMARC {
	case "fail":
		s := 3.0
		if r.DMARCPolicy == "reject" || r.DMARCPolicy == "quarantine" {
			s = 4.5
		}
		if r.ARC == "pass" {
			s = 1.5 // a forwarder or list changed it; ARC vouches for the original
		}
		x.res.add(Reason{Check: "dmarc-fail", Category: CatAuth, Score: s, Evidence: []evidence{src},
			Text: fmt.Sprintf("The sender's domain %s says mail from it must be signed or sent from its servers (DMARC), and this message is neither: the From address is probably forged.", x.fromDom)})
	}
	if r.DMARC != "pass" {
		if r.SPF == "fail" {
			x.res.add(Reason{Check: "spf-fail", Category: CatAuth, Score: 1.5, Evidence: []evidence{src},
				Text: "The server that sent this message is not allowed to send mail for the sender's domain (SPF fail)."})
		}
		if r.DKIM == "fail" {
			x.res.add(Reason{Check: "dkim-fail", Category: CatAuth, Score: 1, Evidence: []evidence{src},
				Text: "The message's signature (DKIM) does not verify: it was changed after signing or the signature is forged."})
		}
	}
}

func (a *Analyzer) checkLookalikes(x *msg) {
	type who struct{ check, what, addr string }
	list := []who{{"lookalike-from", "sender (From)", x.from.Addr}}
	for _, r := range mime.ParseAddressList(x.m.Header.Get("Reply-To")) {
		list = append(list, who{"lookalike-reply-to", "reply address (Reply-To)", r.Addr})
	}
	if x.env != nil && x.env.MailFrom != "" {
		list = append(list, who{"lookalike-envelope", "envelope sender", x.env.MailFrom})
	} else if rp := x.m.Header.Get("Return-Path"); rp != "" {
		if l := mime.ParseAddressList(rp); len(l) > 0 {
			list = append(list, who{"lookalike-envelope", "envelope sender (Return-Path)", l[0].Addr})
		}
	}
	score := map[string]float64{"lookalike-from": 6.5, "lookalike-reply-to": 5, "lookalike-envelope": 4}
	for _, w := range list {
		d := domainOf(w.addr)
		if d == "" {
			continue
		}
		if m, ok := a.det.Check(d); ok {
			if m.Score >= lookalike.StrongScore {
				x.res.add(Reason{Check: w.check, Category: CatLookalike, Score: score[w.check], Strong: true,
					Evidence: []evidence{ev(w.what, w.addr, m.Detail)},
					Text:     fmt.Sprintf("The %s %s imitates %s (%s): %s", w.what, d, m.Protected, m.Technique, m.Detail)})
			} else {
				// a weak resemblance (mail.com and gmail.com): many honest
				// names are one letter from a famous one; it counts only
				// with other signs
				x.res.add(Reason{Check: w.check, Category: CatLookalike, Score: weakLookalikeScore,
					Evidence: []evidence{ev(w.what, w.addr, m.Detail)},
					Text:     fmt.Sprintf("The %s %s resembles %s (%s), though not closely enough to be sure it was made to deceive: %s", w.what, d, m.Protected, m.Technique, m.Detail)})
			}
		}
	}
	// a display name that is itself an address of another domain:
	// "security@google.com <x@evil.tk>"
	if n := strings.ToLower(x.from.Name); strings.Contains(n, "@") {
		for _, f := range strings.FieldsFunc(n, func(r rune) bool { return r == ' ' || r == '<' || r == '>' || r == '"' || r == '(' || r == ')' }) {
			if !strings.Contains(f, "@") {
				continue
			}
			d := domainOf(f)
			if d != "" && strings.Contains(d, ".") && registrable(d) != x.fromReg {
				x.res.add(Reason{Check: "display-name-address", Category: CatImpersonation, Score: 3,
					Evidence: []evidence{ev("From", x.res.From, "")},
					Text:     fmt.Sprintf("The sender's name shows the address %s, but the message really comes from %s.", f, x.from.Addr)})
				break
			}
		}
	}
}

var (
	itClaim = lazyRegexp(`(?i)\b(it|i\.t\.|helpdesk|help desk|service desk|support|administrat(or|eur)|admin|webmaster|postmaster|mail ?(server|delivery|system)|e-?mail (team|service|admin)|security team|service informatique|informatique|sécurité|security|account team|system)\b`)
)

// claimedOwners returns the protected owners the message claims to come
// from: named in the sender's display name or address, or in the subject.
func (a *Analyzer) claimedOwners(x *msg) (byName, bySubject []string) {
	// invisible characters sprinkled in a name ("M\U000E0139icrosoft")
	// hide the brand from filters, not from the reader
	name, subject := dropInvisible(x.from.Name), dropInvisible(x.subject)
	byName = a.brandsIn(tokenize(name+" "+localPart(x.from.Addr), 200))
	// a display name that is nothing but a brand's name ("Ledger", "Trust
	// Wallet") claims it, even where the word alone is too common to count
	// in running text
	if o, ok := a.byFullName[strings.ToLower(strings.Trim(name, " \"'.,-_:"))]; ok && !containsFold(byName, o) {
		byName = append(byName, o)
	}
	for _, o := range a.brandsIn(tokenize(subject, 500)) {
		if !containsFold(byName, o) {
			bySubject = append(bySubject, o)
		}
	}
	return byName, bySubject
}

// dropInvisible removes the characters that display as nothing: zero-width
// spaces and joiners, soft hyphens, variation selectors and tag characters.
func dropInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0xAD, r == 0x34F, r == 0x180E, r >= 0x200B && r <= 0x200F, r >= 0x2060 && r <= 0x206F,
			r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF, r >= 0xE0000 && r <= 0xE0FFF:
			return -1
		}
		return r
	}, s)
}

func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return separatorsToSpaces.Replace(addr[:i])
	}
	return ""
}

var separatorsToSpaces = strings.NewReplacer(".", " ", "_", " ", "-", " ")

func (a *Analyzer) ownedBy(host, owner string) bool {
	o, ok := a.det.Owned(host)
	return ok && o == owner
}

func (a *Analyzer) checkImpersonation(x *msg) {
	byName, bySubject := a.claimedOwners(x)
	alertF, _ := securityAlert.match(x.words)
	alert := alertF != 0
	for _, o := range byName {
		if a.ownedBy(x.fromDom, o) {
			if a.authenticatedAs(x, o) || x.auth.DMARC != "fail" {
				continue // the brand's own domain; forgery is DMARC's job
			}
		}
		s := 5.0
		text := fmt.Sprintf("The sender calls itself %q but writes from %s, which does not belong to %s.", x.from.Name, orNone(x.fromDom), o)
		if alert {
			s = 6.5
			text = fmt.Sprintf("The message claims to be a security alert from %s, but it comes from %s, which does not belong to %s.", o, orNone(x.fromDom), o)
		}
		x.res.add(Reason{Check: "impersonation", Category: CatImpersonation, Score: s,
			Evidence: []evidence{ev("From", x.res.From, "")}, Text: text})
		return
	}
	for _, o := range bySubject {
		if a.ownedBy(x.fromDom, o) || o == "Webmail" {
			continue
		}
		if alert {
			x.res.add(Reason{Check: "impersonation", Category: CatImpersonation, Score: 4,
				Evidence: []evidence{ev("Subject", x.subject, "")},
				Text:     fmt.Sprintf("The subject announces a security alert about %s, but the message comes from %s, which does not belong to %s.", o, orNone(x.fromDom), o)})
			return
		}
	}
	// the party's IT
	if len(a.opts.OwnDomains) > 0 && itClaim().MatchString(x.from.Name) && alert && !a.ownOrAuthenticated(x) {
		own := false
		for _, d := range a.opts.OwnDomains {
			if x.fromReg == registrable(d) {
				own = true
			}
		}
		if !own {
			x.res.add(Reason{Check: "impersonation-it", Category: CatImpersonation, Score: 5, Strong: true,
				Evidence: []evidence{ev("From", x.res.From, "")},
				Text:     fmt.Sprintf("The message poses as an IT or security service (%q) with an account alert, but does not come from %s's domains.", x.from.Name, a.ownName)})
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "no readable address"
	}
	return s
}

// linkInfo is a link with its parsed target.
type linkInfo struct {
	Link
	u    *url.URL
	host string // lower-case, no port
	reg  string
	ip   bool
}

// parsedHref is what parseLink finds in an address, kept per message: the
// same links are read by several checks.
type parsedHref struct {
	li linkInfo
	ok bool
}

// link is parseLink, each address parsed once per message.
func (x *msg) link(l Link) (linkInfo, bool) {
	if p, ok := x.hrefs[l.Href]; ok {
		li := p.li
		li.Link = l
		return li, p.ok
	}
	li, ok := parseLink(l)
	if x.hrefs == nil {
		x.hrefs = map[string]parsedHref{}
	}
	if len(x.hrefs) < 4*maxLinks {
		x.hrefs[l.Href] = parsedHref{li, ok}
	}
	return li, ok
}

func parseLink(l Link) (linkInfo, bool) {
	h := strings.TrimSpace(l.Href)
	if h == "" {
		return linkInfo{Link: l}, false
	}
	lh := strings.ToLower(h)
	if strings.HasPrefix(lh, "www.") {
		h = "http://" + h
	}
	u, err := url.Parse(h)
	if err != nil {
		// browsers are more tolerant; take the host by hand
		if i := strings.Index(h, "://"); i >= 0 {
			rest := h[i+3:]
			if j := strings.IndexAny(rest, "/?#"); j >= 0 {
				rest = rest[:j]
			}
			u = &url.URL{Scheme: strings.ToLower(h[:i]), Host: rest}
		} else {
			return linkInfo{Link: l}, false
		}
	}
	li := linkInfo{Link: l, u: u}
	host := u.Hostname()
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	li.host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(li.host); err == nil && a.IsValid() {
		li.ip = true
	} else if isNumericHost(li.host) {
		li.ip = true
	}
	li.reg = registrable(li.host)
	return li, true
}

// isNumericHost catches hosts browsers read as IPv4 addresses in decimal,
// octal or hex forms ("3232235777", "0xC0.0xA8.1.1").
func isNumericHost(h string) bool {
	if h == "" {
		return false
	}
	for _, p := range strings.Split(h, ".") {
		if p == "" {
			return false
		}
		if strings.HasPrefix(p, "0x") {
			continue
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

var (
	shorteners = setOf("bit.ly", "bitly.com", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "cutt.ly", "rebrand.ly", "shorturl.at", "rb.gy", "t.ly",
		"s.id", "tiny.cc", "bit.do", "buff.ly", "v.gd", "t.co", "short.io", "shorte.st", "adf.ly", "tr.im", "x.co", "qrco.de", "urlz.fr",
		"soo.gd", "clck.ru", "u.to", "tiny.one", "shrtco.de", "lnkd.in", "db.tt", "bl.ink", "snip.ly", "zpr.io", "urlr.me", "2no.co", "linktr.ee", "surl.li", "gg.gg", "t.me")
	// free hosting and page builders where anyone can put a login page
	// under a reputable name
	freeHosting = []string{"firebaseapp.com", "web.app", "appspot.com", "storage.googleapis.com", "sites.google.com", "docs.google.com/forms",
		"forms.gle", "blob.core.windows.net", "azurewebsites.net", "web.core.windows.net", "000webhostapp.com", "weebly.com", "wixsite.com",
		"glitch.me", "netlify.app", "vercel.app", "pages.dev", "workers.dev", "r2.dev", "ipfs.io", "dweb.link", "cloudflare-ipfs.com",
		"herokuapp.com", "repl.co", "replit.app", "square.site", "godaddysites.com", "mystrikingly.com", "webflow.io", "jimdosite.com",
		"yolasite.com", "blogspot.com", "translate.goog", "s3.amazonaws.com", "ngrok.io", "ngrok-free.app", "trycloudflare.com",
		"duckdns.org", "github.io", "gitbook.io", "notion.site", "typeform.com", "jotform.com", "formstack.com", "surveymonkey.com",
		"wordpress.com", "framer.website", "ukit.me", "tilda.ws", "carrd.co", "sharepoint.com/:", "my.canva.site", "onrender.com",
		"fly.dev", "firebasestorage.googleapis.com", "myshopify.com", "business.site", "webcindario.com", "hpage.com"}
	cheapTLDs = setOf("tk", "ml", "ga", "cf", "gq", "xyz", "top", "click", "buzz", "icu", "cyou", "rest", "sbs", "cfd", "monster", "bond",
		"quest", "lol", "zip", "mov", "country", "kim", "work", "fit", "surf", "loan", "gdn", "men", "date", "racing", "win", "bid", "stream",
		"review", "trade", "party", "science", "cam", "ru.com", "su", "pw", "cc", "ws", "host", "uno", "best", "hair", "beauty", "skin", "makeup", "autos", "boats", "yachts", "mom", "baby", "motorcycles")
)

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

func isFreeHosting(li linkInfo) (string, bool) {
	hp := li.host
	if li.u != nil {
		hp += li.u.EscapedPath()
	}
	for _, f := range freeHosting {
		if strings.Contains(f, "/") {
			if strings.HasPrefix(hp, f) || strings.Contains(hp, "."+f) {
				return f, true
			}
			continue
		}
		if li.host == f || strings.HasSuffix(li.host, "."+f) {
			return f, true
		}
	}
	if strings.Contains(li.host, ".ipfs.") || (li.u != nil && strings.HasPrefix(li.u.Path, "/ipfs/")) {
		return "IPFS", true
	}
	return "", false
}

// providerOwnShare tells a link to a file-sharing service in a
// notification the service's owner really sent (authenticated from its
// own domain: SharePoint's shares from sharepointonline.com), or to the
// party's own tenant of it (enmarche.sharepoint.com for en-marche.fr).
func (a *Analyzer) providerOwnShare(x *msg, li linkInfo) bool {
	if o, ok := a.det.Owned(li.host); ok && a.ownedBy(x.fromDom, o) && a.authenticatedAs(x, o) {
		return true
	}
	first, _, _ := strings.Cut(li.host, ".")
	first = strings.TrimSuffix(strings.ReplaceAll(first, "-", ""), "my")
	for _, d := range a.opts.OwnDomains {
		l, _, _ := strings.Cut(registrable(d), ".")
		if l = strings.ReplaceAll(l, "-", ""); len(l) >= 4 && first == l {
			return true
		}
	}
	return false
}

func tldOf(h string) string {
	s, icann := publicSuffix(h)
	if !icann && strings.IndexByte(s, '.') < 0 {
		return "" // not a real top-level domain
	}
	return s
}

func (a *Analyzer) checkLinks(x *msg) {
	var infos []linkInfo
	for _, l := range x.doc.links {
		lh := strings.ToLower(strings.TrimSpace(l.Href))
		switch {
		case strings.HasPrefix(lh, "javascript:"), strings.HasPrefix(lh, "data:"), strings.HasPrefix(lh, "vbscript:"):
			x.res.add(Reason{Check: "link-script", Category: CatLinks, Score: 3.5,
				Evidence: []evidence{ev("link", l.Href, "in part "+l.Part)},
				Text:     "A link runs code or opens embedded content (javascript: or data:) instead of going to a web site, a way to hide a fake login page."})
			continue
		case strings.HasPrefix(lh, "mailto:"), strings.HasPrefix(lh, "tel:"), strings.HasPrefix(lh, "#"), strings.HasPrefix(lh, "cid:"):
			continue
		}
		li, ok := x.link(l)
		if !ok || li.host == "" {
			continue
		}
		infos = append(infos, li)
	}
	a.linkChecks(x, infos)
	if x.doc.forms > 0 {
		// a form without a password field is mostly a newsletter's search
		// box; it counts for little unless it posts to another site
		s := 0.5
		if x.doc.passwords > 0 {
			s = 5
		} else {
			for _, li := range infos {
				if li.Kind == "form" && li.reg != x.fromReg {
					s = 1
				}
			}
		}
		x.res.add(Reason{Check: "html-form", Category: CatLinks, Score: s,
			Text: "The message contains a form to fill in inside the mail itself; real services never ask you to type information into an e-mail."})
	}
}

func (a *Analyzer) linkChecks(x *msg, infos []linkInfo) {
	byName, bySubject := a.claimedOwners(x)
	claimed := append(append([]string{}, byName...), bySubject...)
	lf, _ := loginWords.match(x.words)
	loginText := lf != 0
	bodyClaim := false
	if len(claimed) == 0 {
		// a brand named only in the body counts with credential wording
		if x.cred != 0 {
			claimed = a.brandsIn(x.words)
			bodyClaim = true
		}
	}
	foreign := 0 // links to hosts unrelated to the sender
	var foreignEx linkInfo
	seenHosts := map[string]bool{}
	for _, li := range infos {
		if seenHosts[li.host+"|"+li.Text] {
			continue
		}
		seenHosts[li.host+"|"+li.Text] = true
		where := "in part " + li.Part
		if li.Part == "" {
			where = "in the message"
		}
		a.checkMismatch(x, li)
		if li.ip {
			x.res.add(Reason{Check: "link-ip", Category: CatLinks, Score: 2.5,
				Evidence: []evidence{ev("link", li.Href, where)},
				Text:     fmt.Sprintf("A link goes to a bare IP address (%s) instead of a named site, which real services do not do.", li.host)})
			continue
		}
		if m, ok := a.det.Check(li.host); ok {
			if m.Score >= lookalike.StrongScore {
				x.res.add(Reason{Check: "lookalike-link", Category: CatLookalike, Score: 5.5, Strong: true,
					Evidence: []evidence{ev("link", li.Href, m.Detail)},
					Text:     fmt.Sprintf("A link goes to %s, which imitates %s (%s).", li.host, m.Protected, m.Technique)})
			} else {
				x.res.add(Reason{Check: "lookalike-link", Category: CatLookalike, Score: weakLookalikeScore,
					Evidence: []evidence{ev("link", li.Href, m.Detail)},
					Text:     fmt.Sprintf("A link goes to %s, which resembles %s (%s), though not closely enough to be sure it was made to deceive.", li.host, m.Protected, m.Technique)})
			}
		}
		if shorteners[li.host] {
			x.res.add(Reason{Check: "link-shortener", Category: CatLinks, Score: 2,
				Evidence: []evidence{ev("link", li.Href, where)},
				Text:     fmt.Sprintf("A link is shortened (%s), which hides where it really goes.", li.host)})
		}
		if f, ok := isFreeHosting(li); ok && !a.providerOwnShare(x, li) {
			x.res.add(Reason{Check: "link-free-hosting", Category: CatLinks, Score: 2,
				Evidence: []evidence{ev("link", li.Href, where)},
				Text:     fmt.Sprintf("A link goes to a page on %s, a free hosting or form service where anyone can publish a fake login page.", f)})
		}
		if t := tldOf(li.host); cheapTLDs[t] && registrable(li.host) != x.fromReg {
			x.res.add(Reason{Check: "link-cheap-tld", Category: CatLinks, Score: 1,
				Evidence: []evidence{ev("link", li.Href, where)},
				Text:     fmt.Sprintf("A link goes to a domain under .%s, an ending that costs almost nothing and is used mostly for abuse.", t)})
		}
		a.checkOAuth(x, li)
		if p := compromisedPath(li); p != "" && li.reg != x.fromReg {
			x.res.add(Reason{Check: "link-compromised-site", Category: CatLinks, Score: 3,
				Evidence: []evidence{ev("link", li.Href, where)},
				Text:     fmt.Sprintf("A link leads deep into the program files of a web site (%s on %s), where pages are planted on hacked sites: a real site links to its pages, not to its %s folder.", p, li.host, p)})
		}
		// links to hosts foreign to the claimed brand and to the sender
		related := li.reg == x.fromReg
		for _, o := range claimed {
			if a.ownedBy(li.host, o) {
				related = true
			}
		}
		if _, free := isFreeHosting(li); !related && (li.Kind == "a" || li.Kind == "area" || li.Kind == "form" || li.Kind == "meta-refresh" || li.Kind == "text" || li.Kind == "document" || li.Kind == "qr") {
			if _, own := a.det.Owned(li.host); !own || free {
				foreign++
				if foreignEx.host == "" {
					foreignEx = li
				}
			}
		}
	}
	x.infos, x.foreign, x.foreignEx = infos, foreign, foreignEx
	if foreign > 0 && loginText && len(claimed) > 0 {
		o := claimed[0]
		if !a.authenticatedAs(x, o) {
			s := 4.5 // the sender's name claims the brand
			switch {
			case bodyClaim:
				s = 2.5
			case len(byName) == 0:
				s = 3 // only the subject names it
			}
			x.res.add(Reason{Check: "brand-login-link", Category: CatImpersonation, Score: s,
				Evidence: []evidence{ev("link", foreignEx.Href, "")},
				Text:     fmt.Sprintf("The message talks about %s and asks you to sign in or confirm something, but its link goes to %s, which does not belong to %s.", o, foreignEx.host, o)})
		}
	}
	// Since 2024 the big mailbox providers require bulk senders to carry a
	// List-Unsubscribe field; an HTML mailing whose links all lead away
	// from the sender and that has none is not a real newsletter.
	if x.hasHTML && foreign > 0 && foreign == linksTo(infos) && x.m.Header.Get("List-Unsubscribe") == "" && x.fromReg != "" {
		s, text := 1.5, fmt.Sprintf("The message is a mailing whose links all lead away from the sender's domain (%s), without the unsubscribe header real bulk senders must carry.", x.fromReg)
		if freemail[x.fromReg] && (len(x.doc.images) > 0 || x.doc.hiddenText > 0) {
			// a designed HTML mailing from a personal webmail account:
			// no business sends its newsletter that way
			s, text = 2.5, fmt.Sprintf("The message is a designed mailing (pictures, links to other sites) sent from a personal webmail account (%s), without the unsubscribe header real bulk senders must carry.", x.from.Addr)
		}
		x.res.add(Reason{Check: "bulk-no-unsubscribe", Category: CatHeaders, Score: s,
			Evidence: []evidence{ev("link", foreignEx.Href, "")}, Text: text})
	}
	if x.cred != 0 && foreign > 0 && !x.res.has("brand-login-link") {
		x.res.add(Reason{Check: "credential-link", Category: CatLinks, Score: 2,
			Evidence: []evidence{ev("link", foreignEx.Href, "")},
			Text:     fmt.Sprintf("The message asks you to act on your account and links to %s, a site unrelated to the sender.", foreignEx.host)})
	}
	// brand imagery: logos fetched from a brand's site in mail that is
	// not from the brand
	for _, img := range x.doc.images {
		for _, o := range a.owners {
			if len(o.Keywords) == 0 || a.ownedBy(x.fromDom, o.Name) {
				continue
			}
			if strings.Contains(img, "logo") && strings.Contains(img, strings.ToLower(o.Keywords[0])) && loginText && foreign > 0 {
				x.res.add(Reason{Check: "brand-imagery", Category: CatImpersonation, Score: 2,
					Evidence: []evidence{ev("image", img, "")},
					Text:     fmt.Sprintf("The message shows the %s logo but does not come from %s.", o.Name, o.Name)})
			}
		}
	}
}

var hostInText = lazyRegexp(`(?i)^(?:https?://)?((?:[a-z0-9\pL-]+\.)+[a-z\pL]{2,})(?:[/:?#].*)?$`)

// checkMismatch flags a link whose visible text is a web address on
// another domain than the one it goes to.
func (a *Analyzer) checkMismatch(x *msg, li linkInfo) {
	if li.Kind != "a" && li.Kind != "area" {
		return
	}
	t := strings.TrimSpace(li.Text)
	if t == "" || strings.ContainsAny(t, " \n\t") || len(t) > 300 || strings.Contains(t, "@") {
		return
	}
	mm := hostInText().FindStringSubmatch(t)
	if mm == nil {
		return
	}
	shown := strings.ToLower(mm[1])
	if !strings.Contains(shown, ".") || !knownSuffix(shown) {
		return
	}
	sr := registrable(shown)
	if sr == li.reg {
		return
	}
	// a newsletter's click tracker carries the real target in its URL
	if li.u != nil && strings.Contains(strings.ToLower(li.u.RawQuery+li.u.Path), sr) {
		return
	}
	s := 2.5
	owner, own := a.det.Owned(shown)
	if own && !a.ownedBy(li.host, owner) {
		s = 5
	} else if a.linkToSender(x, li) {
		// the newsletter's own click counter or page ("www.buy.com"
		// leading to clickthru.<sender>): the reader lands at the
		// sender, not at a third party. Only a sender whose signature
		// of its From organisation verified is excused; any phisher
		// can link to its own domain while showing a bank's address,
		// so an unauthenticated one keeps a lighter mismatch.
		if a.signedByFromOrg(x) {
			return
		}
		s = 1.5
	}
	x.res.add(Reason{Check: "link-mismatch", Category: CatLinks, Score: s,
		Evidence: []evidence{ev("link", li.Href, "shown as "+t)},
		Text:     fmt.Sprintf("A link shows %s but really goes to %s.", shown, li.host)})
}

// linkToSender reports whether li leads to the sender's own registrable
// domain, when that domain is the sender's own: not a webmail provider or
// a free hosting platform, whose domain anyone can send and publish from.
func (a *Analyzer) linkToSender(x *msg, li linkInfo) bool {
	if x.fromReg == "" || li.reg != x.fromReg || freemail[x.fromReg] {
		return false
	}
	if _, free := isFreeHosting(linkInfo{host: x.fromDom}); free {
		return false
	}
	return true
}

func knownSuffix(h string) bool {
	_, icann := publicSuffix(h)
	return icann
}

// OAuth consent endpoints of the big identity providers.
var oauthHosts = map[string][]string{
	"accounts.google.com":       {"/o/oauth2/", "/signin/oauth"},
	"login.microsoftonline.com": {"/oauth2/", "/common/oauth2", "/adminconsent"},
	"login.live.com":            {"/oauth20_authorize"},
	"www.facebook.com":          {"/dialog/oauth"},
	"github.com":                {"/login/oauth/authorize"},
	"www.dropbox.com":           {"/oauth2/authorize"},
}

func (a *Analyzer) checkOAuth(x *msg, li linkInfo) {
	paths, ok := oauthHosts[li.host]
	if !ok || li.u == nil {
		return
	}
	p := strings.ToLower(li.u.Path)
	hit := false
	for _, pp := range paths {
		if strings.Contains(p, pp) {
			hit = true
		}
	}
	if !hit {
		return
	}
	client := li.u.Query().Get("client_id")
	for _, k := range a.opts.KnownOAuthClients {
		if client == k {
			return
		}
	}
	// an unknown application asking to read or send the mail is the
	// 2017 "Google Docs" worm and today's illicit consent grants: strong
	scope := strings.ToLower(li.u.Query().Get("scope"))
	mailScope := strings.Contains(scope, "mail.google.com") || strings.Contains(scope, "gmail.") || strings.Contains(scope, "mail.read") ||
		strings.Contains(scope, "mail.send") || strings.Contains(scope, "full_access_as_user") || strings.Contains(scope, "ews.accessasuser") ||
		strings.Contains(scope, "contacts") || strings.Contains(scope, "files.readwrite.all")
	x.res.add(Reason{Check: "oauth-consent", Category: CatLinks, Score: 5, Strong: mailScope,
		Evidence: []evidence{ev("link", li.Href, "client_id="+client)},
		Text:     fmt.Sprintf("A link asks you to grant an application (client %s) access to your %s account. The page is real, but the application is not one the party uses: granting it gives the attacker your mail without your password.", orNone(shorten(client, 60)), li.host)})
}

// checkContent looks at the wording and presentation of the message.
func (a *Analyzer) checkContent(x *msg) {
	// mathematical and enclosed alphanumerics, used to dodge word filters
	if n := fancyLetters(x.subject + x.from.Name + x.res.From); n >= 3 || lForI(x.subject+" "+x.from.Name) > 0 || invisibleInHeader(x.subject+x.from.Name) >= 2 {
		x.res.add(Reason{Check: "obfuscated-text", Category: CatContent, Score: 3.5,
			Evidence: []evidence{ev("Subject", x.subject, "")},
			Text:     "The subject or sender name is written with decorative Unicode letters (𝐥𝐢𝐤𝐞 𝐭𝐡𝐢𝐬), a trick to get past spam filters."})
	}
	// a message that is a picture and a link: the text is in the image,
	// where filters cannot read it
	if x.hasHTML && len(x.doc.images) > 0 && len(x.doc.links) > 0 && x.body.Len() < 1<<20 {
		if n := len(strings.Fields(x.doc.text.String())); n < 15 && len(x.atts) == 0 {
			x.res.add(Reason{Check: "image-only", Category: CatContent, Score: 2,
				Text: "The message is an image with a link and almost no text: the words are in the picture, out of the filters' reach."})
		}
	}
	if tok := randomToken(x.subject + " " + x.from.Name); tok != "" {
		x.res.add(Reason{Check: "random-token", Category: CatContent, Score: 1.5,
			Evidence: []evidence{ev("token", tok, "")},
			Text:     fmt.Sprintf("The subject or sender name carries a random string (%s), added by bulk-mailing tools to make each copy unique and dodge filters.", tok)})
	}
	if zw := strings.Count(x.body.String(), "\u200b") + strings.Count(x.body.String(), "\u200c") + strings.Count(x.body.String(), "\u00ad"); zw >= 5 {
		x.res.add(Reason{Check: "invisible-characters", Category: CatContent, Score: 1.5,
			Text: "The text is sprinkled with invisible characters, a trick to break up words that filters look for."})
	}
	if x.doc.hiddenText > 150 {
		s := 1.5
		if x.doc.hiddenText > 800 {
			s = 2.5 // far beyond a newsletter's hidden preview line
		}
		x.res.add(Reason{Check: "hidden-text", Category: CatContent, Score: s,
			Text: "The message hides a block of text from the reader (display:none or zero-size font), a trick to fool filters."})
	}
	// the recipient's own address in the subject: mass-personalised lures
	rcpts := x.m.Header.Get("To")
	if x.env != nil {
		rcpts += "," + strings.Join(x.env.Rcpt, ",")
	}
	subjLower := strings.ToLower(x.subject)
	for _, r := range mime.ParseAddressList(rcpts) {
		ad := strings.ToLower(r.Addr)
		lp := strings.ToLower(strings.Split(ad, "@")[0])
		if ad != "" && strings.Contains(ad, "@") && (strings.Contains(subjLower, ad) || (len(lp) >= 4 && strings.Contains(strings.ToLower(x.from.Name), ad))) {
			x.res.add(Reason{Check: "recipient-in-subject", Category: CatContent, Score: 3,
				Evidence: []evidence{ev("Subject", x.subject, "")},
				Text:     "The subject or sender name repeats your own e-mail address, the mark of a mass mailing made to look personal."})
			break
		}
	}
	cred, credEv := min(popcount(x.cred), 6), x.around(x.credAt)
	if cred > 0 {
		s := []float64{0, 1.5, 2.5, 3.5, 4, 4.5, 5}[cred]
		x.res.add(Reason{Check: "credential-wording", Category: CatContent, Score: s,
			Evidence: []evidence{ev("text", credEv, "")},
			Text:     "The text uses the wording of credential phishing: an account to verify, a mailbox to unlock, a password that expires, a document waiting behind a sign-in."})
	}
	fraud, fraudEv := x.families(fraudWords, 6)
	if bigAmount(x.text) || cryptoAmount(x.words) {
		fraud = min(fraud+1, 6)
	}
	if fraud >= 1 {
		s := []float64{0, 1, 2.5, 3.5, 4.5, 5, 5.5}[fraud]
		x.res.add(Reason{Check: "fraud-wording", Category: CatContent, Score: s,
			Evidence: []evidence{ev("text", fraudEv, "")},
			Text:     "The text uses the wording of money fraud: an inheritance, a prize, crypto-currency to claim, funds to transfer."})
	}
	if sp, spEv := x.families(spamWords, 4); sp > 0 {
		s := []float64{0, 1.5, 3, 4, 4.5}[sp]
		x.res.add(Reason{Check: "scam-offer", Category: CatContent, Score: s,
			Evidence: []evidence{ev("text", spEv, "")},
			Text:     "The message is an unsolicited offer of the kinds that carry scams and malicious links: dating or adult lures, casino bonuses, miracle pills, giveaways, loans."})
	}
	if u, uEv := x.families(urgencyWords, 4); u >= 2 && (cred > 0 || fraud > 0) {
		x.res.add(Reason{Check: "urgency", Category: CatContent, Score: float64(u) * 0.5,
			Evidence: []evidence{ev("text", uEv, "")},
			Text:     "The text pushes you to act fast (deadline, final warning, account closed within hours), the usual pressure of phishing."})
	}
}

func fancyLetters(s string) int {
	n := 0
	for _, r := range s {
		if (r >= 0x1D400 && r <= 0x1D7FF) || (r >= 0x24B6 && r <= 0x24E9) || (r >= 0x1F130 && r <= 0x1F189) || (r >= 0xFF21 && r <= 0xFF5A) {
			n++
		}
	}
	return n
}

// families counts the phrase families of ps found in the message's words
// (at most max) and returns the words around the first hit, as evidence.
func (x *msg) families(ps *phraseSet, max int) (int, string) {
	f, at := ps.match(x.words)
	n := popcount(f)
	if n > max {
		n = max
	}
	if at < 0 {
		return n, ""
	}
	lo, hi := at-6, at+8
	lo = maxInt(lo, 0)
	hi = min(hi, len(x.words))
	return n, strings.Join(x.words[lo:hi], " ")
}

// around returns the words near position at, as evidence.
func (x *msg) around(at int) string {
	if at < 0 {
		return ""
	}
	return strings.Join(x.words[max(at-6, 0):min(at+8, len(x.words))], " ")
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// securityAlert is the wording of account-security alerts.
var securityAlert = mustPhrases(
	`security alert|sign[- ]?in (attempt|activity)|unusual (sign[- ]?in|signin|activity|login)|someone (has|knows|used) your password|password (has )?(expir|will expire)|new (sign[- ]?in|login|device)|suspicious (activity|sign|login)|account (has been |will be |was |is )?(suspended|locked|limited|disabled|closed|deactivated|restricted|compromised|blocked)|verify your (identity|account)|alerte de sécurité|activité inhabituelle|connexion inhabituelle|tentative de connexion|compte (a été |sera )?(suspendu|bloqué|désactivé)|atividade (incomum|suspeita)|conta (foi )?(bloqueada|suspensa)|sicherheitswarnung|ungewöhnliche anmeldung|konto (wurde )?gesperrt|actividad inusual|cuenta (ha sido )?(bloqueada|suspendida)`,
)

// credWords are families of credential-phishing phrases (English, French,
// German, Spanish, Portuguese, Dutch, Italian); each family counts once.
var credWords = mustPhrases(
	`verify your (account|identity|e-?mail|mailbox|information|details)|confirm your (account|identity|e-?mail|password|details|information)|vérifie[rz]? (votre|vos)|confirme[rz]? (votre|vos) (compte|identité|informations)|verifique (sua|seu|seus)|confirme (sua|seu|seus)|bestätigen sie ihr|verifizieren sie|verifique su|bevestig uw|verifica il tuo`,
	`(update|validate|reactivate|restore|unlock|upgrade|secure) your (account|mailbox|e-?mail|password|payment|billing|information|details)|mettre à jour vos|atualize (seus|sua)|aktualisieren sie|actualice su`,
	`password (has )?(expir|will expire)|keep (your |the )?(same|current) password|mot de passe (expire|arrive à expiration)|senha (expira|expirou)|passwort läuft ab|contraseña (caduca|expira)|expirará em breve|expira em breve|will expire soon|expirera bientôt|läuft bald ab|caducará pronto`,
	`(mailbox|inbox|e-?mail|storage|cloud|account) (is |has )?(almost |nearly )?(full|over ?quota|quota|reached)|quota limit|storage limit|boîte (aux lettres|mail) (est )?pleine|caixa de (correio|entrada) (está )?cheia|postfach (ist )?voll`,
	`(pending|undelivered|held|blocked|incoming|failed) (messages|e-?mails|mails)|messages? (are |is )?(on hold|pending|held)|could not be delivered to your inbox|e-?mails? (were |have been )?(held|blocked|suspended)`,
	`(shared|sent) (a |the |an )?(document|file|folder|fax|voicemail|invoice|pdf) with you|(view|review|access|open|download) (the |your )?(document|shared file|invoice|fax|voicemail|pdf)|secure (document|message|file)|new (voicemail|fax)|document partagé|documento compartilhado`,
	`unusual (sign[- ]?in|signin|activity|login)|sign[- ]?in (attempt|activity)|someone (has|knows|used) your password|suspicious (activity|sign|login)|new (sign[- ]?in|login) (from|on)|activité inhabituelle|atividade (incomum|suspeita)|ungewöhnliche (aktivität|anmeldung)|actividad inusual`,
	`account (has been |will be |was |is )?(suspended|locked|limited|disabled|closed|deactivated|restricted|on hold|blocked|terminated)|compte (a été |sera )?(suspendu|bloqué|désactivé|limité)|conta (foi |será )?(bloqueada|suspensa|desativada)|konto (wurde |wird )?(gesperrt|eingeschränkt)|cuenta (ha sido |será )?(bloqueada|suspendida)`,
	`(log ?in|sign ?in|login) (now|here|below|to (continue|confirm|verify|restore|keep|access))|vous connecter pour|(valider|vérifier|confirmer) vos (coordonnées|informations|identifiants|accès)|click (here |below |the link |the button )?to (verify|confirm|log ?in|sign ?in|update|keep|restore|unlock|access|validate|reactivate|avoid)|connectez-vous|identifiez-vous|clique (aqui|no link)|klicken sie hier|haga clic aquí`,
	`payment (method )?(declined|failed|unsuccessful)|billing (problem|issue|information)|unable to (process|renew) your (payment|subscription)|subscription (has )?(expired|expire)|renew your (subscription|membership)|votre paiement|pagamento (recusado|pendente)|zahlung (fehlgeschlagen|abgelehnt)`,
	`security (notice|incident|breach)|unauthori[sz]ed (access|transaction|login|activity|purchase)|data (breach|security incident)|fraud (alert|attempt)|suspicious transaction|transação suspeita|compra não reconhecida|bloqueio por fraude|accès non autorisé|opération suspecte|nicht autorisierte`,
	`password (is|for the (file|attachment|document|archive))|use (the )?password|(file|attachment|document|archive) password|use a senha|senha (do arquivo|para abrir)|mot de passe (du fichier|pour ouvrir)|passwort (lautet|für den anhang)`,
	`if you did not (authorize|make|place|request) this (order|purchase|transaction|payment|renewal)|(to cancel|to dispute|for a refund)[,]? (please )?(call|contact)|auto[- ]renewal (has been|was) (processed|charged)`,
	`(must|should|can only|needs to) be (opened|viewed) (on|using|with|in) (a )?(windows|pc|desktop|computer)|(mobile|macos|mac|iphone|android|ios) (viewing |devices )?(is |are )?(currently )?(not supported|unsupported)|open (it|this|the (file|document|attachment)) on (a |your )?(windows )?(pc|computer|desktop)|(copy|paste) (this|the) (command|code) (into|in) (powershell|the run|run|terminal)|press (win|windows)( key)? ?\+ ?r`,
	`(traffic|parking|speeding) (fine|ticket|violation)|unpaid (toll|fine|invoice|tax)|tax refund|(your )?refund (is ready|has been approved|is pending|of \$)|complete (the|your) refund|remboursement d'impôt|avis de contravention|amende (impayée|à payer)|multa (pendente|de trânsito)|infração|penalidade|nota fiscal eletrônica|steuerrückerstattung|bußgeld`,
	`(package|parcel|shipment|delivery) (is )?(on hold|pending|suspended|could not be delivered|awaiting|failed)|delivery (attempt|failure|fee)|customs (fee|duty)|colis (en attente|bloqué)|encomenda|paket (wartet|konnte nicht)`,
)

// fraudWords are families of money-fraud phrases.
var fraudWords = mustPhrases(
	`bitcoin|btc|usdt|ethereum|cryptocurrenc|crypto (wallet|currency|asset)|airdrop|token (allocation|sale|presale|claim)|staking|staker|nft (launch|mint|drop)|metamask|xrp`,
	`inheritance (fund|claim|sum|money|transfer|payment)|abandoned (fund|funds|estate|claim|deposit|consignment|account)|overdue claim|benefit us both|benefit both of us|(your|unclaimed) inheritance|unclaimed (fund|funds|estate|deposit)|beneficiary|next of kin|late (husband|wife|father|client)|deceased|estate of|herança|erbschaft|héritage`,
	`lottery|lotto|sweepstake|jackpot|you (have )?won (a|an|the|our|your|\$|€|1|2|3|4|5|6|7|8|9|cash|money|prize)#|(been selected|selected as) (a |the )?winner|prize (money|winner|claim)|gewinner|gagnant|ganhou|prêmio`,
	`million (dollars|usd|euros|us dollars|pounds|british pounds)|sum of (\$|us\$|usd|eur|€)|milhões de (reais|dólares)|millionen (euro|dollar)`,
	`withdrawal (request|confirm|of)|transfer (the |this )?(funds|money|sum)|fund(s)? (transfer|release)|payout|compensation (fund|payment)|atm card|western union|moneygram|saque|auszahlung|withdraw (your|funds|now|money|it)|on your (balance|wallet)|(your )?balance (is|has been) (credited|updated|topped)|credited to your`,
	`claim (your|the|now)|for (claims|claim|your claim)|cash ?back|gift ?card|free (gift|bonus|iphone)|pontos|punkte (verfallen|sammeln)|points (expire|expiring|will expire)|resgat|gutschein|bonus (credit|offer)|saldo (disponível|a receber)|prêmio|sorteio|ganhador|gewinnspiel|gewonnen|gewinner|geschenkt|cadeau (gratuit|offert)|vous avez (gagné|été sélectionné)|remboursement|reembolso|rückerstattung|terugbetaling|premio|ganador|sorteo|canjear|puntos|cadeaubon|prijs gewonnen|winnaar|récompense|belohnung`,
	`(to |must |can )?withdraw (1|2|3|4|5|6|7|8|9|the (funds|money|amount|balance)|your (funds|money|balance|earnings|profit)|any remaining)|cloud (bitcoin )?mining|mining (platform|account|profit|transaction)|accumulated funds|earning funds|binance#|kucoin#|bybit#|okx#|huobi#|usdt#`,
	`(sell|selling|we sell) (rdp|rdps|smtp|smtps|shells|cpanel|cpanels|webmail|webmails|mailers|leads|cvv|dumps|logs)|fresh (smtp|rdp|cpanel|leads)|fullz|bulletproof (hosting|smtp)|spamming tools`,
	`opportunité de (rendement|placement|investissement)|rendement (garanti|exceptionnel)|revenus passifs|oportunidade de investimento|rendimento garantido|renditechance|garantierte rendite|investment (opportunity|plan|proposal)|business (proposal|venture|deal) (with you|for you)|joint venture|lucrative|trading (platform|account|bot)|guaranteed (income|return|profit)|passive income|make money|earn (money|\$)`,
	`dear (friend|beneficiary|customer|user|client|winner|valued|account holder|member)#|greetings (to|from) you|god bless you|i am (mr|mrs|barrister|dr|an attorney|a lawyer|the (manager|director|chief))#|my name is (mr|mrs|barrister|dr)#|(contact|reply to) my (private|personal) (email|e-mail)`,
	`i (have )?hacked (your|into your)|(hacked|infected|compromised) your (device|computer|account|phone|system)|your (device|computer|account|phone|system) (was|has been|is) (hacked|infected|compromised)|(recorded|filmed) (you|a video of you)|intimate (video|photos)|adult (site|website|sites)|pay (me )?in (bitcoin|btc|crypto)|(bitcoin|btc) (address|wallet)|ich habe (dich|sie) gehackt|j'ai piraté|hackeei|invadi (seu|sua)`,
	`strictly confidential|urgent (reply|response|attention)|reply (me|back) (urgently|asap)|(private|personal) e-?mail|whatsapp`,
)

// spamWords are families of unsolicited bulk and scam offers: not
// credential phishing, but the lures that carry scams and malicious links.
var spamWords = mustPhrases(
	`horny|slut|sexy (girls|women|singles|photos|pics)|sex (tonight|partner|date|chat|toy)|nudes|naked (photos|pics|girls)|hookup|lonely (women|girls|wives|housewives|lady)|porn (videos|site|star)|erotic|dating (site|app)|singles (near|in) (you|your)|meet (hot|local|real) (girls|women|singles|people)|wants to (meet|chat|date|suck)|sexdate|seitensprung|date (me|with me)|rencontre(s)? (coquine|discrète|locale)|célibataires|namoro|encontros|citas (locales|discretas)|solteiras|singles in|single(frauen| frauen| vrouwen)|sexkontakt|affäre|looking for (a |my )?(lover|man|partner|boyfriend|husband|company|fun|adventure|hookup)|naughty|flirt|sex dating|date tonight|hot sex|free to (talk|chat)|chat with me|(send|reply to|show) (you|u) my (photo|photos|picture|pictures|pics)|(lonely|single|solitary) (female|woman|girl|lady|miss)|looking for (a )?(fine |good |nice |neat )?(buddy|mister|gentleman|boyfriend|soulmate)|my (private|intimate|hot) (photos|pics|videos)|serious relationship|kennenlernen|quer (conversar|namorar)|bate-papo`,
	`doctors? (hate|are stunned|are baffled|recommend)|sleep problems|schlafprobleme|schmerzfrei|rückenschmerzen|gelenkschmerzen|problèmes de sommeil|(this|one|a) (weird|simple|strange|odd) trick|trick for (women|men)|miracle (cure|pill|formula)|breakthrough (formula|discovery|treatment)|clinically (proven|tested)|natural (boost|remedy|solution|alternative)|reverse mortgage|for seniors|seniors (are|over)|pain relief|relieves (the )?(pain|pressure)|sleep apnea|blood pressure|eliminat(e|es) (pain|fat)|wunderheilmittel|remède miracle|remédio natural`,
	`casino|free ?spins|freispiele|jackpot|slot machine|welcome bonus|wager|winnings|bet now|place (a|your) bet|betting (site|tips|odds)|odds boost|willkommensbonus|deposit bonus|roulette|sportsbook|apostas|bônus de boas|cassino|casinò|giros (grátis|gratis)|tours gratuits|bono de bienvenida|bônus de depósito|storting|welkomstbonus|freispiel|spielautomat|gokken`,
	`viagra|cialis|levitra|vlagra|clalis|v1agra|c1alis|viagr|online pharmacy|erectile|male enhancement|potency|testosterone booster|weight loss|lose weight|weight-loss|fat burn|keto#|keto (gummies|diet|pills|pow)|diet pills|gewichtsverlust|wunschgewicht|abnehmen|emagrecer|belly fat|glp-1|semaglutide|ozempic|wegovy|stamina|aphrodisia|blood sugar|tinnitus|joint pain|prostate|adelgazar|maigrir|afvallen|perdre du poids|perder peso|gewicht verlieren|potenz|erektion|diabetes|neuropath|kilos|quilos|kilo's|dark spots|wrinkles|nail fungus|hair loss|hearing loss`,
	`giveaway|you('ve| have) been (selected|chosen)|congratulations (you|your|dear)|survey (reward|and win)|claim (your|the) (reward|prize|gift)|exclusive (offer|reward|gift)|limited time (offer|only)|act now|100% (free|kostenlos|gratuit|grátis)|kostenlos|gratuitement|grátis|you are (a|our) (lucky|selected) (winner|customer)|gratis (probe|testen|versand|geschenk|proberen|cadeau|bonus)|je gratis|ganz gratis|gratuit#|gratuite#|gratuits#|gratuito#|félicitations|parabéns|felicidades|herzlichen glückwunsch|gefeliciteerd|oferta exclusiva|offre exclusive|exklusives angebot|última chance|dernière chance|letzte chance|laatste kans|última oportunidad|nur heute|seulement aujourd'hui|só hoje|hoy solamente|mystery box|free sample`,
	`(loan|credit) (approved|offer|pre-approved)|debt relief|lower your (rate|payment|bills)|insurance (quote|rates)|save (big|up to)|timeshare|home warranty|refinanc|auto insurance|car insurance|solar panels|work from home|earn from home|empréstimo|crédito (pré-aprovado|aprovado|consignado|liberado)|prêt (personnel|rapide)|kredit (ohne|sofort)|lening|préstamo|plano de saúde|planos de saúde|seguro (auto|de vida)|assurance (auto|habitation)|zonnepanelen|panneaux solaires|painéis solares|energia solar|solaranlage|photovoltaik|credit score|personal loan|cpf|mutuelle|term life|life (insurance|coverage)|coverage options|auto quote|drivers (are )?saving|final expense|medicare|health plan|walk-in tub|gutter|roof(ing)? (replacement|quote)|window replacement|hearing aid`,
)

var urgencyWords = mustPhrases(
	`urgent|immediately|asap|as soon as possible|right away|sofort|imediatamente|immédiatement|dringend|urgente`,
	`within (24|48|72) hours|in (24|48|72) hours|(24|48|72) (hours|heures|horas|stunden)|today only|expires? today|by the end of the day`,
	`final (warning|notice|reminder)|last (warning|notice|reminder|chance)|dernier (avertissement|rappel)|último aviso|letzte (warnung|mahnung)`,
	`(will be|to be) (permanently )?(deleted|closed|terminated|suspended|disabled)|avoid (suspension|deactivation|closure|interruption)|failure to (comply|verify|respond)`,
)

// loginWords are the words of a sign-in request.
var loginWords = mustPhrases(`log ?in|sign ?in|signin|logon|password|passcode|credentials|verify|verification|validate|confirm|unlock|restore|reactivate|mot de passe|identifiant|connexion|se connecter|senha|acessar|passwort|anmelden|contraseña|iniciar sesión`)

// bigAmount finds amounts like "$2,500,000.00" or "1.500.000 EUR".
func bigAmount(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || (i > 0 && s[i-1] >= '0' && s[i-1] <= '9') {
			continue
		}
		j := i
		for j < len(s) && j-i < 3 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		groups := 0
		for j+3 < len(s) && (s[j] == '.' || s[j] == ',') && isDigits(s[j+1:j+4]) && (j+4 == len(s) || s[j+4] < '0' || s[j+4] > '9') {
			groups++
			j += 4
		}
		if groups >= 2 {
			ctx := strings.ToLower(s[max(0, i-6):min(len(s), j+12)])
			if strings.ContainsAny(ctx, "$€£") || strings.Contains(ctx, "usd") || strings.Contains(ctx, "eur") || strings.Contains(ctx, "dollar") || strings.Contains(ctx, "r$") {
				return true
			}
		}
		i = j
	}
	return false
}

// compromisedPath returns the folder of a content-management system's
// program files a link points into ("wp-content/themes", "wp-includes"),
// or "". Phishing kits are dropped there on hacked sites; uploads (images,
// PDFs of a real site) are not counted.
func compromisedPath(li linkInfo) string {
	if li.u == nil {
		return ""
	}
	p := strings.ToLower(li.u.EscapedPath())
	for _, d := range []string{"/wp-content/themes/", "/wp-content/plugins/", "/wp-includes/", "/wp-admin/css/", "/wp-admin/js/", "/wp-admin/includes/", "/.well-known/"} {
		if i := strings.Index(p, d); i >= 0 {
			rest := p[i+len(d):]
			switch path.Ext(rest) {
			case ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".woff", ".woff2", ".ttf", ".ico":
				return "" // a page's own assets
			}
			if d == "/.well-known/" && (strings.HasPrefix(rest, "acme-challenge/") || strings.HasPrefix(rest, "security.txt") || strings.HasPrefix(rest, "openid")) {
				return ""
			}
			return strings.Trim(d, "/")
		}
	}
	return ""
}

// cryptoTickers are the currencies of crypto-currency fraud.
var cryptoTickers = setOf("btc", "eth", "usdt", "xrp", "bnb", "sol", "ltc", "doge", "trx", "usdc", "bitcoin", "ethereum")

// cryptoAmount finds a precise crypto-currency amount, "0.7495 BTC" or
// "1,25 ETH": fake mining proceeds, fake transfers and fake balances are
// stated that way. The words split "0.7495" into "0" and "7495".
func cryptoAmount(words []string) bool {
	for i := 2; i < len(words); i++ {
		if cryptoTickers[words[i]] && isDigits(words[i-1]) && len(words[i-1]) >= 2 && isDigits(words[i-2]) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkHeaders looks for header anomalies.
func (a *Analyzer) checkHeaders(x *msg) {
	h := x.m.Header
	if x.from.Addr == "" || !strings.Contains(x.from.Addr, "@") {
		x.res.add(Reason{Check: "no-sender-address", Category: CatHeaders, Score: 2,
			Text: "The message has no readable sender address."})
	}
	if x.fromSplit {
		x.res.add(Reason{Check: "malformed-from", Category: CatHeaders, Score: 3,
			Evidence: []evidence{ev("From", x.res.From, "")},
			Text:     "The From line is malformed (the name and the address are split by a comma), the mark of bulk-mailing tools rather than of a mail program."})
	}
	if subjectReply().MatchString(x.subject) && h.Get("In-Reply-To") == "" && h.Get("References") == "" && h.Get("Thread-Index") == "" && !x.forwardsMessage() {
		x.res.add(Reason{Check: "fake-reply", Category: CatHeaders, Score: 1.5,
			Evidence: []evidence{ev("Subject", x.subject, "")},
			Text:     "The subject says this is a reply or forward (Re:, Fwd:), but the message answers nothing: a trick to look like an ongoing conversation."})
	}
	if h.Count("From") > 1 {
		x.res.add(Reason{Check: "multiple-from", Category: CatHeaders, Score: 3,
			Text: "The message has several From lines; clients show one, filters may check another."})
	}
	// Reply-To to another domain than From, especially a free webmail
	for _, r := range mime.ParseAddressList(h.Get("Reply-To")) {
		rd := domainOf(r.Addr)
		if rd == "" || registrable(rd) == x.fromReg || listMunged(x.from.Name, r.Name) {
			continue
		}
		s := 1.0
		detail := ""
		if freemail[registrable(rd)] && !freemail[x.fromReg] {
			s = 2.5
			detail = " a free webmail account"
		}
		x.res.add(Reason{Check: "reply-to-mismatch", Category: CatHeaders, Score: s,
			Evidence: []evidence{ev("Reply-To", r.Addr, ""), ev("From", x.from.Addr, "")},
			Text:     fmt.Sprintf("Replies would go to%s (%s), not to the sender's domain %s.", detail, rd, orNone(x.fromDom))})
		break
	}
	// Message-ID claiming a brand the sender is not
	mid := x.res.MessageID
	if at := strings.LastIndexByte(mid, '@'); at >= 0 {
		md := strings.ToLower(strings.Trim(mid[at+1:], "<> "))
		if o, ok := a.det.Owned(md); ok && !a.ownedBy(x.fromDom, o) && !a.ownedBy(domainOf(h.Get("Return-Path")), o) {
			// Outlook.com and Gmail relay other domains' mail and stamp
			// their own ids; only flag a brand that also appears as sender
			if byName, _ := a.claimedOwners(x); containsFold(byName, o) {
				x.res.add(Reason{Check: "message-id-domain", Category: CatHeaders, Score: 1,
					Evidence: []evidence{ev("Message-ID", mid, "")},
					Text:     fmt.Sprintf("The message identifier claims the message was made at %s, but the sender is %s.", md, orNone(x.fromDom))})
			}
		}
	}
	// date anomalies: Date far after the time our side received it
	recv := receivedTimes(h)
	if d, ok := h.Date(); ok && len(recv) > 0 {
		if d.Sub(recv[0]).Hours() > 24 {
			x.res.add(Reason{Check: "date-future", Category: CatHeaders, Score: 1,
				Evidence: []evidence{ev("Date", h.Get("Date"), "")},
				Text:     "The message is dated after the moment it was received, a sign of a forged date."})
		}
	}
	// forged Received chains: hops whose times go backwards by more than a day
	for i := 1; i < len(recv); i++ {
		if recv[i].Sub(recv[i-1]).Hours() > 24 {
			x.res.add(Reason{Check: "received-chain", Category: CatHeaders, Score: 1.5,
				Text: "The Received lines (the servers the message went through) are out of order in time, a sign that some were forged."})
			break
		}
	}
	if n := h.Count("Received"); n > 40 {
		x.res.add(Reason{Check: "received-loop", Category: CatHeaders, Score: 1,
			Text: fmt.Sprintf("The message went through %d servers, far more than real mail does.", n)})
	}
}

// Subject prefixes of replies and forwards in the languages of the
// mail clients parties use ("Re:", "AW:", "SV:", "VS:"; "Fwd:", "TR:",
// "WG:", "ENC:", "RV:", "I:", "Doorst:", "VB:", "VL:").
const (
	replyPrefixes   = "re|aw|sv|res|vs|antw"
	forwardPrefixes = "fw|fwd|tr|enc|wg|rv|i|doorst|vb|vl"
)

var (
	subjectReply   = lazyRegexp(`(?i)^\s*(` + replyPrefixes + `|` + forwardPrefixes + `)\s*:`)
	forwardSubject = lazyRegexp(`(?i)^\s*(` + forwardPrefixes + `)\s*:`)
)

var freemail = setOf("gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "yahoo.co.uk", "hotmail.com", "hotmail.fr", "outlook.com",
	"outlook.fr", "live.com", "live.fr", "aol.com", "gmx.com", "gmx.de", "gmx.net", "mail.com", "yandex.ru", "yandex.com", "mail.ru",
	"protonmail.com", "proton.me", "icloud.com", "me.com", "zoho.com", "orange.fr", "laposte.net", "free.fr", "sfr.fr", "web.de",
	"qq.com", "163.com", "126.com", "tutanota.com", "msn.com", "ymail.com", "rocketmail.com", "inbox.com", "seznam.cz", "bol.com.br", "uol.com.br", "terra.com.br")

// receivedTimes returns the times of the Received fields, top (latest)
// first, skipping unreadable ones.
func receivedTimes(h mime.Header) []time.Time {
	var out []time.Time
	for _, v := range h.Values("Received") {
		i := strings.LastIndexByte(v, ';')
		if i < 0 {
			continue
		}
		if t, err := parseDate(strings.TrimSpace(v[i+1:])); err == nil {
			out = append(out, t)
		}
		if len(out) > 100 {
			break
		}
	}
	return out
}

func parseDate(s string) (time.Time, error) { return mail.ParseDate(s) }

// publicSuffix returns the public suffix of h and whether it is an ICANN
// (real top-level) suffix rather than a private or unknown one.
func publicSuffix(h string) (string, bool) {
	return publicsuffix.PublicSuffix(h)
}

// randomToken finds a word of 10+ letters and digits mixing lower case,
// upper case and digits ("fg46qFdZiRVH3jI"), which people do not write.
func randomToken(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if len(w) < 10 || len(w) > 64 {
			continue
		}
		var lo, up, dg, switches int
		prev := 0
		for _, r := range w {
			k := 0
			switch {
			case r >= 'a' && r <= 'z':
				lo++
				k = 1
			case r >= 'A' && r <= 'Z':
				up++
				k = 2
			default:
				dg++
				k = 3
			}
			if prev != 0 && k != prev {
				switches++
			}
			prev = k
		}
		if lo >= 2 && up >= 2 && dg >= 1 && switches >= 5 {
			return w
		}
	}
	return ""
}

// lForI counts capitalised words written with a lower-case "l" in place
// of a capital "I" ("VlAGRA", "WlN"), a trick to dodge word filters.
func lForI(s string) int {
	n := 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) {
		up, ell, other := 0, 0, 0
		for i := 0; i < len(w); i++ {
			switch c := w[i]; {
			case c >= 'A' && c <= 'Z':
				up++
			case c == 'l':
				ell++
			default:
				other++
			}
		}
		if len(w) >= 3 && up >= 2 && ell >= 1 && other == 0 {
			n++
		}
	}
	return n
}

// linksTo counts the distinct clickable links (the ones linkChecks counts
// as foreign when they lead away from the sender).
func linksTo(infos []linkInfo) int {
	seen := map[string]bool{}
	n := 0
	for _, li := range infos {
		if li.Kind != "a" && li.Kind != "area" && li.Kind != "form" && li.Kind != "meta-refresh" && li.Kind != "text" {
			continue
		}
		if k := li.host + "|" + li.Text; !seen[k] {
			seen[k] = true
			n++
		}
	}
	return n
}

// listMunged reports whether From and Reply-To have the shape mailing
// lists give a post whose author's domain publishes a strict DMARC policy:
// From "Ann Author via Some-list <list@lists.example>", Reply-To "Ann
// Author <ann@example.com>". Replies going to the author are then expected.
func listMunged(fromName, replyName string) bool {
	i := strings.LastIndex(strings.ToLower(fromName), " via ")
	if i <= 0 || replyName == "" {
		return false
	}
	return strings.EqualFold(strings.Trim(fromName[:i], ` "'`), strings.Trim(replyName, ` "'`))
}
