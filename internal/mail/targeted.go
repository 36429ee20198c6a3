package mail

import (
	"fmt"
	"strings"

	"github.com/vigie-project/vigie/internal/mime"
)

// Traits of targeted attacks against a party, as opposed to mass
// phishing: the link moved out of the message (into an attached document
// or a QR code), a request to send money to new bank details, a
// conversation hijacked from a compromised or imitated correspondent.

// paymentChange is the wording of a request to change or confirm bank or
// payment details: the business-e-mail-compromise lure, and the fake
// donation-platform payout.
var paymentChange = mustPhrases(
	`(new|updated|changed|change (of|to|in)|update (of|to)|modify|confirm|verify|validate) (our |my |your |the )?(bank|banking|payment|payout|remittance|wire|account) (details|information|info|coordinates|instructions|account)|` +
		`(new|updated|different) (iban|bank account|account number|rib)|(iban|bank account|account number) (has|have) (changed|been changed|been updated)|` +
		`(send|make|wire|transfer) (the |all )?(future |pending |outstanding )?(payments?|transfers?|invoices?|funds?|donations?) to (our |the |this )?(new|following|updated)|` +
		`nouvelles? coordonnées bancaires|changement de (rib|coordonnées bancaires|compte bancaire)|nouveau (rib|compte bancaire|iban)|mettre à jour (vos|les|nos) coordonnées bancaires|confirme[rz]? (vos|les) coordonnées bancaires|` +
		`neue bankverbindung|bankverbindung (hat sich geändert|geändert|aktualisieren|bestätigen)|` +
		`nuevos datos bancarios|novos dados bancários|nuove coordinate bancarie|nieuwe bankgegevens`,
)

// checkTargeted runs the checks of this file; after checkLinks.
func (a *Analyzer) checkTargeted(x *msg) {
	a.checkHiddenLinks(x)
	a.checkPaymentChange(x)
	a.checkThreadHijack(x)
	a.checkCalendarLink(x)
	a.checkPartyOnWebmail(x)
	a.checkSharedItemLure(x)
}

// checkSharedItemLure flags a real provider's share notification (Google
// Drive, OneDrive, Dropbox: authenticated, from the provider's own
// address) whose shared item's title is itself a lure: attackers share a
// document or a drawing named "Your account is suspended — verify your
// payment" so that the real service delivers it, past every sender check.
func (a *Analyzer) checkSharedItemLure(x *msg) {
	if !a.ownOrAuthenticated(x) || a.ownDomain(x.fromReg) {
		return
	}
	title := quotedTitle(x.subject)
	if title == "" {
		return
	}
	w := tokenize(title, 200)
	hit := false
	for _, ps := range []*phraseSet{securityAlert, fraudWords, paymentChange, urgencyWords} {
		if f, _ := ps.match(w); f != 0 {
			hit = true
		}
	}
	if f, _ := credWords.match(w); f != 0 {
		hit = true
	}
	if !hit {
		return
	}
	x.res.add(Reason{Check: "shared-item-lure", Category: CatImpersonation, Score: 4, Evidence: []evidence{ev("shared item", title, "")},
		Text: fmt.Sprintf("The notification really comes from %s, but the item shared with you is titled %q: attackers name a shared document or drawing after their lure so that the real service delivers it.", x.fromReg, title)})
}

// ownDomain tells the party's own registrable domains.
func (a *Analyzer) ownDomain(reg string) bool {
	for _, d := range a.opts.OwnDomains {
		if reg != "" && reg == registrable(d) {
			return true
		}
	}
	return false
}

// quotedTitle returns the text between the first pair of quotes of a
// subject ("Document shared with you: “Title”").
func quotedTitle(s string) string {
	for _, q := range [][2]string{{"\"", "\""}, {"“", "”"}, {"«", "»"}, {"'", "'"}} {
		i := strings.Index(s, q[0])
		if i < 0 {
			continue
		}
		rest := s[i+len(q[0]):]
		j := strings.Index(rest, q[1])
		if j > 0 {
			return strings.TrimSpace(rest[:j])
		}
	}
	return ""
}

