package posture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

// tlsRating is the verdict of internet.nl's TLS rules on one server.
type tlsRating struct {
	status   Status
	problems []string // one clause per rule that did not pass, worst first
	evidence []string
	// subtests holds the level of each rule under internet.nl's subtest
	// name (tls_version, tls_ciphers, fs_params, tls_cipher_order,
	// tls_compression, renegotiation_secure, renegotiation_client,
	// extended_master_secret, kex_hash_func, zero_rtt, cert_pubkey,
	// cert_signature).
	subtests map[string]Status
}

// rateTLS applies internet.nl's TLS rules (the same levels for web and
// mail) to a scan of host.
func rateTLS(host string, s *tlsScan) tlsRating {
	r := tlsRating{status: StatusPass, subtests: map[string]Status{}}
	for _, n := range []string{"tls_version", "tls_ciphers", "fs_params", "tls_cipher_order", "tls_compression",
		"renegotiation_secure", "renegotiation_client", "extended_master_secret", "kex_hash_func", "zero_rtt",
		"cert_pubkey", "cert_signature"} {
		r.subtests[n] = StatusPass
	}
	var fails, warns []string
	var subtest string // the rule being rated
	fail := func(p string) { fails = append(fails, p); r.subtests[subtest] = StatusFail }
	warn := func(p string) { warns = append(warns, p); r.subtests[subtest] = StatusWarn }
	ev := func(format string, a ...any) { r.evidence = append(r.evidence, host+": "+fmt.Sprintf(format, a...)) }

	// Versions: TLS 1.3 good, 1.2 sufficient, anything older insufficient.
	var vs, old []string
	for _, v := range s.versions {
		class := "insufficient"
		switch v {
		case verTLS13:
			class = "good"
		case verTLS12:
			class = "sufficient"
		default:
			old = append(old, versionName(v))
		}
		vs = append(vs, fmt.Sprintf("%s (%s)", versionName(v), class))
	}
	ev("versions accepted: %s", strings.Join(vs, ", "))
	subtest = "tls_version"
	if len(old) > 0 {
		fail("accepts " + strings.Join(old, ", "))
	}

	// Suites by class.
	byClass := map[suiteClass][]string{}
	for _, a := range s.suites {
		c := classifySuite(a.id)
		n := suiteName(a.id)
		if !slices.Contains(byClass[c], n) {
			byClass[c] = append(byClass[c], n)
		}
	}
	for _, c := range []suiteClass{classInsufficient, classPhaseOut, classSufficient, classGood} {
		if len(byClass[c]) > 0 {
			ev("suites %s: %s", c, strings.Join(byClass[c], ", "))
		}
	}
	subtest = "tls_ciphers"
	if n := byClass[classInsufficient]; len(n) > 0 {
		fail(fmt.Sprintf("accepts %d insufficient cipher suite(s) (%s)", len(n), firstNames(n, 3)))
	} else if n := byClass[classPhaseOut]; len(n) > 0 {
		warn(fmt.Sprintf("accepts %d cipher suite(s) to phase out (%s)", len(n), firstNames(n, 3)))
	}

	// Key exchange parameters.
	var kx []string
	worstKx := classGood
	seen := map[string]bool{}
	for _, a := range s.suites {
		var name string
		var c suiteClass
		switch {
		case a.dhP != nil:
			name = fmt.Sprintf("DH-%d", 8*len(trimZeros(a.dhP)))
			if g := trimZeros(a.dhG); len(g) != 1 || g[0] != 2 {
				name += " (generator not 2)"
			}
			c = classifyDH(a.dhP, a.dhG)
		case a.group != 0:
			name = "ECDH-" + groupName(a.group)
			c = classifyGroup(a.group)
		default:
			continue
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		kx = append(kx, fmt.Sprintf("%s (%s)", name, c))
		worstKx = max(worstKx, c)
	}
	if len(kx) > 0 {
		ev("key exchange parameters: %s", strings.Join(kx, ", "))
	}
	subtest = "fs_params"
	switch worstKx {
	case classInsufficient:
		fail("uses insufficient key exchange parameters")
	case classPhaseOut:
		warn("uses key exchange parameters to phase out (finite-field DH)")
	}

	subtest = "tls_cipher_order"
	if s.orderViolation != nil {
		ev("cipher order: prefers %s over %s", s.orderViolation[0], s.orderViolation[1])
		fail("does not enforce its own cipher order (prefers " + s.orderViolation[0] + ")")
	}
	subtest = "tls_compression"
	if s.compression {
		ev("TLS compression: accepted")
		fail("accepts TLS compression (CRIME)")
	}
	subtest = "renegotiation_secure"
	if s.maxLegacy() != 0 {
		ev("secure renegotiation (RFC 5746): %s", yesNo(s.secureReneg))
		if !s.secureReneg {
			fail("does not support secure renegotiation")
		}
	}
	subtest = "renegotiation_client"
	switch {
	case s.renegErr != nil:
		ev("client-initiated renegotiation: not tested (%v)", s.renegErr)
	case s.clientReneg == 0:
		ev("client-initiated renegotiation: refused")
	case s.clientReneg < maxClientRenegotiations:
		ev("client-initiated renegotiation: accepted %d times, then refused (internet.nl: information only)", s.clientReneg)
	default:
		ev("client-initiated renegotiation: accepted %d times in a row", s.clientReneg)
		fail(fmt.Sprintf("accepts more than %d client-initiated renegotiations (a cheap denial of service)", maxClientRenegotiations-1))
	}
	subtest = "extended_master_secret"
	if s.has(verTLS12) {
		ev("extended master secret (RFC 7627): %s", yesNo(s.ems))
		if !s.ems {
			fail("does not support extended master secret")
		}
	}
	subtest = "kex_hash_func"
	switch s.kexHash {
	case "SHA-1":
		ev("key exchange signed with SHA-1 when the client allows it")
		fail("signs its key exchange with SHA-1")
	case "SHA-224":
		ev("key exchange signed with SHA-224 when the client allows it")
		warn("signs its key exchange with SHA-224")
	}
	subtest = "zero_rtt"
	switch {
	case s.zeroRTTErr != nil:
		ev("0-RTT: not tested (%v)", s.zeroRTTErr)
	case s.zeroRTT:
		ev("0-RTT: the session tickets offer early data")
		fail("offers TLS 1.3 0-RTT (early data an attacker can replay)")
	case s.zeroRTTTested:
		ev("0-RTT: not offered")
	}
	if s.chainErr != nil {
		ev("certificate: not read (%v)", s.chainErr)
	}
	worstKey, worstSig := classGood, classGood
	var keyBad, sigBad []string
	for _, cert := range s.chain {
		if isRoot(cert) {
			continue
		}
		kc, kd := classifyCertKey(cert)
		sc := classifyCertSignature(cert)
		name := cert.Subject.CommonName
		if name == "" {
			name = "(no common name)"
		}
		ev("certificate %q: key %s (%s), signed with %s (%s)", name, kd, kc, cert.SignatureAlgorithm, sc)
		if kc > worstKey {
			worstKey = kc
		}
		if kc >= classPhaseOut {
			keyBad = append(keyBad, name+" "+kd)
		}
		if sc > worstSig {
			worstSig = sc
		}
		if sc >= classPhaseOut {
			sigBad = append(sigBad, name)
		}
	}
	subtest = "cert_pubkey"
	switch worstKey {
	case classInsufficient:
		fail("has a certificate with an insufficient key (" + strings.Join(keyBad, ", ") + ")")
	case classPhaseOut:
		warn("has a certificate key to phase out (" + strings.Join(keyBad, ", ") + "; RSA below 3072 bits)")
	}
	subtest = "cert_signature"
	switch worstSig {
	case classInsufficient:
		fail("has a certificate signed with an insufficient algorithm (" + strings.Join(sigBad, ", ") + ")")
	case classPhaseOut:
		warn("has a certificate signed with SHA-224 (" + strings.Join(sigBad, ", ") + ")")
	}
	if s.incomplete != nil {
		ev("scan stopped early: %v", s.incomplete)
	}
	r.problems = append(fails, warns...)
	switch {
	case len(fails) > 0:
		r.status = StatusFail
	case s.incomplete != nil:
		r.status = StatusError
	case len(warns) > 0:
		r.status = StatusWarn
	}
	return r
}

// firstNames joins the first k names and says how many more there are.
func firstNames(names []string, k int) string {
	if len(names) <= k {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:k], ", "), len(names)-k)
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// The suites internet.nl rates good or sufficient below TLS 1.3, in
// OpenSSL's names, for the fixes.
const goodOpenSSLSuites = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"

