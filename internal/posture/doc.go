// Package posture measures, from outside as anyone can, whether a party's
// domain resists impersonation and interception: can anyone send mail as
// @party.fr (SPF, DMARC, DKIM), can mail to the party be read or
// redirected in transit (STARTTLS, MTA-STS, TLS-RPT), is the web site only
// on HTTPS with HSTS, is the DNS set up to survive one outage.
//
// A Checker runs the checks of one or more domains; each Check is pass,
// warn, fail or error (Vigie could not tell: a timeout, a server that does
// not answer), with a sentence for people, the evidence (the records and
// answers seen) and the fix (an example record or setting, with the
// records of Google Workspace, Microsoft 365, OVH and Gandi where they
// differ). Every DNS query, connection and HTTP exchange is bounded by
// Options.Timeout; at most Options.Concurrency checks run at once; the
// caller's context bounds the whole run. Answers are bounded too: 100
// records per DNS answer, 40 SPF records per walk, 64 KiB for an MTA-STS
// policy, 32 KiB for security.txt, 1 KiB per SMTP line and 100 lines per
// reply, 10 MX hosts probed; for the TLS probe, 128 KiB of server flight
// per hello, 200 hellos per server, 12 times Options.Timeout per server,
// and a server that lets two hellos time out gets no more. The probe and
// the renegotiation and 0-RTT clients read the server through one reader
// (tlsrecord.go): records of at most 2^14+2048 bytes, handshake messages
// of at most 128 KiB reassembled across records, and at most 128 KiB per
// hello, 512 KiB per renegotiation test, 256 KiB per 0-RTT test.
//
// # Rules
//
// The levels follow internet.nl where it has a test; its mail rules
// (checks/tasks/mail.py in internetstandards/Internet.nl) were read for
// this version, and its web rules (checks/tasks/tls/http.py,
// checks/tasks/http_headers.py, checks/tasks/securitytxt.py) too.
// Each rule says what Vigie does and where it deviates:
//
//   - mail.mx: real MX records pass; a null MX ("MX 0 .", RFC 7505) passes
//     and marks the domain as one that takes no mail; a null MX next to
//     other MX records warns (RFC 7505 §3 forbids it, but senders use the
//     real MX; internet.nl: "null-mx-with-other-mx", a notice); no MX at
//     all warns (senders fall back to the A record; internet.nl: "no-null-mx"
//     or "other", each asking for an MX or a null MX); NXDOMAIN fails.
//
//   - mail.spf: exactly one "v=spf1" TXT record (RFC 7208 §4.5), valid
//     syntax (the parser of internal/mailauth/spf), every include and
//     redirect target publishing exactly one record, no loop, at most 10
//     DNS-querying terms (include, a, mx, ptr, exists, redirect) counted
//     through includes and redirects (§4.6.4), and the evaluation ending in
//     "-all" or "~all", directly or through redirect= (an "all" makes
//     redirect= ignored, §6.1). "?all", "+all" or no "all" and no redirect
//     fail (internet.nl: "invalid all", a partial score on its SPF policy
//     test; Vigie reports it as fail since such a record stops no forgery).
//     An include whose record ends in "+all" (or a bare "all") fails, as
//     it lets every server pass (internet.nl: "invalid include"); "?all",
//     "~all" or no "all" inside an include are fine (the include just
//     does not match). Like internet.nl, terms with macros are not
//     followed. Deviations: a domain that takes no mail (a null MX alone;
//     without any MX it may still send) should end in "-all": "~all" warns (internet.nl passes it); the ptr mechanism warns
//     (RFC 7208 §5.5: "SHOULD NOT" be used; internet.nl passes it);
//     "a:host" and "mx:host" count as lookups (RFC 7208 §4.6.4), where
//     internet.nl counts only the bare forms; internet.nl notices more
//     than 10 lookups only when it follows one more include or redirect,
//     Vigie counts all of them.
//
//   - mail.dmarc: exactly one "v=DMARC1" record at _dmarc.DOMAIN, falling
//     back to the organisational domain (whose sp= then applies, RFC 7489
//     §6.6.3); p=quarantine or p=reject pass, p=none fails (internet.nl:
//     the same, p= for the domain's own record, sp= when the record comes
//     from the organisational domain). A record without p=, with a
//     misspelt policy (p=quarantaine) or without the ";" after v=DMARC1
//     fails, as in internet.nl. Deviations: on the organisational
//     domain itself sp=none also fails, since it leaves every sub-domain
//     forgeable; internet.nl only looks at p= there. DMARCbis t=y makes
//     receivers apply one level less, so quarantine+t=y fails as none
//     (internet.nl: the same since June 2026) and reject+t=y warns
//     (internet.nl passes it). pct<100 warns (internet.nl ignores pct).
//     Unknown tags are ignored, as RFC 7489 §6.3 requires (internet.nl's
//     grammar rejects the whole record, a fail). A mailto: rua/ruf on another organisational
//     domain needs that domain's "DOMAIN._report._dmarc.DEST" authorisation
//     record (RFC 7489 §7.1): missing, it warns (internet.nl: "invalid
//     external", a notice). A domain with a null MX should have p=reject:
//     quarantine warns (internet.nl passes it).
//
//   - Agreement with internet.nl: internetnl_test.go serves 56 record sets
//     modelled on what big tech, banks, ministries, parties, universities
//     and associations publish (testdata/internetnl/: SPF, DMARC, DKIM
//     selectors, CAA, MX and null MX; six signed with DNSSEC under the
//     test's root, with TLSA records for their MX; MX hosts on loopback
//     with and without STARTTLS), and compares Vigie's verdict with the
//     one internet.nl's code gives (the mapping of its statuses is written
//     above inlCase). Agreeing: mail.spf 52 of 56, mail.dmarc 50 of 56,
//     mail.mx 56 of 56, mail.dkim 55 of 56, mail.starttls 53 of 53,
//     mail.dane 9 of 50, dns.caa 55 of 56, dns.dnssec 56 of 56; every
//     other verdict is a deviation documented here (mail.dane: no TLSA
//     warns). Not compared: mail.mta-sts and mail.tls-rpt (internet.nl has
//     no such test), dns.ns (its name-server test is about IPv6), the web
//     checks (compared on their own, below), internet.nl's TLS details (ciphers, certificate,
//     renegotiation) that mail.starttls folds in, and its DNSSEC test of the
//     MX hosts' zones (Vigie validates the domain's zone only).
//
//   - mail.dkim: the _domainkey node must exist (NOERROR, not NXDOMAIN: RFC
//     8020 says nothing exists below an NXDOMAIN, so no key is published);
//     NXDOMAIN fails, except for a domain that sends no mail (it passes),
//     recognised as internet.nl does (checks/tasks/mail.py,
//     skip_dkim_for_non_sending_domain): one SPF record with no term but
//     "-all", and the DMARC policy that applies to the domain is reject (sp=
//     when it comes from the organisational domain). Whether it receives
//     mail (its MX) does not matter: a domain without MX that sends through
//     Google needs DKIM. Deviations: Vigie reads the parsed records where
//     internet.nl matches regular expressions (its "v=DMARC1; p=reject" must
//     come first), and does not ask, as internet.nl does, that the DMARC
//     record also pass every other DMARC rule (an unauthorised external rua
//     makes internet.nl fail the DKIM test of a domain that sends no mail).
//     Keys are read for the selectors given and CommonDKIMSelectors: RSA
//     under 1024 bits warns (forgeable; internet.nl does not read keys),
//     under 2048 bits passes with a note; an unparseable key warns.
//
//   - mail.mta-sts: the _mta-sts TXT record "v=STSv1; id=..." (RFC 8461
//     §3.1, one record), the policy from https://mta-sts.DOMAIN/.well-known/
//     mta-sts.txt (HTTPS with a valid certificate, else fail; 200 without redirect,
//     text/plain, at most 64 KiB), mode enforce, every MX matched by an mx:
//     pattern (§4.1). No record warns (internet.nl does not score MTA-STS;
//     it scores DANE, mail.dane below); testing mode warns;
//     mode none or an uncovered MX fails; a policy that cannot be fetched
//     (timeout, too large, refused) is an error.
//
//   - mail.tls-rpt: one "v=TLSRPTv1" record at _smtp._tls.DOMAIN with rua=
//     mailto: or https: URIs (RFC 8460 §3); none warns.
//
//   - mail.starttls: every MX (at most 10) is connected on port 25, EHLO,
//     STARTTLS must be offered and negotiate TLS 1.2 or newer (fail
//     otherwise); a certificate not valid for the MX name only warns, as
//     internet.nl does, since opportunistic senders do not check it. An MX
//     name without an address fails (mail cannot be delivered there); an
//     MX that cannot be reached is an error (Vigie's vantage point may be
//     filtered on port 25). The versions and suites the MX also accepts are
//     mail.tls's job.
//
//   - mail.tls and web.tls rate the TLS of each MX (after STARTTLS, at
//     most 10) and of https://DOMAIN/ with internet.nl's TLS rules
//     (checks/tasks/tls/ in internetstandards/Internet.nl, read at commit
//     cec0e01d), which follow the NCSC-NL "IT Security Guidelines for
//     Transport Layer Security". internet.nl applies the same levels to
//     web and mail for every rule below; its "notice" is Vigie's warn.
//     The probe (tlsprobe.go) sends hand-built ClientHellos offering a
//     chosen list and reads the server's first flight in clear, so it sees
//     what Go's crypto/tls would refuse to offer (SSL 3.0, TLS 1.0/1.1,
//     RC4, 3DES, DES, export, NULL, anonymous suites, compression, SHA-1
//     signatures). The TLS rules below each name themselves in the
//     summary; the check takes the worst of their levels.
//
//   - TLS versions: TLS 1.3 good, TLS 1.2 sufficient; SSL 3.0, TLS 1.0 or
//     TLS 1.1 accepted fails (internet.nl no longer has a "phase out"
//     version: PROTOCOLS_PHASE_OUT is empty).
//
//   - TLS cipher suites: found by offering every suite Vigie knows (about
//     140) and removing the one the server picks until it refuses, at TLS
//     1.3 and at the newest older version, as internet.nl does. Each is
//     rated by internet.nl's lists: good (TLS_AES_256_GCM,
//     TLS_CHACHA20_POLY1305), sufficient (TLS_AES_128_GCM/CCM, ECDHE with
//     AES-GCM or ChaCha20, ECDHE-ECDSA with AES-CCM), phase out (ECDHE
//     with AES-CBC and SHA-2, CAMELLIA or ARIA; DHE-RSA with AES-GCM,
//     AES-CCM, ChaCha20, or AES, CAMELLIA or ARIA with SHA-2),
//     insufficient (everything else: RSA key exchange, DHE-DSS, CBC with
//     SHA-1, 3DES, RC4, DES, SEED, IDEA, export, NULL, anonymous, CCM_8).
//     An insufficient suite fails, a phase-out one warns.
//
//   - TLS key exchange parameters (NCSC-NL tables 3 and 7): ECDHE on
//     P-256/384/521, brainpool, X25519 or X448 is good, secp224r1 phase
//     out, any other curve insufficient; DHE is phase out only with
//     generator 2 and an RFC 7919 prime of 3072 bits or more (computed
//     from the RFC's formula, not pasted), otherwise insufficient
//     (ffdhe2048 included). Insufficient fails, phase out warns. As in
//     internet.nl the client offers OpenSSL's default groups, so a weak
//     curve shows only if the server ignores them.
//
//   - TLS cipher order: when the server accepts phase-out suites and
//     better ones below TLS 1.3, each better suite is offered after all
//     the phase-out ones (ChaCha20 last); picking a phase-out suite means
//     the server follows the client's order: fail.
//
//   - TLS compression (CRIME): offering DEFLATE and having it chosen
//     fails.
//
//   - TLS secure renegotiation (RFC 5746): no renegotiation_info in the
//     ServerHello below TLS 1.3 fails.
//
//   - TLS extended master secret (RFC 7627): a TLS 1.2 ServerHello without
//     it fails.
//
//   - TLS client-initiated renegotiation (NCSC-NL 3.4.2): a minimal TLS
//     1.2 client (tlsreneg.go: ECDHE X25519 or P-256, AES-128-GCM, the
//     server's Finished verified, no certificate check since nothing but
//     handshakes is sent) completes a handshake and renegotiates until the
//     server refuses, at most 11 times as internet.nl; more than 10
//     accepted fails, fewer is shown in the evidence only (internet.nl:
//     info). A server without such a suite over TLS 1.2 is not tested.
//
//   - TLS 0-RTT (web.tls only, as internet.nl): a minimal TLS 1.3 client
//     (tlsearly.go: X25519, TLS_AES_128_GCM_SHA256, HKDF key schedule,
//     the server's Finished verified) completes a handshake and reads the
//     session tickets; a ticket offering early data (max_early_data_size
//     above 0) fails, since early data can be replayed.
//
//   - TLS hash function for key exchange (NCSC-NL 3.3.5): offering only
//     SHA-1 signature algorithms over TLS 1.2 and seeing the
//     ServerKeyExchange signed with one fails; the same with SHA-224
//     warns.
//
//   - TLS certificate key and signature (NCSC-NL 3.3.2, internet.nl's
//     cert_pubkey and cert_signature), on every certificate the server
//     sends but a root (read with one more handshake by Go's client): RSA
//     of 3072 bits or more, ECDSA on P-256/384/521 and Ed25519 are good,
//     RSA of 2048-3071 bits and ECDSA on P-224 phase out (warn), anything
//     else fails; RSA or ECDSA with SHA-256/384/512 and Ed25519 signatures
//     are sufficient, SHA-224 phase out (warn), anything else fails (SHA-1,
//     MD5, and RSASSA-PSS, which internet.nl's list leaves out).
//
//   - TLS evidence and fix: the evidence lists the versions and suites
//     accepted by class, the key exchange parameters and each rule's
//     answer; the fix gives the Postfix (tls_high_cipherlist,
//     smtpd_tls_ciphers, smtpd_tls_mandatory_ciphers,
//     tls_preempt_cipherlist ...), nginx and Apache lines, or, when every
//     MX that did not pass belongs to Microsoft 365, Google Workspace, OVH
//     or Gandi, says the provider manages it. An MX without STARTTLS or
//     address is left to mail.starttls (mail.tls fails only when no MX can
//     be rated); a server that cannot be reached or read is an error.
//
//   - TLS deviations from internet.nl: 0-RTT is judged from the tickets'
//     offer, where sslyze (which internet.nl uses) sends early data on a
//     resumed connection: a server that offers 0-RTT and then rejects all
//     early data fails in Vigie only; a TLS 1.3 server that insists on
//     another group than X25519 or asks for a client certificate is not
//     tested for 0-RTT; SSL 2.0 is not offered (it needs another hello
//     format, and no maintained library has it); PSK, SRP and Kerberos
//     suites are not offered; one address per name is probed where
//     internet.nl probes each web address and one IPv4 and one IPv6
//     address per MX; internet.nl shows each rule as its own test, Vigie
//     one check per server group with the worst level and every rule that
//     did not pass named; the renegotiation client offers only ECDHE with
//     AES-128-GCM (what nearly every server accepts), so a server without
//     it is not tested for client-initiated renegotiation; Vigie passes
//     the secure renegotiation rule for a TLS 1.3-only server, since TLS
//     1.3 has no renegotiation (internet.nl takes sslyze's answer there).
//     A root certificate is recognised as self-signed, where internet.nl
//     looks its fingerprint up in a list of roots; keys Go cannot parse
//     (brainpool, Ed448, which internet.nl rates good) leave the chain
//     unread, reported in the evidence.
//
//   - TLS agreement with internet.nl: tlsinternetnl_test.go sets up 10
//     servers the way common deployments are (Mozilla's modern,
//     intermediate and old settings, Postfix on Debian, Windows SChannel,
//     an old OpenSSL 0.9.8 appliance ...) and compares 8 subtests
//     (versions, suites, key exchange parameters, cipher order,
//     compression, secure renegotiation, extended master secret, hash for
//     key exchange) with the verdict internet.nl's code gives: 80 of 80
//     agree. Client-initiated renegotiation and 0-RTT are tested against
//     real OpenSSL servers (with and without -client_renegotiation and
//     -early_data) and Go's, the certificate rules on generated chains,
//     and mail.tls on a real Postfix configured once as the fix says
//     (pass) and once accepting weak TLS (fail).
//
//   - mail.dane: for each MX, the TLSA records at _25._tcp.MX (RFC 7672),
//     validated by Vigie from the trust anchors to the zone that signed
//     them, must match the certificate the MX presents in STARTTLS:
//     DANE-EE (3) against the leaf, DANE-TA (2) against the rest of the
//     chain, with any selector and matching type. PKIX usages (0, 1) are
//     unusable for SMTP (§3.1.3). A mismatch, or TLSA records that do not
//     validate, fail (DANE senders will not deliver); no TLSA at all warns
//     (internet.nl fails its DANE existence test there; Vigie warns because
//     Google Workspace offers no DANE at all). A name between the root and
//     the TLSA records' signer without DS must be proven not a zone cut by
//     the parent's NSEC/NSEC3 (as for dns.dnssec), or the records do not
//     validate. Deviation: the MX records themselves are not
//     DNSSEC-validated.
//
//   - web.https: https://DOMAIN/ answers over TLS 1.2+ with a certificate
//     valid for the name (internet.nl: its "HTTPS available", "trust
//     chain" and "domain name on certificate" tests, each required); an
//     invalid certificate, no address or a refused connection fails; a
//     timeout is an error (Vigie cannot tell). The web checks follow the
//     same error rule. The versions and suites the server also accepts are
//     web.tls's job (above). Deviation: a site that answers on port 80 but
//     refuses connections on 443 fails, since Vigie knows that nothing
//     serves HTTPS there (internet.nl: "your web server is unreachable", an
//     error, because its TLS scanner cannot connect). Deviation: a server
//     that speaks only TLS 1.1 or older fails, since browsers have refused
//     those versions since 2020 (internet.nl: "HTTPS available" passes and
//     its TLS version test fails); web.hsts fails there too, as in
//     internet.nl, whose HTTP client cannot connect either, and the other
//     web checks read the site over TLS 1.0 to say what else to fix.
//
//   - web.redirect: http://DOMAIN/ must answer with a redirect (301, 302,
//     303, 307 or 308, the codes browsers follow) whose Location is
//     https:// on the same host; further hops may go elsewhere (to www.)
//     as internet.nl allows (checks/tasks/tls/http.py, forced_http_check:
//     the first hop must be the HTTPS version of the same domain, so that
//     HSTS is set for it). A page served over plain HTTP, a meta refresh,
//     a first hop to http://www. or to https://www. fail; nothing on port
//     80 (no address, refused connection) passes, as in internet.nl ("only
//     HTTPS"). Vigie judges the first hop without following the chain; a
//     site without HTTPS is rated too (internet.nl does not test it).
//     Deviations: a first hop elsewhere fails even when the next one
//     cannot be reached (internet.nl passes it as "only HTTPS" when it
//     cannot follow the chain to its end, its HTTP request having failed);
//     a timeout on port 80 is an error (internet.nl passes it the same
//     way).
//
//   - web.hsts: the Strict-Transport-Security header of https://DOMAIN/
//     itself (before any redirect, so a redirect to www. must carry it),
//     with max-age of at least one year (31536000, internet.nl's minimum,
//     checks/tasks/http_headers.py); shorter, 0 or missing fails.
//     includeSubDomains and preload are not required (internet.nl does not
//     check them; a domain only on the browsers' preload list still needs
//     the header). When the header is sent twice, the first counts (RFC
//     6797 §8.1, and internet.nl). With an invalid certificate the header
//     is still read, as internet.nl does (the certificate is web.https's
//     finding). Deviations, both because Vigie applies the header grammar
//     browsers use (RFC 6797 §6.1): a max-age followed by a comma
//     ("max-age=31536000, includeSubDomains") fails, since browsers ignore
//     such a header (internet.nl reads the number before the comma and
//     passes it); a quoted max-age ("31536000"), which the grammar allows,
//     passes (internet.nl fails it).
//
//   - web.headers: the headers of https://DOMAIN/ rated with internet.nl's
//     rules (checks/tasks/http_headers.py), each problem a warning as its
//     "notice": Content-Security-Policy present and sound, which
//     internet.nl defines as no 'unsafe-inline', 'unsafe-eval' or
//     'unsafe-hashes' anywhere; no http: source and no bare https: (any
//     site); every host with its scheme (https://); no "*" or 127.0.0.1 host;
//     no data: for scripts or objects (script-src, object-src or the
//     default-src they fall back to); default-src and base-uri 'none', or
//     'self' with only hosts of the domain; frame-ancestors 'self' or
//     'none'; form-action set. A Content-Security-Policy-Report-Only header
//     does not count. X-Content-Type-Options must be nosniff.
//     Referrer-Policy (its last value, the one browsers apply):
//     no-referrer and same-origin pass; strict-origin,
//     strict-origin-when-cross-origin or no header (browsers then apply
//     strict-origin-when-cross-origin) pass with a note (internet.nl: info);
//     origin, origin-when-cross-origin, no-referrer-when-downgrade,
//     unsafe-url or an unknown value warn. X-Frame-Options DENY or
//     SAMEORIGIN is only noted (internet.nl: information only, since
//     frame-ancestors replaces it). Several fields of one header count as
//     their values joined by commas. Deviation: directive names, keywords,
//     schemes and hosts are read in any case, as browsers read them (CSP3
//     §2.2.1 lower-cases directive names; keywords match ASCII
//     case-insensitively); internet.nl matches them as written, so it
//     finds no default-src in "Default-Src 'self'" and no
//     'unsafe-inline' in "script-src 'Unsafe-Inline'".
//
//   - web.security-txt: /.well-known/security.txt (RFC 9116) read as
//     internet.nl does (checks/tasks/securitytxt.py and the sectxt library
//     it uses, version 0.9.8): redirects followed, the certificate not
//     checked (web.https's job), /security.txt tried when the well-known
//     path has none (then a warning: wrong place); served as text/plain
//     with no charset or utf-8; the file in UTF-8 without byte-order mark,
//     every line "Name: value" (one space after the colon, none before),
//     a comment or blank, ending in a line feed; Contact at least once and
//     a URI (mailto:, https:, tel:; not http:, not a bare address), other
//     URI fields (Encryption, Policy, Canonical ...) not http:; exactly one
//     Expires in RFC 3339 form ("T" or a space between date and time) and
//     not past; a Canonical field, when present, naming the URL the file
//     was found at; one Preferred-Languages of language tags; a signed
//     file starting with the OpenPGP header, nothing after the signature,
//     whose signature block decodes (armor, CRC-24, a signature packet; the
//     signature is not verified, by internet.nl either). Any problem, and a
//     missing file, warn (internet.nl: a notice, security.txt being
//     optional); what RFC 9116 only recommends (Expires less than a year
//     ahead, a signature, Encryption next to a mailto: Contact, Canonical
//     in a signed file) is noted and passes (internet.nl: info). A file
//     over 32 KiB is an error (internet.nl reads the first 100 KiB). Vigie
//     follows at most 5 redirects (internet.nl: 30).
//
//   - Web agreement with internet.nl: webinternetnl_test.go serves 55 web
//     set-ups shaped like what search engines, social networks, code
//     hosts, retailers, banks, ministries, parties and associations serve
//     (HSTS preload or none, redirects through www., plain HTTP only or
//     HTTPS only, a hosting default certificate, TLS 1.0 only, CSP with
//     'unsafe-inline', strict nonce policies, Referrer-Policy fallbacks,
//     expired, misplaced, signed or HTML security.txt files ...) over
//     loopback under the test
//     CA, and compares Vigie's verdict with the one internet.nl's code
//     gives (its notices are Vigie's warn, its info a pass; for
//     web.headers the headers named must be the ones internet.nl rates
//     below good). Agreeing: web.https 53 of 55, web.redirect 52 of 53,
//     web.hsts 52 of 54, web.headers 53 of 53, web.security-txt 53 of 53;
//     every other verdict is a deviation documented here. Not compared:
//     the checks internet.nl does not run on a site without HTTPS, and
//     its per-address tests (Vigie reads one address).
//
//   - dns.ns: at least two name servers (fail) in two networks or more, one
//     /24 for IPv4, one /48 for IPv6 (warn).
//
//   - dns.caa: a CAA record set at the domain or the closest ancestor up to
//     the registered domain (RFC 8659 §3) with an issue tag; none warns, as
//     do a set without issue (issuewild alone does not say who issues for
//     the name itself) and any invalid record, as in internet.nl
//     (checks/caa, a notice at worst): flags other than 0 and 128, an
//     issue/issuewild value outside RFC 8659 §4.2's grammar, a
//     validationmethods= naming no ACME method (RFC 8657), an iodef that is
//     not mailto: or https:, a contactemail that is not one address, the
//     reserved tags auth, path and policy, and unknown tags (a typo such as
//     "isue"). Deviation: an unknown tag with the critical flag fails,
//     since every CA must then refuse to issue (internet.nl: a notice).
//
//   - dns.dnssec: Vigie validates the chain of trust itself, from the IANA
//     root anchors (RootAnchors, KSK-2017 and KSK-2024; Options.TrustAnchors
//     in tests), never trusting the resolver's AD bit: for each zone from
//     the root down, the DS set (signed by the parent's validated keys), a
//     DNSKEY matching a DS, the DNSKEY set signed by that key, then the
//     domain's SOA signed by its keys; every signature must verify and be
//     within its validity period. Queries set DO and CD so a validating
//     resolver passes bogus data on to be explained. The failure is named:
//     not signed (no DS), DS without DNSKEY, no DNSKEY matching the DS,
//     expired or not-yet-valid signature, unsupported algorithm, bad
//     signature. A DS answer without DS is believed only with the
//     parent's signed denial (RFC 4035 §5.2, RFC 5155 §8), verified with
//     the parent's validated keys: an NSEC or NSEC3 record at the name
//     whose type bitmap has NS and not DS (an insecure delegation: the
//     domain, or the zone above it, is not signed), or no NS (not a zone
//     cut: the walk goes on with the parent's keys; an empty non-terminal
//     is proven by the NSEC covering it whose next name is below it); or
//     the NSEC3 closest-encloser proof whose next-closer name is covered by
//     an opt-out NSEC3. Without such a proof (none returned, a signature
//     by a key the parent does not publish, a bitmap listing DS, a record
//     for another name) the check fails with "the parent did not prove
//     that no DS exists", which is what a validating resolver calls bogus
//     and what an attacker stripping the DS would send; a proof that the
//     name does not exist fails too. NSEC3 with more than 150 iterations
//     counts as no proof (RFC 9276 §3.2). Deviations: wildcard proofs are
//     not read (a delegation is never a wildcard). A domain that is not a
//     zone of its own (a sub-domain inside its party's signed zone, proven
//     not a zone cut) is validated by its MX, A or TXT records, the first
//     set it has, signed by that zone's keys.
//
// Findings turns the checks that did not pass into report.Finding values
// that `vigie posture --hub` sends to the hub.
//
// The hub runs these checks on a schedule for the domains each party
// declares (internal/hub, vigie serve --posture-interval).
//
// Not done yet: the TLS rules listed as deviations under mail.tls and
// web.tls.
package posture
