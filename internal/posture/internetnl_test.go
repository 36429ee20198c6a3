package posture

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// inlCase is one record set of testdata/internetnl/records.zone and the
// verdicts internet.nl gives it, read from its source
// (internetstandards/Internet.nl at the July 2026 head) and mapped to
// Vigie's statuses:
//   - mail.spf, mail.dmarc (checks/tasks/mail.py: spf_check_policy,
//     dmarc_verify_sufficient_policy, dmarc_verify_external_destinations):
//     its "spf"/"spf_policy" and "dmarc"/"dmarc_policy" subtests good =
//     pass, "invalid external" (a notice) = warn, any bad verdict = fail;
//   - mail.dkim (do_dkim, skip_dkim_for_non_sending_domain): good or
//     "no-email" = pass, bad = fail;
//   - mail.mx (checks/tasks/shared.py do_mail_get_servers, the MX status
//     its IPv6 and STARTTLS categories report): MX or null MX = pass (a null
//     MX on a name without address is "unnecessary", an info), null MX next
//     to other MX = warn (a notice), no MX = warn ("no-null-mx" and "other"
//     both ask for an MX or a null MX);
//   - dns.caa (checks/caa, the web_caa subtest, a notice at worst): good =
//     pass, missing, insufficient or syntax error = warn;
//   - dns.dnssec (checks/tasks/dnssec.py): secure = pass, insecure or bogus
//     = fail;
//   - mail.starttls (starttls_exists) and mail.dane (dane_exists then
//     dane_valid): good = pass, bad or bogus = fail; for a null MX both are
//     "not tested" because there is nothing to secure = pass; where
//     internet.nl does not test them (no MX, a null MX next to real ones,
//     DANE of an MX without STARTTLS) they are not compared ("-").
type inlCase struct {
	domain, who string
	spf, dmarc  Status // internet.nl
	// vigieSPF, vigieDMARC are Vigie's verdict where it deliberately
	// deviates ("" = the same as internet.nl); deviation is a phrase of
	// doc.go that documents it.
	vigieSPF, vigieDMARC Status
	deviation            string
	// inl overrides inlDefault: internet.nl's verdict on the other checks,
	// "check=status" separated by spaces, "-" for not compared.
	inl string
	// vigie overrides inlVigieDefault: Vigie's own verdict where it
	// deliberately deviates ("check=" for none); inlDeviationDoc holds the
	// phrase of doc.go that explains each.
	vigie string
}

// inlDefault is internet.nl's verdict on what most record sets publish:
// an MX that offers STARTTLS, a _domainkey node, no CAA, no DNSSEC, no
// TLSA.
const inlDefault = "mx=pass dkim=pass caa=warn dnssec=fail starttls=pass dane=fail"

// inlVigieDefault: without TLSA, Vigie warns where internet.nl fails.
const inlVigieDefault = "dane=warn"

// inlDeviationDoc maps each deliberate deviation on these checks to the
// phrase of doc.go that gives its reason.
var inlDeviationDoc = map[string]string{
	"mail.dane=warn": "no TLSA at all warns (internet.nl fails its DANE existence test there",
	"mail.dkim=warn": "RSA under 1024 bits warns (forgeable; internet.nl does not read keys)",
	"dns.caa=fail":   "an unknown tag with the critical flag fails, since every CA must then refuse to issue (internet.nl: a notice)",
}

// inlChecks are the check ids compared besides mail.spf and mail.dmarc,
// in the order the agreement figure lists them.
var inlChecks = []string{"mail.mx", "mail.dkim", "mail.starttls", "mail.dane", "dns.caa", "dns.dnssec"}

// inlVerdicts reads "check=status ..." over defaults.
func inlVerdicts(t *testing.T, defaults, overrides string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range append(strings.Fields(defaults), strings.Fields(overrides)...) {
		k, v, ok := strings.Cut(f, "=")
		id := ""
		for _, c := range inlChecks {
			if strings.HasSuffix(c, "."+k) {
				id = c
			}
		}
		if !ok || id == "" {
			t.Fatalf("bad verdict %q", f)
		}
		out[id] = v
	}
	return out
}

