// Package mail is Vigie's mail analyzer: it reads messages (.eml, mbox,
// MMDF, Maildir, stdin), runs the checks that catch the e-mails that
// opened the 2016–2017 campaign breaches, and gives each message a
// verdict — clean, suspicious, phishing or malicious — with a score and
// the reasons in plain words, in the shared report model.
//
// # Checks
//
// Each check that fires adds a Reason: a stable name (Check), a category,
// points, and a sentence for people, with evidence for analysts.
//
//   - authentication: DMARC, SPF and DKIM failures, from the mailauth
//     package (DNSAuth, through a configurable resolver) or from the
//     Authentication-Results of a trusted upstream (TrustedResults). A DNS
//     failure is temperror or unknown, never fail, and unknown results
//     count for nothing.
//   - look-alikes (internal/lookalike): the From, Reply-To and envelope
//     sender, and every link's host, against the party's domains and the
//     providers it uses: homoglyphs and punycode, typos, hyphen and
//     sub-domain tricks, other endings.
//   - impersonation: a sender name or subject that claims a brand (Google,
//     Microsoft, the party's IT) — above all a security alert — from a
//     domain that is not the brand's, or links to non-brand hosts behind
//     sign-in wording.
//   - links: text showing one host and pointing to another, shorteners,
//     raw IPs, free hosting, abused endings, OAuth consent for an unknown
//     client, javascript:/data: links, forms in the message.
//   - attachments: programs and scripts (inside zip, 7-Zip, RAR and ISO
//     images too, through internal/archive), double extensions, disk
//     images and the programs in them, Office macros, OLE objects, remote
//     templates, EPS, RTF and Equation Editor exploits, HTML attachments
//     with forms or smuggling scripts, password-protected archives; hash
//     indicators and AttachmentScanner plug-ins (the YARA engine) on every
//     part and every archive entry.
//   - indicators: sender, reply-to, link domains and URLs, attachment
//     hashes and sending IPs against the loaded indicators.
//   - headers and content: Reply-To to another domain, malformed or
//     several From lines, fake replies, Message-ID of a brand, Date and
//     Received anomalies; credential-phishing, fraud and scam wording
//     (English, French, German, Spanish, Portuguese, Dutch, Italian), decorative
//     Unicode, invisible characters and mixed scripts (in the text too), hidden text,
//     image-only mail.
//   - bulk scams (bulk.go): weak signals that add up on lures with no
//     brand or credential page — a random sender address, hidden
//     recipients, a display name showing a brand's site, obfuscated links
//     (a web address before @, %-escaped or many-labelled hosts, long
//     random labels), money talk from webmail under a title or a stranger's
//     name, an offer button ("claim", "resgatar", "jetzt sichern") to a
//     site unrelated to the sender, bounces to another organisation beside
//     money wording, designed mailings from webmail accounts, several From
//     mailboxes without a Sender.
//   - fraud senders (scam.go): replies diverted to another webmail box (in
//     Reply-To or asked for in the text), a titled name on webmail, an
//     envelope no mail server could use (no domain, a local host name), a
//     public authority's name on an ordinary domain, links into a hacked
//     site's program folders.
//   - forwards (forward.go): the sender checks run again on the original
//     sender named in a forwarded header block.
//   - targeted attacks (targeted.go, doclinks.go): links inside PDF
//     (link annotations, compressed object streams, text) and Office
//     attachments (hyperlink relationships, text) and in QR codes
//     (pictures, JPEG pictures of PDFs) join the message's links; a
//     request to change or confirm bank details; a reply that brings a
//     link the quoted conversation never had, more so from a domain that
//     was not in it; a calendar invitation linking outside; a webmail
//     sender taking the recipient's or the party's name. Options.Partners
//     protects the organisations the party deals with (press, bank,
//     donation platform, ministries) against look-alikes.
//   - the learned content model (learned.go, package model): a logistic
//     regression over words, link domains and structure, trained by
//     tools/mailtrain and embedded; its reason names the words and traits
//     that weighed most. It is never strong and never decides alone.
//     It never saw legitimate marketing mail: for a mailing whose sender
//     identifies itself (bulksender.go: a DKIM signature of the From
//     organisation, RFC 8058 one-click unsubscribe on its domain, links
//     only to itself) it counts, as for a verified sender, only when sure.
//   - combinations: a lure (money, offer, credential wording) from a
//     sender with a mark of anonymity, and two or more such marks, count
//     more than their parts — each is common alone in honest mail, not
//     together. A shop's one kind of offer whose replies go to a help
//     desk on another ordinary domain is not such a lure when the shop is
//     proven to be the sender (DMARC pass, or a verified DKIM signature of
//     the From organisation; offline, never); a link showing
//     another address that leads to the sender's own domain (a click
//     counter) is no mismatch.
//
// # Verdict
//
// The score is the sum of the reasons' points. Below 3 a message is clean,
// from 3 suspicious, from 5 phishing — but no single weak check can make a
// message phishing: when the heaviest reason is not Strong (a confident
// look-alike, a known-bad indicator, a login page attached, an unknown
// application asking for the mailbox) the others must add
// CorroborationScore. A look-alike below lookalike.StrongScore counts 2
// points; a script or shortcut attachment is malicious only when its
// content downloads, decodes or runs something, suspicious otherwise; a reason marked Malware (a program,
// a macro, an exploit, a known-bad hash) makes it malicious. A message
// that cannot be read is suspicious, never clean.
//
// A match of an AttachmentScanner (YARA rules, RuleScanner, which reuses
// the rule loader in package yararules) is a reason "rule:NAME"
// with the rule's description. Rules mark malware when their score meta
// is at least RuleMalwareScore (70) or absent — YARA rules are written to
// detect the harmful, and Loki/THOR rules below 70 are "suspicious" ones;
// a lower score adds RuleWeakPoints (3). The scanners see every MIME part
// and every archive entry the attachment checks open.
//
// # Hub
//
// Sightings turns a result into hub sightings (indicator and rule hits;
// for phishing and malicious messages, the sender's domain and the link
// hosts) with ids made of the Message-ID, the value and the day.
// HubReporter delivers them from the milter in the background, through
// the hubclient spool, so that the hub never holds up mail and an outage
// loses nothing; Deliver does it once for a one-shot check.
//
// Limits (size, depth, parts, links, archive expansion, time) bound the
// work on any input; going past one is itself a reason.
package mail