// checkPartyOnWebmail flags a personal webmail sender that takes the
// name of the person it writes to, or the party's name in its address
// ("camille.martin.enmarche@gmail.com" to Camille Martin): the fake
// leader asking for a wire transfer, the fake colleague.
func (a *Analyzer) checkPartyOnWebmail(x *msg) {
	if !freemail[x.fromReg] || len(a.opts.OwnDomains) == 0 {
		return
	}
	local := strings.ToLower(x.from.Addr)
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = dropSeparators.Replace(local[:i])
	}
	why := ""
	for _, d := range a.opts.OwnDomains {
		l, _, _ := strings.Cut(registrable(d), ".")
		if l = strings.ReplaceAll(l, "-", ""); len(l) >= 4 && strings.Contains(local, l) {
			why = fmt.Sprintf("its address carries the party's name (%s)", l)
		}
	}
	name := strings.ToLower(strings.TrimSpace(x.from.Name))
	for _, to := range mime.ParseAddressList(x.m.Header.Get("To")) {
		if n := strings.ToLower(strings.TrimSpace(to.Name)); len(n) >= 5 && n == name && !strings.EqualFold(to.Addr, x.from.Addr) {
			why = fmt.Sprintf("it takes the name of the person it is sent to (%s)", to.Name)
		}
	}
	if why == "" {
		return
	}
	x.res.add(Reason{Check: "party-on-webmail", Category: CatImpersonation, Score: 2.5, Evidence: []evidence{ev("From", x.res.From, "")},
		Text: fmt.Sprintf("The sender writes from a personal webmail address (%s) and %s: how attackers pose as a party's leader or staff.", x.from.Addr, why)})
}

// meetingHosts are the video-meeting services whose links invitations
// carry; those of the big providers are known through the look-alike
// detector's owners.
var meetingHosts = setOf("zoom.us", "webex.com", "whereby.com", "jit.si", "gotomeeting.com", "goto.com", "bluejeans.com", "livestorm.co", "jitsi.org", "skype.com")

// checkCalendarLink flags an invitation from outside whose link goes
// neither to the sender's site nor to a meeting service: the invitation
// lands in the calendar, where the lure waits beyond the mail filter.
func (a *Analyzer) checkCalendarLink(x *msg) {
	if a.ownOrAuthenticated(x) {
		return
	}
	for _, l := range x.calLinks {
		li, ok := x.link(l)
		if !ok || li.host == "" || li.reg == x.fromReg || meetingHosts[li.reg] {
			continue
		}
		if _, owned := a.det.Owned(li.host); owned {
			continue
		}
		s := 2.5
		lf, _ := loginWords.match(x.words)
		if lf != 0 {
			s = 3.5
		}
		if signInPath(li) {
			s++
		}
		// an invitation from outside asking to sign in on an unrelated
		// site's sign-in page is a lure and nothing else
		strong := lf != 0 && signInPath(li)
		x.res.add(Reason{Check: "calendar-link", Category: CatLinks, Score: s, Strong: strong, Evidence: []evidence{ev("link", li.Href, "calendar invitation")},
			Text: fmt.Sprintf("The calendar invitation links to %s, which is neither the sender's site nor a meeting service; accepted, the invitation keeps the link in your calendar.", li.host)})
		return
	}
}

// checkHiddenLinks explains the links read from QR codes and documents.
func (a *Analyzer) checkHiddenLinks(x *msg) {
	for _, l := range x.qrLinks {
		li, ok := x.link(l)
		if !ok || li.host == "" {
			continue
		}
		// a ticket's code leading to the organiser's own site is honest
		// when the organiser provably sent it
		if a.relatedToSender(x, li.host) && (x.auth.DMARC == "pass" || a.ownOrAuthenticated(x)) {
			continue
		}
		s := 2.5
		text := fmt.Sprintf("A QR code in %s leads to %s: a QR code sends your phone to a web page that the mail filter never sees.", l.Text, li.host)
		if x.cred != 0 || x.res.has("credential-wording") {
			s = 4
			text = fmt.Sprintf("A QR code in %s leads to %s, and the message asks you to act on your account: scanning it opens a login page on your phone, outside any filter.", l.Text, li.host)
		}
		x.res.add(Reason{Check: "qr-link", Category: CatLinks, Score: s, Evidence: []evidence{ev("QR code", l.Href, l.Text)}, Text: text})
		break
	}
	for _, l := range x.docLinks {
		li, ok := x.link(l)
		if !ok || li.host == "" || li.reg == x.fromReg {
			continue
		}
		if _, owned := a.det.Owned(li.host); owned {
			continue // a document naming a big provider's site
		}
		// a document with a link and little else is a lure: the link was
		// moved out of the message to escape the filters
		s := 1.5
		if x.cred != 0 || x.res.has("credential-wording") || len(x.docLinks) <= 2 {
			s = 2.5
		}
		text := fmt.Sprintf("The attached document %s holds a link to %s, outside the message where filters look.", l.Text, li.host)
		if signInPath(li) {
			s += 1.5
			text = fmt.Sprintf("The attached document %s holds a link to a sign-in page on %s, outside the message where filters look.", l.Text, li.host)
		}
		x.res.add(Reason{Check: "document-link", Category: CatLinks, Score: s, Evidence: []evidence{ev("link", li.Href, l.Text)}, Text: text})
		break
	}
}

