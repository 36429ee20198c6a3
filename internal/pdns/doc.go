// Package pdns is Vigie's protective DNS resolver: a filtering, caching
// forwarder that a party runs on its office network or VPN so that the
// lookup of a phishing domain fails on every device, phones included, and
// the agency hears who tried.
//
// In 2016–2017 the spear-phishing links led to look-alike login pages
// (accounts-google.com, onedrive-en-marche.fr, portal-office.fr). A name
// is blocked when
//
//   - an indicator of type domain from the hub or a local file lists it or
//     one of its parents (a feed entry blocks the name and its sub-domains);
//   - a Response Policy Zone (RPZ) given with --rpz triggers on it: the
//     format unbound, BIND, Knot and PowerDNS users already have, with
//     QNAME triggers ("bad.example CNAME ." for the name, "*.bad.example"
//     for its sub-domains) and the NXDOMAIN, NODATA, PASSTHRU, DROP and
//     local-data actions;
//   - a plain list (one name a line, hosts-file lines, or "||name^") names
//     it or a parent;
//   - it imitates a protected domain (the party's own, its providers'),
//     by the look-alike detector of package lookalike, even when no feed
//     lists it yet. The protected owners' real domains are always allowed.
//
// The most specific trigger wins (www.bad.example before bad.example);
// between sources of equal specificity the order is allow-list, RPZ,
// indicators, plain lists, look-alikes.
//
// # What a blocked client gets
//
// NXDOMAIN by default, or with --sinkhole an address whose small web page
// (served by the resolver itself) says in plain words that the site was
// blocked, why, and whom to call. Every blocked answer to an EDNS client
// carries an Extended DNS Error (RFC 8914) "Blocked" (15) or "Filtered"
// (17) with the reason as its text, so a technician with dig sees why.
//
// # A correct resolver
//
// Answers are cached honouring their TTLs under a cap; NXDOMAIN and NODATA
// are cached for the SOA minimum (RFC 2308); when every upstream fails the
// last answer is served stale with a 30 s TTL (RFC 8767) for up to a day;
// names asked often are refreshed shortly before they expire. Queries to a
// plain UDP upstream use a fresh socket (a random source port), a random
// ID and a randomised letter case ("dns 0x20"); the answer must echo the
// question exactly, or the query is repeated over TCP, as it is when the
// answer is truncated. The EDNS buffer is 1232 bytes (DNS flag day 2020).
// The DO bit is passed upstream and the AD flag passed back from a
// validating upstream; this resolver does not validate DNSSEC itself.
//
// Only the networks given with --allow are answered (by default loopback
// and the private ranges: never an open resolver); others get REFUSED. Each
// client address has a token bucket (--rate-limit), so a flood from one
// device does not starve the others.
//
// # Speed, and why the hot path is hand-written
//
// On Linux a UDP reader takes every waiting query in one recvmmsg(2) and
// sends the answers it has in one sendmmsg(2) (listen_linux.go); sending
// the answers is most of a cache hit's cost, and it is the kernel's. Every
// query is parsed with a small allocation-free reader of the header, the
// one question and the OPT record (wire.go), then looked up in the cache;
// a cached answer whose name already passed the policy in force is copied
// into the reader's own buffer with its ID, the question's letter case and
// each TTL patched in place: no allocation, no policy look-up. Otherwise
// the name is checked against the policy with map look-ups of the name and
// its parents. A cache miss goes upstream on the wire too (forward.go):
// the query is written from the parsed question into a pooled buffer, the
// answer read into another, checked against the question and walked
// record by record for the cache's TTL (the SOA's for a negative answer),
// and the client's answer is the upstream's records behind the client's
// header and question. The github.com/miekg/dns library, which CoreDNS is
// built on, builds blocked and error answers, parses RPZ records and
// speaks to TLS and HTTPS upstreams. Unpacking every query and answer
// into a dns.Msg cost about 40 heap objects per forwarded query, and the
// latency tail under load was the garbage collector's; the wire path
// makes none once its pools are warm.
//
// Lists are built aside and swapped in atomically (SIGHUP, each hub pull):
// a query in flight keeps the policy it started with.
package pdns
