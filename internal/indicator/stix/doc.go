// Package stix reads and writes STIX 2.1 bundles as Vigie indicators.
//
// STIX (Structured Threat Information Expression) is the OASIS JSON format
// in which threat-intelligence platforms (OpenCTI, MISP, national CERTs,
// MITRE ATT&CK) exchange what they know. A bundle is a list of objects:
// "indicator" objects carry a detection pattern such as
//
//	[file:hashes.'SHA-256' = 'ef53…' OR domain-name:value = 'accounts-google.com']
//
// "malware" and "intrusion-set" objects (X-Agent, APT28) are what the
// indicators relate to through "relationship" objects of type "indicates",
// "identity" objects name who produced them, and "marking-definition"
// objects give the TLP (who may see them).
//
// Decode turns a bundle (or a single object, a bare array of objects, or a
// TAXII envelope) into an indicator.Collection. Each "=" or "IN" comparison
// of a pattern on an object path Vigie can match (file hashes and names,
// domain names, URLs, IPv4/IPv6 addresses and blocks, e-mail addresses)
// becomes one Indicator. Everything that cannot become one — a NOT, a LIKE or
// MATCHES, a WITHIN or REPEATS qualifier, an AND that Vigie has to loosen
// into separate indicators, an x509 certificate, a Snort rule — is recorded
// as a Problem naming the object, never dropped silently. Objects that carry
// no indicator (attack patterns, reports, ATT&CK's x-mitre-* objects) are
// counted in Collection.Skipped.
//
// Encode writes a STIX 2.1 bundle: one "indicator" per Vigie indicator, the
// TLP marking definitions it uses, a "malware", "intrusion-set" (…) object
// per threat with an "indicates" relationship, and an "identity" for the
// producer and for each source. Output is deterministic: the same collection
// and options give the same bytes (ids are UUIDv5, see ids.go).
//
// What survives a round trip (Collection → STIX → Collection): type,
// value, TLP, threats (with kind and aliases), valid_from/valid_until,
// confidence, description, labels (Tags), source and YARA rule text. Choices
// made to get there:
//
//   - An Informational indicator (MISP to_ids=false) is still written as an
//     indicator, with the label "informational"; Decode turns that label
//     back into Informational and does not keep it as a tag.
//   - Source is an "identity" object (created_by_ref); indicators without a
//     Source are created by the producer identity (EncodeOptions.Identity,
//     "Vigie"), so they come back with that name as Source.
//   - name is written as the indicator's value (as OpenCTI does); on reading,
//     a name that is only the value is not taken as a description.
//   - WHITE is written with the TLP 1.0 id, CLEAR and AMBER+STRICT with TLP
//     2.0 ids, GREEN/AMBER/RED with TLP 1.0 ids unless EncodeOptions.TLP2.
//   - A PathRegex (Loki file-path regex) has no STIX equivalent; it is
//     written as [file:x_vigie_full_path MATCHES '…'] with its exclusion in
//     x_vigie_exclude, which only Vigie reads back.
//   - A STIX indicator whose pattern holds several values becomes several
//     Vigie indicators sharing its id; written back, the first keeps the id
//     and the others get derived ids (one STIX indicator per value).
//
// A large bundle is decoded on every core (pipeline.go): after the first
// few thousand objects, the reading goroutine cuts the "objects" array into
// batches, workers turn each batch into indicators and a list of effects
// (problems, skipped counts, identities, markings, threats, relationships),
// and one goroutine applies the batches in input order. Limits, the problem
// cap and the first error of a strict read are decided there, so the result
// is exactly that of reading one object after the other.
//
// The pattern parser (ParsePattern) implements the whole STIX 2.1 patterning
// grammar, not only the subset Vigie turns into indicators, so that a pattern
// Vigie cannot use is reported as "unsupported" and a broken one as
// "malformed", with the position of the error.
package stix