// inlSigned are the record sets the test signs with DNSSEC under its own
// root and test. keys, with TLSA records for their own MX hosts (matching
// the certificate the loopback MX presents, or, for socialco, another
// one); fruitco's SOA signature has expired. The others get the test.
// zone's signed NSEC proof that they have no DS.
var inlSigned = map[string]string{
	"searchco.test":    "smtp.searchco.test",
	"socialco.test":    "smtpin.socialco.test",
	"fruitco.test":     "",
	"ministere-a.test": "smtp.ministere-a.test",
	"univ-e.test":      "mx.univ-e.test",
	"asso-c.test":      "",
}

var inlCases = []inlCase{
	// big tech
	{domain: "searchco.test", who: "search engine on its own Google Workspace", spf: StatusPass, dmarc: StatusPass, inl: "dkim=pass caa=pass dnssec=pass dane=pass", vigie: "dane="},
	{domain: "softwareco.test", who: "software vendor: own includes and Microsoft 365, rua on a sub-domain", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass"},
	{domain: "socialco.test", who: "social network: SPF through redirect=", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass dnssec=pass dane=fail", vigie: "dane="},
	{domain: "fruitco.test", who: "hardware maker: one /8, p=quarantine sp=reject", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass"},
	{domain: "shopco.test", who: "retailer: Amazon SES and Google", spf: StatusPass, dmarc: StatusPass},
	// banks
	{domain: "bank-m365.test", who: "bank on Microsoft 365, rua at a vendor without authorisation", spf: StatusPass, dmarc: StatusWarn},
	{domain: "m365-bank.test", who: "bank on Microsoft 365, rua at a vendor that authorised it", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass"},
	{domain: "bank-ptr.test", who: "bank with the deprecated ptr mechanism", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusWarn, deviation: "ptr mechanism warns", inl: "dkim=fail"},
	{domain: "bank-redirect.test", who: "bank: redirect= to a record ending ~all, p=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "bank-pct.test", who: "bank rolling out: p=quarantine pct=25", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusWarn, deviation: "pct<100 warns"},
	{domain: "bank-stacked.test", who: "bank stacking every sender: 12 lookups", spf: StatusFail, dmarc: StatusPass},
	{domain: "bank-overflow.test", who: "bank whose 11th and 12th lookups are in its last include", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusFail, deviation: "only when it follows one more include or redirect"},
	// state
	{domain: "ministere-a.test", who: "ministry on the state relay, includes three deep", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass dnssec=pass dane=pass", vigie: "dane="},
	{domain: "etat.test", who: "organisational domain with p=reject sp=none", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusFail, deviation: "sp=none also fails", inl: "dkim=fail caa=pass"},
	{domain: "service.etat.test", who: "service whose DMARC comes from its organisational domain's sp=none", spf: StatusPass, dmarc: StatusFail, inl: "dkim=fail caa=pass"},
	{domain: "etat2.test", who: "organisational domain with p=quarantine", spf: StatusPass, dmarc: StatusPass},
	{domain: "agence.etat2.test", who: "agency including its parent's SPF, DMARC from the parent", spf: StatusPass, dmarc: StatusPass, inl: "dkim=fail"},
	{domain: "prefecture.test", who: "DMARC record published at the domain instead of _dmarc", spf: StatusPass, dmarc: StatusFail, inl: "dkim=fail"},
	{domain: "mairie.test", who: "DMARC at dmarc. and _dmarc.www., not _dmarc.", spf: StatusPass, dmarc: StatusFail, inl: "starttls=fail dane=-", vigie: "dane="},
	{domain: "parked-gouv.test", who: "parked domain: null MX, -all, p=reject", spf: StatusPass, dmarc: StatusPass, inl: "dane=pass", vigie: "dane="},
	{domain: "parked-soft.test", who: "parked domain ending ~all", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusWarn, deviation: "(internet.nl passes it)", inl: "dkim=fail dane=pass", vigie: "dane="},
	{domain: "parked-quar.test", who: "parked domain with p=quarantine", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusWarn, deviation: "quarantine warns (internet.nl passes it)", inl: "dkim=fail dane=pass", vigie: "dane="},
	{domain: "parked-nodmarc.test", who: "parked domain without DMARC", spf: StatusPass, dmarc: StatusFail, inl: "dkim=fail dane=pass", vigie: "dane="},
	// political parties
	{domain: "parti-a.test", who: "party on Google with Brevo newsletters, p=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "parti-b.test", who: "party on OVH ending ?all", spf: StatusFail, dmarc: StatusFail, inl: "dkim=fail"},
	{domain: "parti-c.test", who: "party ending +all", spf: StatusFail, dmarc: StatusPass, inl: "dkim=fail starttls=fail dane=-", vigie: "dane="},
	{domain: "parti-d.test", who: "party on Gandi with no all, no DMARC", spf: StatusFail, dmarc: StatusFail},
	{domain: "parti-e.test", who: "party with two SPF records (Google and Mailchimp)", spf: StatusFail, dmarc: StatusPass, inl: "caa=warn"},
	{domain: "parti-f.test", who: "party with seven senders: 11 lookups", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-g.test", who: "party testing p=reject with t=y", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusWarn, deviation: "reject+t=y warns", inl: "caa=pass"},
	{domain: "parti-h.test", who: "party testing p=quarantine with t=y", spf: StatusPass, dmarc: StatusFail},
	{domain: "parti-i.test", who: "typos: inlcude: and p=quarantaine", spf: StatusFail, dmarc: StatusFail, inl: "dkim=fail"},
	{domain: "parti-j.test", who: "typos: ~al and a missing semicolon", spf: StatusFail, dmarc: StatusFail, inl: "dkim=fail"},
	{domain: "parti-k.test", who: "DMARC record without p=", spf: StatusPass, dmarc: StatusFail, vigie: "dkim=warn"},
	{domain: "parti-l.test", who: "party on Google, p=reject", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass"},
	{domain: "newsletter.parti-l.test", who: "newsletter sub-domain: Mailchimp's ?all inside an include, DMARC from the parent", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass"},
	{domain: "parti-m.test", who: "include of a cheap host whose record is +all", spf: StatusFail, dmarc: StatusPass, inl: "dkim=fail"},
	{domain: "parti-n.test", who: "include of a former host that removed its record", spf: StatusFail, dmarc: StatusPass, inl: "dkim=fail"},
	{domain: "parti-o.test", who: "redirect= to a record ending ?all", spf: StatusFail, dmarc: StatusPass},
	{domain: "parti-p.test", who: "-all followed by a redirect= that does not exist (ignored)", spf: StatusPass, dmarc: StatusPass, inl: "dkim=fail"},
	{domain: "parti-q.test", who: "include loop, two DMARC records", spf: StatusFail, dmarc: StatusFail, inl: "dkim=fail", vigie: "caa=fail"},
	// universities
	{domain: "univ-a.test", who: "university on the research network relay, p=none", spf: StatusPass, dmarc: StatusFail},
	{domain: "univ-b.test", who: "university listing ten a:host servers: 11 lookups by RFC 7208", spf: StatusPass, dmarc: StatusPass,
		vigieSPF: StatusFail, deviation: `"a:host" and "mx:host" count as lookups`, inl: "dkim=fail"},
	{domain: "univ-c.test", who: "university with an unknown DMARC tag report=daily", spf: StatusPass, dmarc: StatusFail,
		vigieDMARC: StatusPass, deviation: "Unknown tags are ignored", inl: "caa=pass"},
	{domain: "univ-d.test", who: "university with p=reject sp=none", spf: StatusPass, dmarc: StatusPass,
		vigieDMARC: StatusFail, deviation: "sp=none also fails", inl: "dkim=fail"},
	{domain: "univ-e.test", who: "university on the relay and Google: 8 lookups, strict alignment", spf: StatusPass, dmarc: StatusPass, inl: "caa=pass dnssec=pass dane=pass", vigie: "dane="},
	// small associations
	{domain: "asso-a.test", who: "association on Gandi ending ?all, no DMARC", spf: StatusFail, dmarc: StatusFail, inl: "dkim=fail"},
	{domain: "asso-b.test", who: "association with neither SPF nor DMARC", spf: StatusFail, dmarc: StatusFail, inl: "dkim=fail starttls=fail dane=-", vigie: "dane="},
	{domain: "asso-c.test", who: "association on OVH done right", spf: StatusPass, dmarc: StatusPass, inl: "dnssec=pass"},
	{domain: "asso-d.test", who: `a bare "v=spf1"`, spf: StatusFail, dmarc: StatusPass, inl: "dkim=fail"},
	{domain: "asso-e.test", who: "two DMARC records", spf: StatusPass, dmarc: StatusFail, inl: "dkim=fail"},
	{domain: "asso-f.test", who: `SPF record missing its "v=" ("spf1 ...")`, spf: StatusFail, dmarc: StatusPass, inl: "dkim=fail"},
	// domains that take or send no mail, and say it well or badly
	{domain: "nullmx-mixed.test", who: "null MX left next to the real MX", spf: StatusPass, dmarc: StatusPass,
		inl: "mx=warn dkim=fail starttls=- dane=-", vigie: "dane="},
	{domain: "nomx-parked.test", who: "parked web site: no MX, -all, p=reject", spf: StatusPass, dmarc: StatusPass,
		inl: "mx=warn starttls=- dane=-", vigie: "dane="},
	{domain: "nomx-sender.test", who: "sends through Google, receives nowhere", spf: StatusPass, dmarc: StatusPass,
		inl: "mx=warn dkim=fail starttls=- dane=-", vigie: "dane="},
	{domain: "nullmx-noaddr.test", who: "null MX on a name without address", spf: StatusPass, dmarc: StatusPass,
		inl: "dane=pass", vigie: "dane="},
}

// inlZone is the text of the record sets, with the DKIM keys substituted
// and every MX host without an address given 127.0.0.1 (the MX with
// STARTTLS); it returns the MX host names too.
func inlZone(t *testing.T) (string, []string) {
	t.Helper()
	var zone strings.Builder
	for _, f := range []string{"providers.zone", "records.zone"} {
		b, err := os.ReadFile("testdata/internetnl/" + f)
		if err != nil {
			t.Fatal(err)
		}
		zone.Write(b)
	}
	text := zone.String()
	for _, bits := range []string{"512", "1024", "2048"} {
		key := readKey(t, bits)
		var parts []string
		for len(key) > 200 {
			parts = append(parts, key[:200])
			key = key[200:]
		}
		parts = append(parts, key)
		text = strings.ReplaceAll(text, "@RSA"+bits+`@"`, strings.Join(parts, `" "`)+`"`)
	}
	zp := dns.NewZoneParser(strings.NewReader(text), "", "records.zone")
	zp.SetDefaultTTL(300)
	hasAddr := map[string]bool{}
	var hosts []string
	for r, ok := zp.Next(); ok; r, ok = zp.Next() {
		switch v := r.(type) {
		case *dns.A:
			hasAddr[strings.ToLower(v.Hdr.Name)] = true
		case *dns.MX:
			if v.Mx != "." && !slices.Contains(hosts, strings.ToLower(v.Mx)) {
				hosts = append(hosts, strings.ToLower(v.Mx))
			}
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if !hasAddr[h] {
			text += h + " A 127.0.0.1\n"
		}
	}
	return text, hosts
}

// TestInternetNLAgreement runs the checks internet.nl also has on every
// record set and checks Vigie gives internet.nl's verdict, or, where it
// deliberately deviates, its own documented verdict. The agreement figure
// printed in doc.go must be the one measured here.
func TestInternetNLAgreement(t *testing.T) {
	text, mxHosts := inlZone(t)
	raw, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	// The package comment as one line of words, without the "//" markers.
	doc := strings.Join(strings.Fields(strings.ReplaceAll(string(raw), "\n//", "\n")), " ")
	z := startDNS(t, text)

	// DNSSEC: a test root and test. zone, the signed record sets, and the
	// signed proof that the others have no DS.
	now := time.Now()
	from, to := now.Add(-7*24*time.Hour), now.Add(21*24*time.Hour)
	root, tld := newZoneKey(t, "."), newZoneKey(t, "test.")
	z.add(root.sign(t, []dns.RR{root.key}, from, to)...)
	z.add(root.sign(t, []dns.RR{root.ds(tld)}, from, to)...)
	z.add(tld.sign(t, []dns.RR{tld.key}, from, to)...)
	ca := newCA(t)
	var certNames []string
	for _, h := range mxHosts {
		certNames = append(certNames, strings.TrimSuffix(h, "."))
	}
	mxCert := ca.issue(t, certNames...)
	other := ca.issue(t, "old-mx.test")
	tlsa := func(name string, cert tls.Certificate) dns.RR {
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		r := &dns.TLSA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: 3600}}
		if err := r.Sign(3, 1, 1, leaf); err != nil {
			t.Fatal(err)
		}
		return r
	}
	denied := map[string]bool{}
	for _, tc := range inlCases {
		labels := dns.SplitDomainName(tc.domain)
		reg := dns.Fqdn(strings.Join(labels[len(labels)-2:], "."))
		mx, signed := inlSigned[strings.TrimSuffix(reg, ".")]
		switch {
		case signed && reg == dns.Fqdn(tc.domain):
			k := newZoneKey(t, reg)
			z.add(tld.sign(t, []dns.RR{tld.ds(k)}, from, to)...)
			z.add(k.sign(t, []dns.RR{k.key}, from, to)...)
			soaTo := to
			if reg == "fruitco.test." {
				soaTo = now.Add(-36 * time.Hour)
			}
			z.add(k.sign(t, []dns.RR{rr(t, reg+" 3600 IN SOA ns1."+reg+" hostmaster."+reg+" 2026120701 7200 3600 1209600 300")}, from, soaTo)...)
			if mx != "" {
				cert := mxCert
				if reg == "socialco.test." {
					cert = other
				}
				z.add(k.sign(t, []dns.RR{tlsa("_25._tcp."+mx+".", cert)}, from, to)...)
			}
		case !signed && !denied[reg]:
			denied[reg] = true
			z.Deny(reg, tld.sign(t, []dns.RR{nsec(reg, "x-next."+reg, dns.TypeNS, dns.TypeRRSIG, dns.TypeNSEC)}, from, to)...)
		}
	}

	// The MX hosts: 127.0.0.1 offers STARTTLS with a certificate for every
	// MX name, 127.0.0.2 on the same port offers none.
	port := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{mxCert}, MinVersion: tls.VersionTLS12})
	startSMTPAt(t, fmt.Sprintf("127.0.0.2:%d", port), nil)

	c := newTestChecker(t, z, Options{SMTPPort: port, RootCAs: ca.pool, TrustAnchors: []*dns.DS{root.key.ToDS(dns.SHA256)}, Now: time.Now})
	if len(inlCases) < 40 {
		t.Fatalf("%d record sets, want at least 40", len(inlCases))
	}
	agree, compared := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, tc := range inlCases {
		if seen[tc.domain] {
			t.Errorf("%s listed twice", tc.domain)
		}
		seen[tc.domain] = true
		type verdict struct {
			id         string
			inl, vigie Status
			why        string
		}
		vs := []verdict{{"mail.spf", tc.spf, tc.vigieSPF, tc.deviation}, {"mail.dmarc", tc.dmarc, tc.vigieDMARC, tc.deviation}}
		inl, dev := inlVerdicts(t, inlDefault, tc.inl), inlVerdicts(t, inlVigieDefault, tc.vigie)
		for _, id := range inlChecks {
			if inl[id] == "-" {
				continue
			}
			vs = append(vs, verdict{id, Status(inl[id]), Status(dev[id]), inlDeviationDoc[id+"="+dev[id]]})
		}
		for _, k := range vs {
			want := k.inl
			if k.vigie != "" {
				want = k.vigie
				if k.vigie == k.inl {
					t.Errorf("%s %s: deviation recorded with the same verdict %s as internet.nl", tc.domain, k.id, k.inl)
				}
				if k.why == "" || !strings.Contains(doc, k.why) {
					t.Errorf("%s %s: deviation %q is not documented in doc.go", tc.domain, k.id, k.why)
				}
			}
			ch := runOne(t, c, tc.domain, k.id)
			if ch.Status != want {
				t.Errorf("%s (%s) %s: Vigie %s %q, want %s (internet.nl %s)\nevidence: %q", tc.domain, tc.who, k.id, ch.Status, ch.Summary, want, k.inl, ch.Evidence)
			}
			compared[k.id]++
			if ch.Status == k.inl {
				agree[k.id]++
			}
		}
	}
	var parts []string
	for _, id := range append([]string{"mail.spf", "mail.dmarc"}, inlChecks...) {
		parts = append(parts, fmt.Sprintf("%s %d of %d", id, agree[id], compared[id]))
	}
	figure := strings.Join(parts, ", ")
	t.Logf("agreement with internet.nl: %s", figure)
	if !strings.Contains(doc, figure) {
		t.Errorf("doc.go does not state the measured agreement %q", figure)
	}
}
