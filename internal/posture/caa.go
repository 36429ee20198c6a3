package posture

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// CAA property values are checked as internet.nl does
// (checks/caa/parser.py): flags 0 or 128 only (RFC 8659 §4.1); the tags
// of the IANA registry, each value with its grammar; the reserved tags
// auth, path and policy and unknown tags are errors.

// caaValidationMethods are the ACME validation methods of the IANA
// registry a validationmethods= parameter may name (RFC 8657 §4), besides
// the "ca-" private ones.
var caaValidationMethods = map[string]bool{
	"http-01": true, "dns-01": true, "tls-alpn-01": true, "email-reply-00": true,
	"tkauth-01": true, "onion-csr-01": true, "bp-nodeid-00": true,
	"dns-account-01": true,
}

// validateCAA checks one CAA record; the error names the problem.
func validateCAA(flag uint8, tag, value string) error {
	if flag != 0 && flag != 128 {
		return fmt.Errorf("flags %d use reserved bits (only 0 and 128 are defined, RFC 8659 §4.1)", flag)
	}
	switch strings.ToLower(tag) {
	case "issue", "issuewild", "issuevmc", "issuemail":
		return validateCAAIssue(tag, value)
	case "iodef":
		u, err := url.Parse(value)
		switch {
		case err != nil:
			return fmt.Errorf("iodef %q is not a URL", trunc(value, 60))
		case u.Scheme == "https" && u.Host != "":
			return nil
		case u.Scheme == "mailto":
			if _, err := mail.ParseAddress(u.Opaque); err == nil && u.Opaque != "" {
				return nil
			}
		}
		return fmt.Errorf("iodef %q is neither a mailto: address nor an https: URL (RFC 8659 §4.4)", trunc(value, 60))
	case "contactemail":
		if a, err := mail.ParseAddress(value); err != nil || a.Address != value {
			return fmt.Errorf("contactemail %q is not one e-mail address", trunc(value, 60))
		}
		return nil
	case "contactphone":
		digits := 0
		for i, r := range value {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == '+' && i == 0, r == '-', r == '.', r == '(', r == ')':
			default:
				return fmt.Errorf("contactphone %q is not a global number such as +33-1-23-45-67-89 (RFC 3966)", trunc(value, 60))
			}
		}
		if !strings.HasPrefix(value, "+") || digits == 0 {
			return fmt.Errorf("contactphone %q is not a global number such as +33-1-23-45-67-89 (RFC 3966)", trunc(value, 60))
		}
		return nil
	case "auth", "path", "policy":
		return fmt.Errorf("the tag %q is reserved (RFC 8659 §7.2) and means nothing to CAs", tag)
	}
	return fmt.Errorf("the tag %q is not a CAA property (a typo of issue, issuewild or iodef?)", trunc(tag, 30))
}

// validateCAAIssue checks an issue-value (RFC 8659 §4.2): an optional
// issuer domain name, then ";" and name=value parameters.
func validateCAAIssue(tag, value string) error {
	bad := func(why string) error {
		return fmt.Errorf("%s %q is invalid: %s (RFC 8659 §4.2)", tag, trunc(value, 60), why)
	}
	issuer, params, _ := strings.Cut(value, ";")
	issuer = strings.Trim(issuer, " \t")
	if issuer != "" {
		for l := range strings.SplitSeq(issuer, ".") {
			if !caaLabel(l) {
				return bad("the issuer " + trunc(issuer, 40) + " is not a domain name")
			}
		}
	}
	for p := range strings.SplitSeq(params, ";") {
		p = strings.Trim(p, " \t")
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.Trim(k, " \t"), strings.Trim(v, " \t")
		if !ok || !caaLabel(k) {
			return bad("the parameter " + trunc(p, 40) + " is not tag=value")
		}
		for _, r := range v {
			if r < 0x21 || r > 0x7e {
				return bad("the parameter " + trunc(k, 20) + " has a space or a character outside ASCII")
			}
		}
		if strings.EqualFold(k, "validationmethods") {
			for m := range strings.SplitSeq(v, ",") {
				if !caaValidationMethods[m] && !strings.HasPrefix(m, "ca-") {
					return bad("validationmethods names " + trunc(m, 20) + ", not an ACME validation method (RFC 8657 §4)")
				}
			}
		}
	}
	return nil
}

// caaLabel is the label of RFC 8659's issuer-domain-name and parameter
// tag: letters and digits, with inner hyphens.
func caaLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