// signInPath tells a link whose path names a sign-in page (login.php,
// /signin, /connexion, /owa/auth, /sso).
func signInPath(li linkInfo) bool {
	if li.u == nil {
		return false
	}
	p := strings.ToLower(li.u.EscapedPath())
	for _, w := range []string{"login", "log-in", "signin", "sign-in", "logon", "connexion", "/auth", "/sso", "/owa", "webmail", "verify", "password"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// relatedToSender tells a host of the sender's organisation (its
// registrable domain or a domain of the same protected owner).
func (a *Analyzer) relatedToSender(x *msg, host string) bool {
	if registrable(host) == x.fromReg {
		return true
	}
	o1, ok1 := a.det.Owned(host)
	o2, ok2 := a.det.Owned(x.fromDom)
	return ok1 && ok2 && o1 == o2
}

// checkPaymentChange flags a request to change or confirm bank details.
// Honest suppliers do change banks, rarely, and never ask by mail alone:
// it counts more from outside the party, with a reply address elsewhere,
// or beside a look-alike.
func (a *Analyzer) checkPaymentChange(x *msg) {
	f, at := paymentChange.match(x.words)
	if f == 0 {
		return
	}
	s := 3.0
	if x.res.has("reply-to-mismatch") || x.res.has("reply-to-other-mailbox") || freemail[x.fromReg] {
		s = 4
	}
	x.res.add(Reason{Check: "payment-change", Category: CatContent, Score: s, Evidence: []evidence{ev("text", x.around(at), "")},
		Text: "The message asks to change or confirm bank or payment details — the lure of invoice and payout fraud. Confirm any such change by phone, with a number you already have, before paying."})
}

// checkThreadHijack flags a reply in a conversation that brings a link to
// a site the conversation never mentioned, and more so when it comes from
// a domain that was not in the conversation: how a stolen mailbox (or a
// look-alike of a correspondent) continues a real thread to deliver a
// lure.
func (a *Analyzer) checkThreadHijack(x *msg) {
	h := x.m.Header
	reply := h.Get("In-Reply-To") != "" || h.Get("References") != "" || replyPrefix(x.subject)
	// a list's threads have many authors and bring links all the time;
	// and a new link alone is ordinary: it counts beside a request to
	// sign in, check a document or pay
	lf, _ := loginWords.match(x.words)
	lure := x.cred != 0 || lf != 0 || x.res.has("payment-change")
	if !reply || !lure || h.Get("List-Id") != "" {
		return
	}
	quoted := strings.ToLower(quotedText(x.body.String()))
	if len(quoted) < 80 {
		return // no conversation quoted
	}
	var fresh linkInfo
	for _, li := range x.infos {
		if li.host == "" || li.Kind == "form" || li.Kind == "meta-refresh" {
			continue
		}
		if li.reg == x.fromReg || strings.Contains(quoted, li.reg) {
			continue
		}
		if _, owned := a.det.Owned(li.host); owned && !x.res.has("lookalike-link") {
			continue
		}
		if strings.Contains(li.Text, li.host) && strings.Contains(quoted, li.Text) {
			continue
		}
		fresh = li
		break
	}
	if fresh.host == "" {
		return
	}
	newSender := x.fromReg != "" && !strings.Contains(quoted, x.fromReg)
	s, text := 2.5, fmt.Sprintf("The message continues a conversation but brings a link to %s, a site the earlier messages never mentioned: how a stolen mailbox delivers a lure inside a real thread.", fresh.host)
	if newSender {
		s, text = 3.5, fmt.Sprintf("The message continues a conversation from %s, a domain that was not in it, and brings a link to %s, a site the earlier messages never mentioned: how an attacker slips into a real thread.", x.fromReg, fresh.host)
	}
	x.res.add(Reason{Check: "thread-new-link", Category: CatLinks, Score: s, Evidence: []evidence{ev("link", fresh.Href, "")}, Text: text})
}

// replyPrefix tells "Re:", "AW:", "TR:" subjects.
func replyPrefix(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"re:", "re :", "aw:", "sv:", "antw:", "r:", "ris:", "rép:", "fw:", "fwd:", "tr:", "wg:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// quotedText is the quoted part of a reply: "> " lines and what follows
// an "On ... wrote:" or "Original Message" line.
func quotedText(s string) string {
	var b strings.Builder
	below := false
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimSpace(l)
		lt := strings.ToLower(t)
		if !below && (strings.HasPrefix(lt, "on ") && strings.HasSuffix(lt, "wrote:") || strings.Contains(lt, "original message") ||
			strings.HasSuffix(lt, "a écrit :") || strings.HasSuffix(lt, "a écrit:") || strings.HasPrefix(lt, "from:") || strings.HasPrefix(lt, "de :") || strings.HasPrefix(lt, "de:")) {
			below = true
		}
		if below || strings.HasPrefix(t, ">") {
			b.WriteString(t)
			b.WriteByte('\n')
			if b.Len() > 1<<20 {
				break
			}
		}
	}
	return b.String()
}