const webTLSFix = "Offer TLS 1.2/1.3 with ECDHE and AES-GCM or ChaCha20 only, in the server's order.\n" +
	"nginx:\n  ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_ciphers " + goodOpenSSLSuites + ";\n  ssl_prefer_server_ciphers on;\n  ssl_ecdh_curve X25519:prime256v1:secp384r1;\n" +
	"  ssl_early_data off;\n" +
	"Apache:\n  SSLProtocol -all +TLSv1.2 +TLSv1.3\n  SSLCipherSuite " + goodOpenSSLSuites + "\n  SSLHonorCipherOrder on\n  SSLCompression off\n  SSLInsecureRenegotiation off\n" +
	"Missing secure renegotiation or extended master secret means an old TLS library (OpenSSL before 1.1.0): update the server. Hosted sites: ask the host, or see ssl-config.mozilla.org (\"intermediate\")."

const mailTLSFix = "Postfix (main.cf), then postfix reload:\n" +
	"  smtpd_tls_protocols = >=TLSv1.2\n  smtpd_tls_mandatory_protocols = >=TLSv1.2\n" +
	"  smtpd_tls_ciphers = high\n  smtpd_tls_mandatory_ciphers = high\n" +
	"  tls_high_cipherlist = " + goodOpenSSLSuites + "\n" +
	"  tls_preempt_cipherlist = yes\n  tls_ssl_options = NO_COMPRESSION NO_RENEGOTIATION\n" +
	"  (the list above has no DHE: finite-field DH rates \"phase out\" at best, and only with the RFC 7919 ffdhe3072 group or larger)\n" +
	"Exim: tls_require_ciphers = " + goodOpenSSLSuites + " and openssl_options = +no_tlsv1 +no_tlsv1_1 +cipher_server_preference.\n" +
	"Microsoft 365, Google Workspace, OVH and Gandi MX hosts are managed by the provider: nothing to set on your side."

