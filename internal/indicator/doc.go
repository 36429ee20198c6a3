// Package indicator is the indicator-of-compromise (IOC) model shared by every
// part of Vigie: the hub stores indicators, sensors match files, mail, and DNS
// queries against them, and the format packages below it read and write them
// (STIX 2.1, MISP events and feeds, CSV, plain lists, Loki IOC files).
//
// An Indicator is one observable value an attacker left or used — the SHA-256
// of an X-Agent sample, a phishing domain such as "accounts-google.com", a
// command-and-control address — with what the analyst knows of it: its source,
// its TLP (who may see it), how long it is valid, and the threat (malware
// family, intrusion set such as APT28) it relates to.
//
// Values are normalised on the way in (Normalize): hashes and domains are
// lower-cased, internationalised domains are turned into their ASCII
// (punycode) form, trailing dots are removed, defanged forms such as
// "hxxp://evil[.]com" are re-armed, and addresses are canonicalised, so that
// the same indicator from two sources is the same value.
//
// Match sets (Matcher) answer "is this value an indicator?" for millions of
// indicators in well under a microsecond: exact sets for hashes, e-mail
// addresses and URLs, a reversed-label set for domains that also matches
// sub-domains, and a sorted range set for IP addresses and CIDR blocks.
//
// A Collection is what a reader returns: the indicators, the threats they
// relate to, and every item that was not turned into an indicator with the
// reason why (a malformed line, an unsupported STIX comparison, a value on a
// warning list), so that nothing is dropped silently.
package indicator
