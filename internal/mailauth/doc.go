// Package mailauth is the shared base of Vigie's mail sender
// authentication: the DNS lookups that DKIM, SPF, DMARC and ARC need,
// an archive of past DNS records for forensic checks, and the
// organisational-domain and alignment rules of DMARC.
//
// The checks themselves live in sub-packages:
//
//   - dkim: DKIM verification (RFC 6376, Ed25519 RFC 8463, RFC 8301
//     crypto rules) with forensic facts, and the leak authenticator's
//     verdict (authentic, authentic-with-caveats, altered, unverifiable);
//   - spf: SPF evaluation (RFC 7208);
//   - dmarc: DMARC record discovery, alignment and policy (RFC 7489);
//   - arc: ARC chain validation (RFC 8617);
//   - authres: Authentication-Results parsing (RFC 8601).
//
// # Two users, two ways of finding keys
//
// The mail filter (vigie mail) checks mail as it arrives: keys come from
// live DNS (DNSResolver, pointed at a configurable server) and the rules
// are judged at the current time. A DNS failure never aborts a check: it
// becomes temperror.
//
// The leak authenticator (vigie leak) checks mail that was sent years
// ago. The signing keys have often been rotated out of DNS, so keys come
// from an Archive (a zone file or a plain list of records, each
// optionally with the period it was published) and then from DNS:
//
//	archive, err := mailauth.LoadArchiveFile("keys.zone")
//	resolver := mailauth.Chain{archive, mailauth.NewDNSResolver("9.9.9.9", 5*time.Second)}
//
// DKIM verification asks every member of a Chain (Chain.LookupTXTAll),
// tries every key found for the selector, and reports whether the key
// that verifies is in DNS, in the archive, or in both ("dns+archive"):
// "key from the archive only" is a caveat of the forensic verdict.
// Time-dependent rules are judged at the message's own date
// (dkim.JudgeMessageDate), which also selects the archived keys valid
// then. SPF and DMARC use the first member that answers (Chain.LookupTXT).
//
// # Archive syntax
//
// Zone-file records, `owner [ttl] [class] TXT "string" "string"...` with
// $ORIGIN, relative names and parentheses across lines, or the plain
// one-line form `selector._domainkey.domain v=DKIM1; k=rsa; p=...` used
// by opendkim's TestPublicKeys. A trailing comment `; valid FROM..TO`
// (dates YYYY-MM-DD, TO inclusive, or RFC 3339 times; either end may be
// left empty) gives the period the key was published:
//
//	s2016._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; "
//	        "p=MIIBIjANBg..." ) ; valid 2016-01-01..2017-06-30
//	s2017._domainkey.example.org v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo= ; valid 2017-07-01..
//
// Records of other types are counted in Archive.Ignored, not used.
// Errors name the file and line.
package mailauth
