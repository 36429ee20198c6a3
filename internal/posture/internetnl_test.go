package posture

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// inlCase is one record set of testdata/internetnl/records.zone and the
// verdicts internet.nl gives it, read from its source
// (internetstandards/Internet.nl, checks/tasks/mail.py at the June 2026
// head: spf_check_policy, dmarc_verify_sufficient_policy,
// dmarc_verify_external_destinations) and mapped to Vigie's statuses:
// its "spf" and "spf_policy" subtests good = pass, any bad verdict = fail;
// its "dmarc" and "dmarc_policy" subtests good = pass, "invalid external"
// (STATUS_NOTICE) = warn, any bad verdict = fail.
type inlCase struct {
	domain, who string
	spf, dmarc  Status // internet.nl
	// vigieSPF, vigieDMARC are Vigie's verdict where it deliberately
	// deviates ("" = the same as internet.nl); deviation is a phrase of
	// doc.go that documents it.
	vigieSPF, vigieDMARC Status
	deviation            string
}

var inlCases = []inlCase{
	// big tech
	{domain: "searchco.test", who: "search engine on its own Google Workspace", spf: StatusPass, dmarc: StatusPass},
	{domain: "softwareco.test", who: "software vendor: own includes and Microsoft 365, rua on a sub-domain", spf: StatusPass, dmarc: StatusPass},
	{domain: "socialco.test", who: "social network: SPF through redirect=", spf: StatusPass, dmarc: StatusPass},
	{domain: "fruitco.test", who: "hardware maker: one /8, p=quarantine sp=reject", spf: StatusPass, dmarc: StatusPass},
	{domain: "shopco.test", who: "retailer: Amazon SES and Google", spf: StatusPass, dmarc: StatusPass},
	// banks
	{domain: "bank-m365.test", who: "bank on Microsoft 365, rua at a vendor without authorisation", spf: StatusPass, dmarc: StatusWarn},
	{domain: "m365-bank.test", who: "bank on Microsoft 365, rua at a vendor that authorised it", spf: StatusPass, dmarc: StatusPass},
	{domain: "bank-ptr.test", who: "bank with the deprecated ptr mechanism", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusWarn, deviation: "ptr mechanism warns"},
	{domain: "bank-redirect.test", who: "bank: redirect= to a record ending ~all, p=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "bank-pct.test", who: "bank rolling out: p=quarantine pct=25", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusWarn, deviation: "pct<100 warns"},
	{domain: "bank-stacked.test", who: "bank stacking every sender: 12 lookups", spf: StatusFail, dmarc: StatusPass},
	{domain: "bank-overflow.test", who: "bank whose 11th and 12th lookups are in its last include", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusFail, deviation: "only when it follows one more include or redirect"},
	// state
	{domain: "ministere-a.test", who: "ministry on the state relay, includes three deep", spf: StatusPass, dmarc: StatusPass},
	{domain: "etat.test", who: "organisational domain with p=reject sp=none", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusFail, deviation: "sp=none also fails"},
	{domain: "service.etat.test", who: "service whose DMARC comes from its organisational domain's sp=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "etat2.test", who: "organisational domain with p=quarantine", spf: StatusPass, dmarc: StatusPass},
	{domain: "agence.etat2.test", who: "agency including its parent's SPF, DMARC from the parent", spf: StatusPass, dmarc: StatusPass},
	{domain: "prefecture.test", who: "DMARC record published at the domain instead of _dmarc", spf: StatusPass, dmarc: StatusFail},
	{domain: "mairie.test", who: "DMARC at dmarc. and _dmarc.www., not _dmarc.", spf: StatusPass, dmarc: StatusFail},
	{domain: "parked-gouv.test", who: "parked domain: null MX, -all, p=reject", spf: StatusPass, dmarc: StatusPass},
	{domain: "parked-soft.test", who: "parked domain ending ~all", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusWarn, deviation: "(internet.nl passes it)"},
	{domain: "parked-quar.test", who: "parked domain with p=quarantine", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusWarn, deviation: "quarantine warns (internet.nl passes it)"},
	{domain: "parked-nodmarc.test", who: "parked domain without DMARC", spf: StatusPass, dmarc: StatusFail},
	// political parties
	{domain: "parti-a.test", who: "party on Google with Brevo newsletters, p=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "parti-b.test", who: "party on OVH ending ?all", spf: StatusFail, dmarc: StatusFail},
	{domain: "parti-c.test", who: "party ending +all", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-d.test", who: "party on Gandi with no all, no DMARC", spf: StatusFail, dmarc: StatusFail},
	{domain: "parti-e.test", who: "party with two SPF records (Google and Mailchimp)", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-f.test", who: "party with seven senders: 11 lookups", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-g.test", who: "party testing p=reject with t=y", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusWarn, deviation: "reject+t=y warns"},
	{domain: "parti-h.test", who: "party testing p=quarantine with t=y", spf: StatusPass, dmarc: StatusFail},
	{domain: "parti-i.test", who: "typos: inlcude: and p=quarantaine", spf: StatusFail, dmarc: StatusFail},
	{domain: "parti-j.test", who: "typos: ~al and a missing semicolon", spf: StatusFail, dmarc: StatusFail},
	{domain: "parti-k.test", who: "DMARC record without p=", spf: StatusPass, dmarc: StatusFail},
	{domain: "parti-l.test", who: "party on Google, p=reject", spf: StatusPass, dmarc: StatusPass},
	{domain: "newsletter.parti-l.test", who: "newsletter sub-domain: Mailchimp's ?all inside an include, DMARC from the parent", spf: StatusPass, dmarc: StatusPass},
	{domain: "parti-m.test", who: "include of a cheap host whose record is +all", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-n.test", who: "include of a former host that removed its record", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-o.test", who: "redirect= to a record ending ?all", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-p.test", who: "-all followed by a redirect= that does not exist (ignored)", spf: StatusPass, dmarc: StatusPass},
	{domain: "parti-q.test", who: "include loop, two DMARC records", spf: StatusFail, dmarc: StatusFail},
	// universities
	{domain: "univ-a.test", who: "university on the research network relay, p=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "univ-b.test", who: "university listing ten a:host servers: 11 lookups by RFC 7208", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusFail, deviation: `"a:host" and "mx:host" count as lookups`},
	{domain: "univ-c.test", who: "university with an unknown DMARC tag report=daily", spf: StatusPass, dmarc: StatusFail,
		vigieDMARC: StatusPass, deviation: "Unknown tags are ignored"},
	{domain: "univ-d.test", who: "university with p=reject sp=none", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusFail, deviation: "sp=none also fails"},
	{domain: "univ-e.test", who: "university on the relay and Google: 8 lookups, strict alignment", spf: StatusPass, dmarc: StatusPass},
	// small associations
	{domain: "asso-a.test", who: "association on Gandi ending ?all, no DMARC", spf: StatusFail, dmarc: StatusFail},
	{domain: "asso-b.test", who: "association with neither SPF nor DMARC", spf: StatusFail, dmarc: StatusFail},
	{domain: "asso-c.test", who: "association on OVH done right", spf: StatusPass, dmarc: StatusPass},
	{domain: "asso-d.test", who: `a bare "v=spf1"`, spf: StatusFail, dmarc: StatusPass},
	{domain: "asso-e.test", who: "two DMARC records", spf: StatusPass, dmarc: StatusFail},
	{domain: "asso-f.test", who: `SPF record missing its "v=" ("spf1 ...")`, spf: StatusFail, dmarc: StatusPass},
}

// TestInternetNLAgreement runs mail.spf and mail.dmarc on every record set
// and checks Vigie gives internet.nl's verdict, or, where it deliberately
// deviates, its own documented verdict. The agreement figure printed in
// doc.go must be the one measured here.
func TestInternetNLAgreement(t *testing.T) {
	var zone strings.Builder
	for _, f := range []string{"providers.zone", "records.zone"} {
		b, err := os.ReadFile("testdata/internetnl/" + f)
		if err != nil {
			t.Fatal(err)
		}
		zone.Write(b)
	}
	raw, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	// The package comment as one line of words, without the "//" markers.
	doc := strings.Join(strings.Fields(strings.ReplaceAll(string(raw), "\n//", "\n")), " ")
	c := newTestChecker(t, startDNS(t, zone.String()), Options{})
	if len(inlCases) < 40 {
		t.Fatalf("%d record sets, want at least 40", len(inlCases))
	}
	agree := map[string]int{}
	seen := map[string]bool{}
	for _, tc := range inlCases {
		if seen[tc.domain] {
			t.Errorf("%s listed twice", tc.domain)
		}
		seen[tc.domain] = true
		for _, k := range []struct {
			id         string
			inl, vigie Status
		}{{"mail.spf", tc.spf, tc.vigieSPF}, {"mail.dmarc", tc.dmarc, tc.vigieDMARC}} {
			want := k.inl
			if k.vigie != "" {
				want = k.vigie
				if k.vigie == k.inl {
					t.Errorf("%s %s: deviation recorded with the same verdict %s as internet.nl", tc.domain, k.id, k.inl)
				}
				if tc.deviation == "" || !strings.Contains(doc, tc.deviation) {
					t.Errorf("%s %s: deviation %q is not documented in doc.go", tc.domain, k.id, tc.deviation)
				}
			}
			ch := runOne(t, c, tc.domain, k.id)
			if ch.Status != want {
				t.Errorf("%s (%s) %s: Vigie %s %q, want %s (internet.nl %s)\nevidence: %q", tc.domain, tc.who, k.id, ch.Status, ch.Summary, want, k.inl, ch.Evidence)
			}
			if ch.Status == k.inl {
				agree[k.id]++
			}
		}
	}
	n := len(inlCases)
	figure := fmt.Sprintf("mail.spf %d of %d, mail.dmarc %d of %d", agree["mail.spf"], n, agree["mail.dmarc"], n)
	t.Logf("agreement with internet.nl: %s", figure)
	if !strings.Contains(doc, figure) {
		t.Errorf("doc.go does not state the measured agreement %q", figure)
	}
}
