// Package misp reads and writes MISP events and static MISP feeds.
//
// MISP (the Malware Information Sharing Platform) is what most CERTs and
// ISACs, and France's ANSSI partners, use to share indicators. An event
// ("Phishing wave against candidate X, March") holds attributes — typed
// values such as an md5, a domain or an ip-dst — and objects that group
// attributes (a "file" object with its md5, sha256 and filename). Tags
// carry the TLP ("tlp:amber") and galaxy clusters name threats
// (misp-galaxy:threat-actor="APT28"). A static feed is a directory any web
// server can publish: manifest.json (one summary per event),
// <event uuid>.json, and hashes.csv (the MD5 of every value, for quick
// look-ups).
//
// # Reading
//
// DecodeEvent accepts {"Event": {...}}, a bare event, a JSON array of
// either, a REST search response {"response": [...]}, and galaxy cluster
// files (which give threats only). ReadFeed reads a feed directory and
// checks hashes.csv against the events.
//
// Attribute types map to indicator types as follows:
//
//	md5, sha1, sha256, sha512          → the hash type
//	filename|md5 (sha1, sha256, sha512) → the hash, and the file name as an
//	                                     Informational Filename indicator
//	domain, hostname                   → Domain
//	domain|ip                          → Domain and IPv4/IPv6
//	url, uri (with a host)             → URL
//	link                               → URL, always Informational
//	ip-src, ip-dst (address or CIDR)   → IPv4 / IPv6
//	ip-src|port, ip-dst|port           → IPv4 / IPv6 with a "port:N" tag
//	email, email-src, email-dst, email-reply-to, whois-registrant-email → Email
//	filename                           → Filename
//	filename-pattern                   → PathRegex
//	yara                               → YARA (Value the first rule's name,
//	                                     Rule the source text)
//
// Descriptive types (text, comment, size-in-bytes, mime-type ...) are
// counted in Collection.Skipped; every other type (regkey, mutex, ssdeep,
// AS ...) is recorded as a ProblemUnsupported naming the attribute.
// Deleted attributes and objects are counted in Skipped.
//
// to_ids false makes the indicator Informational. Tags on the event apply
// to all its attributes, tags on an attribute add to them; a "tlp:*" tag
// (any case, TLP 1.0 and 2.0) sets the TLP, the attribute's winning over
// the event's and the most restrictive winning among several. Galaxy
// cluster tags (misp-galaxy:threat-actor, mitre-intrusion-set, malpedia,
// mitre-malware, mitre-tool ...) and Galaxy blocks become threats with a
// STIX kind, with the cluster's synonyms as aliases; a trailing MITRE id
// (" - G0007") is dropped from the name. Other tags become Indicator.Tags.
// Orgc (else Org) is the Source, the attribute comment the Description
// (else the object's comment, else the event info), first_seen/last_seen
// ValidFrom/ValidUntil (of the attribute, else of its object), timestamp
// Modified, the attribute uuid the ID (a second indicator from a composite
// attribute gets a version 5 UUID derived from it).
//
// # Writing
//
// EncodeEvent writes one event; BuildFeed and WriteFeed a feed, grouping
// indicators into events (FeedOptions.GroupBy; by default one event per
// source and first threat, with a stable uuid derived from that key).
// Each indicator is one attribute: hashes, domain, url, ip-dst (ip-dst|port
// when the indicator has one "port:N" tag), email-src, filename,
// filename-pattern, yara (the rule source). to_ids is !Informational. The
// TLP is an event tag when every attribute shares it, else attribute tags;
// threats shared by all attributes are event tags, others attribute tags:
// misp-galaxy:threat-actor, mitre-intrusion-set, mitre-malware,
// mitre-tool or campaign by kind, and vigie:threat="X" for a threat with no
// kind; aliases travel in a Galaxy block's meta.synonyms. The event's
// Orgc is the indicators' Source (EncodeEvent: when they all share one,
// else EncodeOptions.Org); an attribute whose Source differs carries a
// vigie:source="X" tag, read back as its Source; a Confidence is a
// vigie:confidence="85" tag. Events carry the
// tag "vigie:export", which tells the reader not to use the event info as
// the description of attributes without a comment.
//
// What a round trip through MISP keeps: type, value, TLP, threats (name,
// kind, aliases), Informational, ValidFrom/ValidUntil (to the
// microsecond), Modified (to the second), Description, Tags, Rule, Source,
// Confidence, and the ID when it is a UUID or ends in one (a STIX id
// "indicator--<uuid>" comes back as "<uuid>"). What it does not keep:
// Created (MISP attributes have none); an empty Source, which comes back as
// the exporting organisation (EncodeOptions.Org); a double quote in a
// threat or source name, written as a single quote inside the machine tag;
// threats of the Collection that no indicator refers to.
package misp
