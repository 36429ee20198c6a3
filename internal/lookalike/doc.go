// Package lookalike tells whether a host name imitates a protected domain:
// the party's own domains and those of the providers it uses (Google,
// Microsoft, its webmail ...).
//
// Attackers register names that a hurried reader takes for the real one.
// The techniques seen against campaigns in 2016–2017 and since:
//
//   - homoglyphs and Unicode confusables: "gооgle.com" with Cyrillic "о",
//     "rnicrosoft.com" ("rn" for "m"), "g00gle.com" — often registered as
//     punycode ("xn--ggle-55da.com");
//   - typos (edit distance): "mail-en-march.fr" for "en-marche.fr";
//   - the brand combined with words by hyphens: "accounts-google.com",
//     "onedrive-en-marche.fr", "accounts-office.fr";
//   - the real domain as sub-domain labels of another: "google.com.evil.tk";
//   - the same name under another top-level domain: "en-marche.com";
//   - the brand glued to words: "googlesecurity.com".
//
// A Detector holds the protected domains grouped by owner (every domain an
// owner really uses is legitimate for that owner) and answers Check(host)
// with the technique, the protected domain imitated, a sentence for people
// and a confidence Score from 0 to 1 (StrongScore and above is strong
// evidence by itself). A protected sub-domain (accounts.google.com) is also
// caught written as one label ("accounts-google.com", "accoounts-google.com").
// CheckName also says why a name is not a valid host name (*NameError:
// too long, empty or over-long labels, bad punycode, bidi controls, a
// label mixing scripts that imitates nothing).
//
// Check keeps up with Certificate Transparency streams: about a million
// names per CPU-second with a party's domains protected, no allocation on
// the common path; memory does not grow with the name's length (names and
// labels are refused past their DNS limits before any work).
//
// The Generator (generate.go) writes the candidate names an attacker could
// register, with dnstwist's fuzzers and the combinations real campaigns
// used. The mail analyzer
// checks senders and links with it; the domain watch generates and checks
// candidate registrations with the same rules.
package lookalike