// providerMX names the provider that manages an MX host's TLS settings,
// or "".
func providerMX(host string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range []struct{ suffix, name string }{
		{".mail.protection.outlook.com", "Microsoft 365"},
		{".outlook.com", "Microsoft 365"},
		{".google.com", "Google Workspace"},
		{".googlemail.com", "Google Workspace"},
		{".mail.ovh.net", "OVH"},
		{".mail.gandi.net", "Gandi"},
	} {
		if strings.HasSuffix(h, p.suffix) {
			return p.name
		}
	}
	return ""
}

// scanTimeoutFactor bounds one server's whole scan: this many times
// Options.Timeout.
const scanTimeoutFactor = 12

// checkWebTLS is web.tls.
func (c *Checker) checkWebTLS(ctx context.Context, d *domainRun) Check {
	addr := net.JoinHostPort(d.name, portOr(c.opts.HTTPSPort, 443))
	ctx, cancel := context.WithTimeout(ctx, scanTimeoutFactor*c.opts.Timeout)
	defer cancel()
	p := &tlsProber{serverName: d.name, timeout: c.opts.Timeout, web: true,
		dial: func(ctx context.Context) (net.Conn, error) { return c.dialContext(ctx, "tcp", addr) }}
	s, err := scanTLS(ctx, p)
	if err != nil && definiteAbsence(err) {
		return Check{Status: StatusFail, Summary: "No HTTPS server answers, so there is no TLS to rate (see web.https).", Evidence: []string{err.Error()},
			Fix: "Serve the site on port 443 over TLS 1.2/1.3.\n" + webTLSFix}
	}
	if err != nil {
		return errorCheck("rate the TLS of https://"+d.name+"/", err)
	}
	r := rateTLS(d.name, s)
	r.evidence = append(r.evidence, fmt.Sprintf("%d handshakes", p.count))
	ch := Check{Status: r.status, Evidence: r.evidence}
	switch r.status {
	case StatusPass:
		ch.Summary = "The web server's TLS follows the NCSC-NL guidelines internet.nl applies: TLS 1.2/1.3, good or sufficient cipher suites and key exchange."
	case StatusError:
		ch.Summary = fmt.Sprintf("Vigie could not finish rating the web server's TLS: %v.", s.incomplete)
	default:
		ch.Summary = "The web server " + strings.Join(r.problems, "; ") + "."
		ch.Fix = webTLSFix
	}
	return ch
}

