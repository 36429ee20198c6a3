// Package mime reads Internet mail messages (RFC 5322, MIME RFC 2045–2049)
// the way mail clients do: tolerantly, but within limits.
//
// Real mail is often broken — missing closing boundaries, bad base64,
// unknown or mislabelled charsets, header lines without a colon, encoded
// words glued to plain text — and phishing mail is broken on purpose, to
// slip past filters that give up while the victim's client still shows the
// message. Parse therefore never stops at the first problem: it builds the
// same tree of parts a client would display and records every irregularity
// as a Defect, which the analyzer may treat as a signal. Parse returns an
// error only when the input is not a mail message at all (empty, no header).
//
// Every dimension of the input is bounded by Limits: message size, header
// count and length, nesting depth, number of parts, decoded size. Going
// past a limit is recorded as a Defect of kind "limit" and the rest of the
// input is not expanded, so time and memory stay bounded for any input.
//
// Text is decoded to UTF-8 from any charset the WHATWG encoding standard or
// the IANA registry names (golang.org/x/text), headers are decoded from RFC
// 2047 encoded words, and parameters from RFC 2231 continuations and
// charset-tagged values.
package mime
