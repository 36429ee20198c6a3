// Package milter filters mail inline in Postfix or Sendmail: it speaks the
// milter protocol (version 6) as a server, hands each message to the mail
// analyzer, and tells the MTA what to do according to a policy — accept,
// tag (add headers, mark the subject), quarantine (hold the message in the
// MTA's queue), reject (5xx) or tempfail (4xx). It adds an
// Authentication-Results field and X-Vigie-* fields to the messages it
// lets through, and reports what it found as sightings.
//
// The protocol, as Sendmail's libmilter and Postfix implement it: every
// packet is a 4-byte big-endian length, a command byte and its data. The
// MTA opens with option negotiation (SMFIC_OPTNEG: version, actions the
// filter may take, protocol steps it may skip; the filter's reply may list
// the macros it wants at each stage), then sends macros (SMFIC_MACRO)
// before the SMTP stages — connect, HELO, MAIL FROM, RCPT
// TO, DATA — then each header (SMFIC_HEADER), end of headers (SMFIC_EOH),
// body chunks (SMFIC_BODY) and end of message (SMFIC_BODYEOB). The filter
// answers each stage with "continue", and at end of message sends its
// modifications (SMFIR_ADDHEADER, SMFIR_INSHEADER, SMFIR_CHGHEADER,
// SMFIR_QUARANTINE) followed by one final answer (SMFIR_ACCEPT,
// SMFIR_CONTINUE, SMFIR_REPLYCODE, SMFIR_REJECT, SMFIR_TEMPFAIL).
// SMFIC_ABORT resets the message; SMFIC_QUIT ends the connection.
//
// One bad message must not take mail down: every packet and message is
// bounded, analysis runs under a time limit, and when analysis cannot
// finish the policy decides whether mail fails open (accepted, marked
// unchecked) or closed (tempfail, the sender's server retries).
package milter