// checkMailTLS is mail.tls.
func (c *Checker) checkMailTLS(ctx context.Context, d *domainRun) Check {
	mx := d.mxSet(ctx)
	if mx.err != nil {
		return errorCheck("read the MX records", mx.err)
	}
	if !mx.receivesMail() {
		return Check{Status: StatusPass, Summary: "The domain receives no mail, so there is no MX to rate."}
	}
	hosts := mx.hosts
	if len(hosts) > maxMXChecked {
		hosts = hosts[:maxMXChecked]
	}
	type hostResult struct {
		rating tlsRating
		err    error
		noTLS  bool
		count  int
	}
	results := make([]hostResult, len(hosts))
	done := make(chan struct{})
	for i, h := range hosts {
		go func() {
			defer func() { done <- struct{}{} }()
			sctx, cancel := context.WithTimeout(ctx, scanTimeoutFactor*c.opts.Timeout)
			defer cancel()
			p := &tlsProber{serverName: h, timeout: c.opts.Timeout, dial: func(ctx context.Context) (net.Conn, error) {
				conn, ok, _, err := c.smtpStartTLS(ctx, h)
				if err == nil && !ok {
					return nil, errNoSTARTTLS
				}
				return conn, err
			}}
			s, err := scanTLS(sctx, p)
			results[i].count = p.count
			if errors.Is(err, errNoSTARTTLS) || errors.Is(err, errNXDOMAIN) || errors.Is(err, errNoAddress) {
				results[i].noTLS = true
				results[i].err = err
				return
			}
			if err != nil {
				results[i].err = err
				return
			}
			results[i].rating = rateTLS(h, s)
		}()
	}
	for range hosts {
		<-done
	}
	ch := Check{Status: StatusPass}
	var failed, warned, errs, noTLS, managed []string
	var problems []string
	for i, r := range results {
		h := hosts[i]
		switch {
		case r.noTLS:
			noTLS = append(noTLS, h)
			ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s: %v", h, r.err))
			continue
		case r.err != nil:
			errs = append(errs, h)
			ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s: %v", h, r.err))
			continue
		}
		ch.Evidence = append(ch.Evidence, r.rating.evidence...)
		ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s: %d STARTTLS handshakes", h, r.count))
		switch r.rating.status {
		case StatusFail:
			failed = append(failed, h)
		case StatusWarn:
			warned = append(warned, h)
		case StatusError:
			errs = append(errs, h)
		}
		if r.rating.status == StatusFail || r.rating.status == StatusWarn {
			problems = append(problems, h+" "+strings.Join(r.rating.problems, "; "))
			if p := providerMX(h); p != "" {
				managed = append(managed, p)
			}
		}
	}
	fix := mailTLSFix
	if len(managed) > 0 && len(managed) == len(problems) {
		slices.Sort(managed)
		fix = "These MX hosts are managed by the provider (" + strings.Join(slices.Compact(managed), ", ") + "): nothing to set on your side; the provider decides its TLS settings."
	}
	switch {
	case len(failed) > 0:
		ch.Status = StatusFail
		ch.Summary = "TLS on the MX: " + strings.Join(problems, ". ") + "."
		ch.Fix = fix
	case len(errs) > 0:
		ch.Status = StatusError
		ch.Summary = fmt.Sprintf("Vigie could not rate the TLS of %s (see the evidence).", strings.Join(errs, ", "))
	case len(noTLS) == len(hosts):
		ch.Status = StatusFail
		ch.Summary = "No MX can be reached with STARTTLS, so there is no TLS to rate (see mail.starttls)."
		ch.Fix = "Turn on STARTTLS on the MX (Postfix: smtpd_tls_security_level = may, with a certificate), then:\n" + mailTLSFix
	case len(warned) > 0:
		ch.Status = StatusWarn
		ch.Summary = "TLS on the MX: " + strings.Join(problems, ". ") + "."
		ch.Fix = fix
	default:
		ch.Summary = "The TLS of every MX offering STARTTLS follows the NCSC-NL guidelines internet.nl applies: TLS 1.2/1.3, good or sufficient cipher suites and key exchange."
	}
	return ch
}

// errNoSTARTTLS says the MX does not offer STARTTLS.
var errNoSTARTTLS = errors.New("STARTTLS not offered")
