package posture

import (
	"os"
	"strings"
	"testing"
)

// txtRR renders a TXT record of any length as 255-byte strings.
func txtRR(name, value string) string {
	var parts []string
	for len(value) > 255 {
		parts = append(parts, `"`+value[:255]+`"`)
		value = value[255:]
	}
	parts = append(parts, `"`+value+`"`)
	return name + " TXT " + strings.Join(parts, " ") + "\n"
}

func readKey(t *testing.T, bits string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/dkim-rsa" + bits + ".b64")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// mailZone holds the record sets of the mail tests, modelled on what
// parties and their hosts publish (Google Workspace, Microsoft 365, OVH,
// Gandi, report services).
func mailZone(t *testing.T) string {
	z := `
; Google Workspace, the records Google tells you to publish
gw.test.                  MX 1 aspmx.l.google.com.
gw.test.                  MX 5 alt1.aspmx.l.google.com.
gw.test.                  TXT "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"
gw.test.                  TXT "v=spf1 include:_spf.google.com ~all"
_spf.google.com.          TXT "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all"
_netblocks.google.com.    TXT "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ~all"
_netblocks2.google.com.   TXT "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all"
_netblocks3.google.com.   TXT "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ~all"
_dmarc.gw.test.           TXT "v=DMARC1; p=reject; rua=mailto:dmarc@gw.test; adkim=r; aspf=r"

; Microsoft 365
m365.test.                MX 0 m365-test.mail.protection.outlook.com.
m365.test.                TXT "MS=ms48239101"
m365.test.                TXT "v=spf1 include:spf.protection.outlook.com -all"
spf.protection.outlook.com. TXT "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/14 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 include:spfd.protection.outlook.com -all"
spfd.protection.outlook.com. TXT "v=spf1 ip4:51.4.72.0/24 ip4:51.5.72.0/24 -all"
_dmarc.m365.test.         TXT "v=DMARC1; p=quarantine; pct=100; rua=mailto:re+x7hq0a1@dmarc.postmarkapp.com"
m365.test._report._dmarc.dmarc.postmarkapp.com. TXT "v=DMARC1"

; OVH with a redirect, as OVH's own domain does
ovh.test.                 MX 1 mx1.mail.ovh.net.
ovh.test.                 TXT "v=spf1 redirect=_spf.ovh.test"
_spf.ovh.test.            TXT "v=spf1 include:mx.ovh.com -all"
mx.ovh.com.               TXT "v=spf1 ip4:46.105.0.0/16 ip4:87.98.128.0/17 ip4:178.32.0.0/15 ~all"
_dmarc.ovh.test.          TXT "v=DMARC1; p=none; rua=mailto:dmarc_agg@vali.email"

; Gandi with ?all, two SPF records and an external rua without consent
gandi.test.               MX 10 spool.mail.gandi.net.
gandi.test.               TXT "v=spf1 include:_mailcust.gandi.net ?all"
_mailcust.gandi.net.      TXT "v=spf1 ip4:217.70.176.0/20 ~all"
_dmarc.gandi.test.        TXT "v=DMARC1; p=quarantine; rua=mailto:reports@dmarc-service.example"
twospf.test.              MX 10 spool.mail.gandi.net.
twospf.test.              TXT "v=spf1 include:_mailcust.gandi.net ~all"
twospf.test.              TXT "v=spf1 include:_spf.google.com ~all"
_dmarc.twospf.test.       TXT "v=DMARC1; p=reject"
_dmarc.twospf.test.       TXT "v=DMARC1; p=none"

; a party stacking every newsletter and CRM sender: too many lookups
stacked.test.             MX 10 mx.stacked.test.
stacked.test.             TXT "v=spf1 a mx include:_spf.google.com include:spf.protection.outlook.com include:mx.ovh.com include:servers.mcsv.net include:sendgrid.net include:spf.mailjet.com -all"
servers.mcsv.net.         TXT "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ?all"
sendgrid.net.             TXT "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ~all"
spf.mailjet.com.          TXT "v=spf1 ip4:87.253.232.0/21 ip4:185.189.236.0/22 ?all"
_dmarc.stacked.test.      TXT "v=DMARC1; p=reject; t=y"
loop.test.                MX 10 mx.loop.test.
loop.test.                TXT "v=spf1 include:_spf.loop.test -all"
_spf.loop.test.           TXT "v=spf1 ip4:192.0.2.1 include:loop.test -all"
_dmarc.loop.test.         TXT "v=DMARC1; p=quarantine; t=y"
missing.test.             MX 10 mx.missing.test.
missing.test.             TXT "v=spf1 include:_spf.old-host.example -all"
_dmarc.missing.test.      TXT "v=DMARC1; p=reject; sp=none"
noall.test.               MX 10 mx.noall.test.
noall.test.               TXT "v=spf1 ip4:192.0.2.10 mx"
_dmarc.noall.test.        TXT "v=DMARC1; p=reject; pct=20"
bad.test.                 MX 10 mx.bad.test.
bad.test.                 TXT "v=spf1 ip4:192.0.2.300 -all"
_dmarc.bad.test.          TXT "v=DMARC1; p=block"

; a parked domain that sends no mail, done right and done halfway
parked.test.              MX 0 .
parked.test.              TXT "v=spf1 -all"
_dmarc.parked.test.       TXT "v=DMARC1; p=reject;"
halfparked.test.          MX 0 .
halfparked.test.          TXT "v=spf1 ~all"
_dmarc.halfparked.test.   TXT "v=DMARC1; p=quarantine"
nomx.test.                A 192.0.2.80
mixed.test.               MX 0 .
mixed.test.               MX 10 mx.mixed.test.
; a domain that sends (through Google) but receives nothing, and one that
; receives but sends nothing
sender.test.              TXT "v=spf1 include:_spf.google.com ~all"
receiver.test.            MX 10 mx.receiver.test.
receiver.test.            TXT "v=spf1 -all"
_dmarc.receiver.test.     TXT "v=DMARC1; p=reject"
`
	z += txtRR("google._domainkey.gw.test.", "v=DKIM1; k=rsa; p="+readKey(t, "2048"))
	z += txtRR("selector1._domainkey.m365.test.", "v=DKIM1; k=rsa; p="+readKey(t, "1024"))
	z += txtRR("default._domainkey.ovh.test.", "v=DKIM1; k=rsa; p="+readKey(t, "512"))
	z += txtRR("campagne2027._domainkey.gandi.test.", "v=DKIM1; k=rsa; p="+readKey(t, "2048"))
	z += txtRR("old._domainkey.twospf.test.", "v=DKIM1; k=rsa; p=")
	z += txtRR("mail._domainkey.bad.test.", "v=DKIM1; k=rsa; p=bm90IGEga2V5")
	return z
}

func TestMailChecks(t *testing.T) {
	z := startDNS(t, mailZone(t))
	c := newTestChecker(t, z, Options{})
	sel := newTestChecker(t, z, Options{DKIMSelectors: []string{"campagne2027"}})
	for _, tc := range []struct {
		domain, id string
		c          *Checker
		want       Status
		says       string
	}{
		{"gw.test", "mail.spf", c, StatusPass, "ending in ~all, 4 DNS lookups"},
		{"m365.test", "mail.spf", c, StatusPass, "ending in -all, 2 DNS lookups"},
		{"ovh.test", "mail.spf", c, StatusPass, "ending in -all"},
		{"gandi.test", "mail.spf", c, StatusFail, "ends in ?all"},
		{"twospf.test", "mail.spf", c, StatusFail, "2 SPF records"},
		{"stacked.test", "mail.spf", c, StatusFail, "needs 12 DNS lookups"},
		{"loop.test", "mail.spf", c, StatusFail, "loop"},
		{"missing.test", "mail.spf", c, StatusFail, "_spf.old-host.example, which publishes no SPF record"},
		{"noall.test", "mail.spf", c, StatusFail, "does not end in ~all or -all"},
		{"bad.test", "mail.spf", c, StatusFail, "invalid"},
		{"nomx.test", "mail.spf", c, StatusFail, "no SPF record"},
		{"parked.test", "mail.spf", c, StatusPass, "-all"},
		{"halfparked.test", "mail.spf", c, StatusWarn, "receives no mail"},

		{"gw.test", "mail.dmarc", c, StatusPass, "policy reject"},
		{"m365.test", "mail.dmarc", c, StatusPass, "policy quarantine"},
		{"ovh.test", "mail.dmarc", c, StatusFail, "is none"},
		{"gandi.test", "mail.dmarc", c, StatusWarn, "gandi.test._report._dmarc.dmarc-service.example"},
		{"twospf.test", "mail.dmarc", c, StatusFail, "2 DMARC records"},
		{"stacked.test", "mail.dmarc", c, StatusWarn, "t=y asks receivers to apply quarantine instead of reject"},
		{"loop.test", "mail.dmarc", c, StatusFail, "in effect none"},
		{"missing.test", "mail.dmarc", c, StatusFail, "sp=none"},
		{"noall.test", "mail.dmarc", c, StatusWarn, "pct=20"},
		{"bad.test", "mail.dmarc", c, StatusFail, "invalid"},
		{"nomx.test", "mail.dmarc", c, StatusFail, "no DMARC record"},
		{"sub.gw.test", "mail.dmarc", c, StatusPass, "policy reject"},
		{"parked.test", "mail.dmarc", c, StatusPass, "reject"},
		{"halfparked.test", "mail.dmarc", c, StatusWarn, "should be p=reject"},

		{"gw.test", "mail.dkim", c, StatusPass, "google (rsa 2048 bits)"},
		{"m365.test", "mail.dkim", c, StatusPass, "below the 2048 bits"},
		{"ovh.test", "mail.dkim", c, StatusWarn, "default (RSA 512 bits)"},
		{"gandi.test", "mail.dkim", c, StatusPass, "node exists"},
		{"gandi.test", "mail.dkim", sel, StatusPass, "campagne2027 (rsa 2048 bits)"},
		{"bad.test", "mail.dkim", c, StatusWarn, "cannot use"},
		{"twospf.test", "mail.dkim", c, StatusPass, "node exists"},
		{"noall.test", "mail.dkim", c, StatusFail, "NXDOMAIN"},
		{"parked.test", "mail.dkim", c, StatusPass, "sends no mail"},
		// internet.nl's rule: no mail sent means "v=spf1 -all" and
		// p=reject, whatever the MX says.
		{"halfparked.test", "mail.dkim", c, StatusFail, "NXDOMAIN"},
		{"sender.test", "mail.dkim", c, StatusFail, "NXDOMAIN"},
		{"receiver.test", "mail.dkim", c, StatusPass, "sends no mail"},

		{"gw.test", "mail.mx", c, StatusPass, "aspmx.l.google.com, alt1.aspmx.l.google.com"},
		{"parked.test", "mail.mx", c, StatusPass, "null MX"},
		{"nomx.test", "mail.mx", c, StatusWarn, "no MX record"},
		{"mixed.test", "mail.mx", c, StatusWarn, "must be alone"},
		{"absent.test", "mail.mx", c, StatusFail, "does not exist"},
	} {
		t.Run(tc.domain+"/"+tc.id, func(t *testing.T) {
			ch := runOne(t, tc.c, tc.domain, tc.id)
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s %s: %s %q\nwant %s containing %q\nevidence: %q", tc.domain, tc.id, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
			if ch.Status != StatusPass && ch.Status != StatusError && ch.Fix == "" {
				t.Errorf("%s %s: %s without a fix", tc.domain, tc.id, ch.Status)
			}
		})
	}
}
